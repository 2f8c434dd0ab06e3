#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# What vdp's adaptive poll mode (--poll-mode adaptive: after 200 us without
# a packet a worker arms the guests' kicks and sleeps until one comes) saves
# and what it costs, against vdp polling busy (the default) and
# dpdk-testpmd + net_vhost (docs/benchmarking.md, "Poll modes"):
#
#   idle     the DUT with two connected virtio-user peers (the generator's
#            testpmd, rxonly: links up, nothing sent): the DUT's utime +
#            stime (all its threads, /proc/PID/stat) over --idle-seconds,
#            in % of one core; for vdp, its worker's sleeps and time asleep
#   wake     S2 loopback (one port, macswap) with tools/latency's
#            vdp-latency --idle-ms as the peer: --count times, nothing for
#            --idle-ms, then one stamped packet and its round trip;
#            p50, p99 and max of those
#   load     bench.sh's S2 and S3 at 64 B with DUTs vdp (busy) and
#            vdp-adaptive in paired rounds: Mpps adaptive / busy (the median
#            of the per-round ratios) and each one's busy cycles per packet
#            (/vdp/lcores)
#   latency  with load: bench.sh --latency, vdp-latency's round trips at 10,
#            50 and 90% of each run's rate, in both modes
#
# The same generator, pinning and hugepages as bench.sh: the DUT's worker
# on one CPU, the generator (and every main lcore) on the other.
#
# Usage: scripts/bench_poll.sh [--parts idle,wake,load,latency]
#                              [--duts vdp-busy,vdp-adaptive,testpmd]
#                              [--idle-seconds S] [--idle-ms MS] [--count N]
#                              [--rounds N] [--duration S] [--warmup S]
#                              [--gen-core C] [--dut-core C] [--no-huge]
#                              [--max-other P] [--quick]
# VDP_BUILD=DIR: the build to measure (default build/, as bench.sh).
# Results: a markdown table on stdout (for docs/benchmarks.md);
# bench-results/<date-time>-poll/: summary.md, summary.csv, idle.csv,
# wake.csv, load-runs.csv, load-summary.csv and latency.csv (bench.sh's),
# info.txt (host line, machine, command), host.json and every log.
set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PARSE="/usr/bin/python3 $VDP_ROOT/scripts/bench_parse.py"
TESTPMD=${TESTPMD:-dpdk-testpmd}
LAT_BIN=$VDP_BUILD/tools/latency/vdp-latency
FLOOR_BIN=$VDP_BUILD/tools/latency/vdp-wake-floor
PARTS=idle,wake,load,latency
DUTS=vdp-busy,vdp-adaptive,testpmd
IDLE_SECONDS=10
IDLE_MS=1000
COUNT=30
ROUNDS=3
DURATION=4
WARMUP=2
MAX_OTHER=25
NO_HUGE=0
GEN_CORE=""
DUT_CORE=""
RING=1024    # as bench.sh: virtio ring size, --rxd, --txd
MBUFS=16384
# as bench.sh: notice, but the virtio PMD's rx/tx path lines
GEN_LOG=(--log-level pmd.net.virtio.init:info --log-level '*:notice'
	--log-level pmd.net.virtio.init:info)
# The command line, each word quoted only when the shell needs it to be.
CMDLINE=$0
for a in "$@"; do
	[[ "$a" =~ ^[][A-Za-z0-9_./,:=@+%-]+$ ]] || a=$(printf %q "$a")
	CMDLINE+=" $a"
done

usage() {
	sed -n '/^# Usage:/,/^# Results:/s/^# \{0,1\}//p' "$0" | sed '$d'
	echo "  --parts LIST     idle, wake, load, latency (default $PARTS); latency"
	echo "                   runs with load's runs (bench.sh --latency)"
	echo "  --duts LIST      DUTs of idle and wake: vdp-busy, vdp-adaptive, testpmd (default"
	echo "                   all three); load and latency are always vdp-busy (bench.sh's"
	echo "                   vdp) against vdp-adaptive"
	echo "  --idle-seconds S idle: the window over which the DUT's CPU time counts (default"
	echo "                   $IDLE_SECONDS; the method wants at least 10)"
	echo "  --idle-ms MS     wake: the idle time before each packet (default $IDLE_MS)"
	echo "  --count N        wake: round trips per DUT (default $COUNT)"
	echo "  --rounds N       load: paired rounds (default $ROUNDS)"
	echo "  --duration S     load: measurement window per run, seconds (default $DURATION)"
	echo "  --warmup S       load: traffic before the window, seconds (default $WARMUP)"
	echo "  --gen-core C     CPU of the generator and every main lcore (default: the first"
	echo "                   CPU this process may use)"
	echo "  --dut-core C     CPU of the DUT's polling core (default: the second)"
	echo "  --no-huge        every process with --no-huge instead of hugepages"
	echo "  --max-other P    before each measurement, wait (up to 5 min) until other"
	echo "                   processes use at most P% of a CPU (default $MAX_OTHER; 0 = never)"
	echo "  --quick          a smoke run: 3 s idle, 3 round trips, 1 round of 2 s (results"
	echo "                   mean nothing); options after it override it"
	echo "  -h, --help       this text"
}

die() {
	echo "bench_poll: error: $*" >&2
	exit 2
}


while [ $# -gt 0 ]; do
	case "$1" in
	--parts) PARTS=${2:-}; shift ;;
	--duts) DUTS=${2:-}; shift ;;
	--idle-seconds) IDLE_SECONDS=${2:-}; shift ;;
	--idle-ms) IDLE_MS=${2:-}; shift ;;
	--count) COUNT=${2:-}; shift ;;
	--rounds) ROUNDS=${2:-}; shift ;;
	--duration) DURATION=${2:-}; shift ;;
	--warmup) WARMUP=${2:-}; shift ;;
	--gen-core) GEN_CORE=${2:-}; shift ;;
	--dut-core) DUT_CORE=${2:-}; shift ;;
	--max-other) MAX_OTHER=${2:-}; shift ;;
	--no-huge) NO_HUGE=1 ;;
	--quick) IDLE_SECONDS=3; COUNT=3; ROUNDS=1; DURATION=2; WARMUP=1 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
# at_least OPTION VALUE MIN WHAT: VALUE is a whole number >= MIN, or die
at_least() {
	if ! vdp_is_uint "$2" || [ "$2" -lt "$3" ]; then
		die "$1: need $4 >= $3"
	fi
}
at_least --idle-seconds "$IDLE_SECONDS" 1 "whole seconds"
at_least --idle-ms "$IDLE_MS" 1 "whole milliseconds"
at_least --count "$COUNT" 1 "a whole number"
at_least --rounds "$ROUNDS" 1 "a whole number"
at_least --duration "$DURATION" 1 "whole seconds"
vdp_is_uint "$WARMUP" || die "--warmup: need whole seconds"
vdp_is_uint "$MAX_OTHER" || die "--max-other: need a whole percentage"
read -r -a PART_LIST <<< "${PARTS//,/ }"
[ "${#PART_LIST[@]}" -ge 1 ] || die "--parts: empty"
for p in "${PART_LIST[@]}"; do
	case "$p" in idle | wake | load | latency) ;;
	*) die "--parts: '$p' is not idle, wake, load or latency" ;;
	esac
done
read -r -a DUT_LIST <<< "${DUTS//,/ }"
[ "${#DUT_LIST[@]}" -ge 1 ] || die "--duts: empty"
for d in "${DUT_LIST[@]}"; do
	case "$d" in vdp-busy | vdp-adaptive | testpmd) ;;
	*) die "--duts: '$d' is not vdp-busy, vdp-adaptive or testpmd" ;;
	esac
	[ "$(printf '%s\n' "${DUT_LIST[@]}" | grep -cx "$d")" = 1 ] || die "--duts: '$d' twice"
done
part() {
	[[ " ${PART_LIST[*]} " == *" $1 "* ]]
}
[ "$IDLE_SECONDS" -lt 10 ] && part idle &&
	vdp_log "note: --idle-seconds $IDLE_SECONDS: the method counts at least 10 s"

# Two CPUs, as bench.sh: the generator (and every main lcore) on one, the
# DUT's polling core on the other.
vdp_bench_cores bench_poll

[ "$(id -u)" = 0 ] || die "needs root (hugepages)"
vdp_install_deps || exit 1
# shellcheck disable=SC2119 # no extra meson options
vdp_build || exit 1
command -v "$TESTPMD" > /dev/null || die "$TESTPMD not found (package dpdk)"
[ -x "$LAT_BIN" ] || die "$LAT_BIN not built"
[ -x "$FLOOR_BIN" ] || die "$FLOOR_BIN not built"

# Hugepages as bench.sh (--in-memory), unless there are not enough for the
# two processes of a measurement.
if [ "$NO_HUGE" = 0 ]; then
	vdp_reclaim_hugepages
	case "$(vdp_hugepages 2)" in
	*--no-huge*) NO_HUGE=1 ;;
	esac
fi
if [ "$NO_HUGE" = 1 ]; then MEM="--no-huge -m 256"; else MEM="-m 256 --in-memory"; fi

PREFIX=vdppoll$$
RUN_DIR=$(mktemp -d /tmp/vdp-poll.XXXXXX)
S0=$RUN_DIR/vhost0.sock
S1=$RUN_DIR/vhost1.sock
STAMP=$(date +%Y%m%d-%H%M%S)
OUT_DIR=$VDP_ROOT/bench-results/$STAMP-poll
mkdir -p "$OUT_DIR/logs"
PIDS=""
DUT_PID=""
STATUS=0

stop() {
	[ -n "$1" ] || return 0
	vdp_stop_pid "$1"
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in $(echo "$PIDS" | tr ' ' '\n' | tac); do
		vdp_stop_pid "$pid"
	done
	rm -rf "$RUN_DIR" /var/run/dpdk/"$PREFIX"-*
}
trap cleanup EXIT
# shellcheck disable=SC2317 # called by the INT and TERM traps
interrupted() {
	echo
	vdp_log "interrupted"
	exit 130
}
trap interrupted INT TERM

# vdp knows --poll-mode (it parses its options and exits at --version);
# its EAL at debug level gives DPDK's TSC rate for the host line.
if ! "$VDP_BIN" --no-huge -m 64 --no-pci --no-shconf --lcores "0@$GEN_CORE" \
	--file-prefix "$PREFIX-probe" --log-level lib.eal:debug -- \
	--vhost "$RUN_DIR/probe.sock,engine=virtq" --poll-mode adaptive --version \
	> "$OUT_DIR/logs/probe-tsc.log" 2>&1 < /dev/null; then
	why=$(grep -m1 '^vdp: error' "$OUT_DIR/logs/probe-tsc.log" ||
		tail -n 1 "$OUT_DIR/logs/probe-tsc.log")
	rm -rf "$OUT_DIR"
	die "$VDP_BIN does not take --poll-mode adaptive: $why"
fi
HOST_INFO=$($PARSE host --eal-log "$OUT_DIR/logs/probe-tsc.log" --root "$VDP_ROOT" \
	--json "$OUT_DIR/host.json")
HOST_LINE=$(head -n 1 <<< "$HOST_INFO")

{
	echo "$HOST_INFO"
	echo "command: $CMDLINE"
	echo "build: $VDP_BUILD"
	echo "date: $(date -Is)"
	echo "nproc: $(nproc)"
	echo "dpdk: $(pkg-config --modversion libdpdk 2> /dev/null || echo unknown)"
	echo "memory: $MEM"
	echo "dut lcores: $DUT_LCORES; generator lcores: $GEN_LCORES"
	echo "parts: ${PART_LIST[*]}; duts of idle and wake: ${DUT_LIST[*]}"
	echo "idle: $IDLE_SECONDS s, two virtio-user peers (testpmd rxonly), S3's ports"
	echo "wake: $COUNT round trips of 64 B after $IDLE_MS ms idle each, S2 (macswap)"
	echo "load: S2 and S3, 64 B, vdp (busy) and vdp-adaptive, $ROUNDS rounds," \
		"warm-up $WARMUP s, window $DURATION s (scripts/bench.sh)"
} > "$OUT_DIR/info.txt"
vdp_log "$HOST_LINE"
vdp_log "parts: ${PART_LIST[*]}; memory: $MEM; results in $OUT_DIR"

wait_quiet() {
	[ "$MAX_OTHER" = 0 ] && return 0
	$PARSE quiet --max-other "$MAX_OTHER" --timeout 300 ||
		vdp_log "the CPUs stayed busy for 5 minutes; measuring anyway"
}

# start_dut DUT TOPOLOGY ID LOG: the DUT on the vhost-user sockets: idle,
# S3's two ports forwarded to each other; wake, S2's one port, macswap. Sets
# DUT_PID; 1 when it did not create its sockets.
start_dut() {
	local dut=$1 topo=$2 id=$3 log=$4 args=()
	[ "$NO_HUGE" = 1 ] || vdp_wait_hugepages 512
	case "$dut" in
	vdp-*)
		args=(--vhost "$S0,engine=virtq")
		if [ "$topo" = idle ]; then
			args+=(--vhost "$S1,engine=virtq" --port-pair vhost0:vhost1 --fwd io)
		else
			args+=(--fwd macswap)
		fi
		# shellcheck disable=SC2086 # $MEM is a list of options
		"$VDP_BIN" $MEM --no-pci --lcores "$DUT_LCORES" --file-prefix "$id-dut" \
			--log-level '*:notice' -- "${args[@]}" --poll-mode "${dut#vdp-}" \
			> "$log" 2>&1 < /dev/null &
		;;
	testpmd)
		args=(--vdev "net_vhost0,iface=$S0,queues=1")
		if [ "$topo" = idle ]; then
			args+=(--vdev "net_vhost1,iface=$S1,queues=1" -- --forward-mode=io
				--port-topology=paired)
		else
			args+=(-- --forward-mode=macswap --port-topology=loop)
		fi
		# shellcheck disable=SC2086 # $MEM is a list of options
		"$TESTPMD" $MEM --no-pci --lcores "$DUT_LCORES" --file-prefix "$id-dut" \
			--log-level '*:notice' "${args[@]}" --no-mlockall --auto-start \
			--stats-period 3600 --total-num-mbufs=$MBUFS --record-core-cycles \
			--rxd=$RING --txd=$RING > "$log" 2>&1 < /dev/null &
		;;
	esac
	DUT_PID=$!
	PIDS="$PIDS $DUT_PID"
	vdp_wait_socket "$S0" "$DUT_PID" || return 1
	[ "$topo" != idle ] || vdp_wait_socket "$S1" "$DUT_PID" || return 1
}

# The kind of DUT bench_parse.py asks (vdp: /vdp/*, else /ethdev/*).
kind() {
	case "$1" in vdp-*) echo vdp ;; *) echo testpmd ;; esac
}

end_run() {
	stop "$DUT_PID"
	DUT_PID=""
	rm -rf "$S0" "$S1" /var/run/dpdk/"$1"-*
}

# idle DUT: the peers connect, send nothing; the DUT's CPU time.
measure_idle() {
	local dut=$1 gen_pid=""
	local id=$PREFIX-idle-$dut log=$OUT_DIR/logs/idle-$dut
	wait_quiet
	if start_dut "$dut" idle "$id" "$log.dut.log"; then
		# shellcheck disable=SC2086 # $MEM is a list of options
		"$TESTPMD" $MEM --single-file-segments --no-pci --lcores "$GEN_LCORES" \
			--file-prefix "$id-gen" "${GEN_LOG[@]}" \
			--vdev "net_virtio_user0,path=$S0,queue_size=$RING" \
			--vdev "net_virtio_user1,path=$S1,queue_size=$RING" -- \
			--no-mlockall --forward-mode=rxonly --port-topology=paired --auto-start \
			--stats-period 3600 --txd=$RING --rxd=$RING --total-num-mbufs=$MBUFS \
			> "$log.gen.log" 2>&1 < /dev/null &
		gen_pid=$!
		PIDS="$PIDS $gen_pid"
	else
		vdp_log "$dut did not create its vhost-user sockets, see $log.dut.log"
	fi
	$PARSE idle-cpu --pid "$DUT_PID" --dut-kind "$(kind "$dut")" --dut "$id-dut" \
		--gen "$id-gen" ${gen_pid:+--gen-pid "$gen_pid"} --seconds "$IDLE_SECONDS" \
		--name "$dut" --out "$OUT_DIR/idle.csv" --host "$OUT_DIR/host.json" || STATUS=1
	stop "$gen_pid"
	end_run "$id"
}

# wake DUT: vdp-latency --idle-ms through the DUT's S2 loopback.
measure_wake() {
	local dut=$1 lat_pid
	local id=$PREFIX-wake-$dut log=$OUT_DIR/logs/wake-$dut
	wait_quiet
	if start_dut "$dut" wake "$id" "$log.dut.log"; then
		# shellcheck disable=SC2086 # $MEM is a list of options
		"$LAT_BIN" $MEM --single-file-segments --no-pci --lcores "0@$GEN_CORE" \
			--file-prefix "$id-lat" "${GEN_LOG[@]}" \
			--vdev "net_virtio_user0,path=$S0,queue_size=$RING" -- \
			--idle-ms "$IDLE_MS" --count "$COUNT" --size 64 --ports 1 \
			> "$log.lat.log" 2>&1 < /dev/null &
		lat_pid=$!
		PIDS="$PIDS $lat_pid"
		wait "$lat_pid" || true
		PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$lat_pid" | tr '\n' ' ')
	else
		echo "$dut did not create its vhost-user socket, see $log.dut.log" > "$log.lat.log"
	fi
	$PARSE wake-row --log "$log.lat.log" --name "$dut" --idle-ms "$IDLE_MS" \
		--count "$COUNT" --dut-kind "$(kind "$dut")" --dut "$id-dut" \
		--out "$OUT_DIR/wake.csv" || STATUS=1
	end_run "$id"
}

# load (and latency): bench.sh with DUTs vdp and vdp-adaptive; its CSVs
# are copied here.
measure_load() {
	local args log=$OUT_DIR/logs/bench.log rc dir
	args=(--duts "vdp,vdp-adaptive" --scenarios "S2,S3" --sizes 64 --rounds "$ROUNDS"
		--duration "$DURATION" --warmup "$WARMUP" --gen-core "$GEN_CORE"
		--dut-core "$DUT_CORE" --max-other "$MAX_OTHER")
	[ "$NO_HUGE" = 0 ] || args+=(--no-huge)
	! part latency || args+=(--latency)
	echo "${args[*]}" > "$OUT_DIR/logs/bench.args"
	vdp_log "load: scripts/bench.sh ${args[*]}"
	# tee -i: on Ctrl-C bench.sh cleans up and says so before tee ends
	VDP_BUILD=$VDP_BUILD TESTPMD=$TESTPMD bash "$VDP_ROOT/scripts/bench.sh" "${args[@]}" \
		2>&1 | tee -i "$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" != 130 ] || interrupted
	dir=$(sed -n 's/^summary: *//p' "$log" | tail -n 1)
	dir=${dir%/summary.csv}
	if [ -z "$dir" ] || [ ! -f "$dir/runs.csv" ]; then
		vdp_log "bench.sh failed (exit $rc) before its summary, see $log"
		STATUS=1
		return 0
	fi
	[ "$rc" = 0 ] || STATUS=1
	echo "load: bench.sh ${args[*]} -> $dir (exit $rc)" >> "$OUT_DIR/info.txt"
	cp "$dir/runs.csv" "$OUT_DIR/load-runs.csv"
	[ ! -f "$dir/summary.csv" ] || cp "$dir/summary.csv" "$OUT_DIR/load-summary.csv"
	[ ! -f "$dir/latency.csv" ] || cp "$dir/latency.csv" "$OUT_DIR/latency.csv"
}

if part idle; then
	vdp_log "idle: $IDLE_SECONDS s of each of ${DUT_LIST[*]} with two idle peers"
	for d in "${DUT_LIST[@]}"; do measure_idle "$d"; done
fi
if part wake; then
	vdp_log "wake: $COUNT round trips after $IDLE_MS ms idle through each of ${DUT_LIST[*]}"
	for d in "${DUT_LIST[@]}"; do measure_wake "$d"; done
	# The host's own wake-up of a thread in poll(), on the DUT's CPU: what
	# an adaptive worker's wake-up cannot go below.
	wait_quiet
	"$FLOOR_BIN" "$IDLE_MS" "$COUNT" "$DUT_CORE" "$GEN_CORE" > "$OUT_DIR/wake-floor.txt" 2>&1 ||
		STATUS=1
fi
if part load || part latency; then
	measure_load
fi

echo
echo "## Poll modes"
echo
rc=0
$PARSE poll-summary --idle "$OUT_DIR/idle.csv" --wake "$OUT_DIR/wake.csv" \
	--runs "$OUT_DIR/load-runs.csv" --latency "$OUT_DIR/latency.csv" \
	--out "$OUT_DIR/summary.csv" --markdown "$OUT_DIR/summary.md" \
	--host "$OUT_DIR/host.json" --command "$CMDLINE" || rc=$?
if [ -s "$OUT_DIR/wake-floor.txt" ]; then
	echo
	echo "Host floor (tools/latency/vdp-wake-floor, a thread asleep in poll() on CPU $DUT_CORE" \
		"woken from CPU $GEN_CORE): $(sed 's/^vdp-wake-floor: //' "$OUT_DIR/wake-floor.txt")" |
		tee -a "$OUT_DIR/summary.md"
fi
case "$rc" in
0) ;;
3) vdp_log "some targets were missed (column met)" ;;
*) STATUS=1 ;;
esac
echo
echo "summary:      $OUT_DIR/summary.md"
echo "info:         $OUT_DIR/info.txt"
exit $STATUS
