#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Benchmark vdp against dpdk-testpmd + net_vhost on the same vhost-user
# workload (docs/benchmarks.md explains the method and records results).
#
#   S1 sink:     generator (testpmd txonly, net_virtio_user) -> vhost0 -> DUT drops
#                vdp --fwd rxonly        | testpmd --forward-mode=rxonly
#   S2 loopback: generator (testpmd flowgen) <-> vhost0 <-> DUT sends every packet back
#                vdp --fwd macswap       | testpmd --forward-mode=macswap
#
# Each round runs both DUTs with the same generator command, pinning and
# ring sizes: odd rounds vdp then testpmd, even rounds testpmd then vdp.
# The result per case is the median of the per-round ratios vdp/testpmd,
# with their min..max, plus each DUT's median Mpps, Gbps and cycles/packet.
#
# The rate is the generator's: packets it got accepted on its TX queue (S1)
# or packets it received back (S2), from its ethdev counters read over its
# telemetry socket, over a window that starts after a warm-up.
#
# Two CPUs are all the two pollers need, so any other busy process skews a
# run: before each pair the script waits until the CPUs are idle, and it
# runs a pair again when others took CPU time during its windows.
#
# Usage: scripts/bench.sh [--rounds N] [--duration S] [--warmup S] [--sizes 64,1518]
#                         [--scenarios S1,S2] [--quick] [--no-huge]
#                         [--vdp-engine virtq|rte] [--max-other P]
# Sizes are Ethernet frame sizes including the 4-byte FCS (64 -> 60-byte packets).
# Results: a table on stdout; bench-results/<date-time>/: summary.csv, summary.md,
# runs.csv (one row per run), info.txt (machine, command) and every process's log.
set -u
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PARSE="python3 $VDP_ROOT/scripts/bench_parse.py"
TESTPMD=${TESTPMD:-dpdk-testpmd}
ROUNDS=5
DURATION=5
WARMUP=2
SIZES=64,1518
SCENARIOS=S1,S2
NO_HUGE=0
VDP_ENGINE=""    # vdp's vhost ring engine; empty: vdp's default
MAX_OTHER=25     # % of one CPU other processes may take during a window
ATTEMPTS=3       # tries per pair when they take more
RING=1024        # virtio ring size (queue_size, --rxd, --txd)
MBUFS=16384      # vdp's default pool size; testpmd gets the same
MEM_MB=256       # EAL memory per process
CMDLINE="$0 $*"

usage() {
	sed -n '/^# Usage:/,/^# Results:/s/^# \{0,1\}//p' "$0"
	echo "  --rounds N     paired rounds per case (default $ROUNDS)"
	echo "  --duration S   measurement window per run, seconds (default $DURATION)"
	echo "  --warmup S     traffic before the window starts, seconds (default $WARMUP)"
	echo "  --sizes LIST   frame sizes in bytes, 64..1518 (default $SIZES)"
	echo "  --scenarios L  S1 and/or S2 (default $SCENARIOS)"
	echo "  --quick        1 round, 64 B only, 2 s window, 1 s warm-up"
	echo "  --vdp-engine E vdp's vhost-user ring engine: virtq (its own) or rte (rte_vhost);"
	echo "                 default: vdp's default"
	echo "  --no-huge      run every process with --no-huge instead of hugepages"
	echo "  --max-other P  before each pair, wait (up to 5 min) until other processes use"
	echo "                 at most P% of a CPU; run the pair again (up to $ATTEMPTS tries) when"
	echo "                 they took more during either window (default $MAX_OTHER; 0 = never)"
}

die() {
	echo "bench: error: $*" >&2
	exit 2
}

is_uint() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
}

while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS=${2:-}; shift ;;
	--duration) DURATION=${2:-}; shift ;;
	--warmup) WARMUP=${2:-}; shift ;;
	--sizes) SIZES=${2:-}; shift ;;
	--scenarios) SCENARIOS=${2:-}; shift ;;
	--quick) ROUNDS=1; SIZES=64; DURATION=2; WARMUP=1 ;;
	--no-huge) NO_HUGE=1 ;;
	--vdp-engine) VDP_ENGINE=${2:-}; shift ;;
	--max-other) MAX_OTHER=${2:-}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
if ! is_uint "$ROUNDS" || [ "$ROUNDS" -lt 1 ]; then
	die "--rounds: need a whole number >= 1"
fi
if ! is_uint "$DURATION" || [ "$DURATION" -lt 1 ]; then
	die "--duration: need whole seconds >= 1"
fi
is_uint "$WARMUP" || die "--warmup: need whole seconds"
is_uint "$MAX_OTHER" || die "--max-other: need a whole percentage"
case "$VDP_ENGINE" in
'' | virtq | rte) ;;
*) die "--vdp-engine: '$VDP_ENGINE' is not virtq or rte" ;;
esac
SIZES=${SIZES//,/ }
SCENARIOS=${SCENARIOS//,/ }
for s in $SIZES; do
	if ! is_uint "$s" || [ "$s" -lt 64 ] || [ "$s" -gt 1518 ]; then
		die "--sizes: '$s' is not a frame size in 64..1518"
	fi
done
for s in $SCENARIOS; do
	case "$s" in S1 | S2) ;; *) die "--scenarios: '$s' is not S1 or S2" ;; esac
done
[ -n "$SIZES" ] || die "--sizes: empty"
[ -n "$SCENARIOS" ] || die "--scenarios: empty"

# Two CPUs: the generator (and both processes' main lcores) on the first,
# the DUT's polling worker on the second.
read -r -a CPUS <<< "$(python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
if [ "${#CPUS[@]}" -lt 2 ]; then
	echo "bench: error: needs 2 CPUs (one for the generator, one for the DUT's" \
		"worker), this process may use ${#CPUS[@]}: ${CPUS[*]}" >&2
	exit 1
fi
CPU_GEN=${CPUS[0]}
CPU_DUT=${CPUS[1]}
DUT_LCORES="0@$CPU_GEN,1@$CPU_DUT"
GEN_LCORES="0@$CPU_GEN,1@$CPU_GEN"

vdp_install_deps || exit 1
# shellcheck disable=SC2119 # no extra meson options
vdp_build || exit 1
command -v "$TESTPMD" > /dev/null || die "$TESTPMD not found (package dpdk)"

# Hugepage files of DPDK processes that died without removing them (they
# hold no lock any more) keep pages from being free. DPDK itself deletes
# such files at start-up; do it before counting the free pages.
bench_reclaim_hugepages() {
	local dir f n=0
	while read -r dir; do
		for f in "$dir"/*map_*; do
			[ -f "$f" ] || continue
			flock -n -x "$f" true 2> /dev/null && rm -f "$f" && n=$((n + 1))
		done
	done < <(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
	[ "$n" -gt 0 ] && vdp_log "removed $n stale hugepage files (no process held them)"
	return 0
}

# With hugepages, --in-memory: no hugepage files or shared config left
# behind, and the generator's memory is still shared with the vhost-user
# backend (memfd). --no-huge memory is never left behind either.
if [ "$NO_HUGE" = 0 ]; then
	bench_reclaim_hugepages
	case "$(vdp_hugepages 2)" in
	*--no-huge*) NO_HUGE=1 ;;
	esac
fi
if [ "$NO_HUGE" = 1 ]; then
	MEM="--no-huge -m $MEM_MB"
else
	MEM="-m $MEM_MB --in-memory"
fi

STAMP=$(date +%Y%m%d-%H%M%S)
OUT_DIR=$VDP_ROOT/bench-results/$STAMP
RUN_DIR=$(mktemp -d /tmp/vdp-bench.XXXXXX)
PREFIX=vdpbench$$
mkdir -p "$OUT_DIR/logs" || exit 1
RUNS_CSV=$OUT_DIR/runs.csv
SUMMARY_CSV=$OUT_DIR/summary.csv
PIDS=""

# Stop one process: SIGINT, then SIGKILL if it has not exited in 20 s.
stop_proc() {
	local pid=$1 _ state
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2> /dev/null
	for _ in $(seq 200); do
		state=$(awk '{print $3}' "/proc/$pid/stat" 2> /dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.1
	done
	if [ -n "$state" ] && [ "$state" != Z ]; then
		vdp_log "pid $pid did not stop on SIGINT; killing it"
		kill -KILL "$pid" 2> /dev/null
	fi
	wait "$pid" 2> /dev/null
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local pid
	trap - EXIT INT TERM
	for pid in $PIDS; do
		stop_proc "$pid"
	done
	rm -rf "$RUN_DIR" /var/run/dpdk/"$PREFIX"-*
}
trap cleanup EXIT
trap 'echo; vdp_log "interrupted"; exit 130' INT TERM

wait_socket() {
	local sock=$1 pid=$2 _
	for _ in $(seq 300); do
		[ -S "$sock" ] && return 0
		kill -0 "$pid" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Other DPDK processes on the machine may hold the hugepages for a while:
# wait for enough of them (both processes of a run) rather than mix
# hugepage and --no-huge runs in one comparison.
wait_hugepages() {
	local need=$((2 * MEM_MB * 1024 / $(awk '/Hugepagesize/ {print $2}' /proc/meminfo)))
	local free _
	[ "$NO_HUGE" = 1 ] && return 0
	for _ in $(seq 120); do
		free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
		[ "$free" -ge "$need" ] && return 0
		bench_reclaim_hugepages
		sleep 1
	done
	vdp_log "only $free hugepages free after 2 minutes, $need needed; trying anyway"
}

# run_one DUT SCENARIO SIZE ROUND ORDER ATTEMPT
run_one() {
	local dut=$1 sc=$2 size=$3 round=$4 order=$5 attempt=$6
	local id=$PREFIX-r$round-$sc-$size-$dut
	local sock=$RUN_DIR/vhost0-$round-$sc-$size-$dut.sock
	local log=$OUT_DIR/logs/r$round-$sc-$size-$dut
	local fwd gen_mode len dut_pid gen_pid

	case "$sc" in
	S1) fwd=rxonly; gen_mode=txonly; len=$((size - 4)) ;;
	S2) fwd=macswap; gen_mode=flowgen; len=$size ;; # flowgen takes off the FCS itself
	esac

	wait_hugepages
	# shellcheck disable=SC2086
	if [ "$dut" = vdp ]; then
		"$VDP_BIN" $MEM --no-pci --lcores "$DUT_LCORES" --file-prefix "$id-dut" \
			--log-level '*:notice' -- --vhost "$sock${VDP_ENGINE:+,engine=$VDP_ENGINE}" \
			--fwd "$fwd" \
			--duration $((WARMUP + DURATION + 120)) > "$log.dut.log" 2>&1 < /dev/null &
	else
		"$TESTPMD" $MEM --no-pci --lcores "$DUT_LCORES" --file-prefix "$id-dut" \
			--log-level '*:notice' --vdev "net_vhost0,iface=$sock,queues=1" -- \
			--no-mlockall --forward-mode="$fwd" --port-topology=loop --auto-start \
			--stats-period 3600 --total-num-mbufs=$MBUFS --record-core-cycles \
			> "$log.dut.log" 2>&1 < /dev/null &
	fi
	dut_pid=$!
	PIDS="$PIDS $dut_pid"
	if ! wait_socket "$sock" "$dut_pid"; then
		echo "{\"error\": \"DUT did not create its vhost-user socket, see $log.dut.log\"}" \
			> "$log.json"
	else
		# shellcheck disable=SC2086
		"$TESTPMD" $MEM --single-file-segments --no-pci --lcores "$GEN_LCORES" \
			--file-prefix "$id-gen" --log-level '*:notice' \
			--vdev "net_virtio_user0,path=$sock,queue_size=$RING" -- \
			--no-mlockall --forward-mode=$gen_mode --txpkts=$len --port-topology=loop \
			--auto-start --stats-period 3600 --txd=$RING --rxd=$RING \
			--total-num-mbufs=$MBUFS > "$log.gen.log" 2>&1 < /dev/null &
		gen_pid=$!
		PIDS="$PIDS $gen_pid"
		$PARSE measure --scenario "$sc" --gen "$id-gen" --dut-kind "$dut" \
			--dut "$id-dut" --warmup "$WARMUP" --duration "$DURATION" \
			--pids "$dut_pid $gen_pid" > "$log.json"
		stop_proc "$gen_pid"
	fi
	stop_proc "$dut_pid"
	rm -rf "$sock" /var/run/dpdk/"$id"-*
	$PARSE row --meas "$log.json" --dut-log "$log.dut.log" --round "$round" \
		--scenario "$sc" --size "$size" --dut "$dut" --order "$order" \
		--attempt "$attempt" --runs "$RUNS_CSV"
}

# run_pair SCENARIO SIZE ROUND: both DUTs, in this round's order; again
# if a run failed or another process took CPU time from either run.
run_pair() {
	local sc=$1 size=$2 round=$3 order attempt n dut max=$MAX_OTHER
	[ "$max" = 0 ] && max=100000
	if [ $((round % 2)) = 1 ]; then order="vdp testpmd"; else order="testpmd vdp"; fi
	for attempt in $(seq "$ATTEMPTS"); do
		[ "$MAX_OTHER" = 0 ] || $PARSE quiet --max-other "$MAX_OTHER" --timeout 300 ||
			vdp_log "the CPUs stayed busy for 5 minutes; measuring anyway"
		n=0
		for dut in $order; do
			n=$((n + 1))
			run_one "$dut" "$sc" "$size" "$round" "$n" "$attempt"
			sleep 1
		done
		$PARSE clean --runs "$RUNS_CSV" --round "$round" --scenario "$sc" \
			--size "$size" --attempt "$attempt" --max-other "$max" && return
		[ "$attempt" -lt "$ATTEMPTS" ] &&
			vdp_log "other processes used the CPUs (or a run failed): running the pair again"
	done
}

DPDK_VERSION=$(pkg-config --modversion libdpdk 2> /dev/null || echo unknown)
{
	echo "command: $CMDLINE"
	echo "date: $(date -Is)"
	echo "nproc: $(nproc)"
	echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "dpdk: $DPDK_VERSION"
	echo "vdp source: $(git -C "$VDP_ROOT" describe --always --dirty 2> /dev/null || echo unknown)"
	echo "memory: $MEM"
	echo "dut lcores: $DUT_LCORES; generator lcores: $GEN_LCORES"
	echo "rounds $ROUNDS, warm-up $WARMUP s, window $DURATION s, sizes $SIZES, scenarios $SCENARIOS"
	echo "vdp engine: ${VDP_ENGINE:-default}"
	echo "pairs run again (up to $ATTEMPTS tries) when others took > $MAX_OTHER% of a CPU"
} > "$OUT_DIR/info.txt"
vdp_log "DPDK $DPDK_VERSION; memory: $MEM; DUT --lcores $DUT_LCORES," \
	"generator --lcores $GEN_LCORES"
vdp_log "$ROUNDS round(s) of: $SCENARIOS x $SIZES B, vdp (engine ${VDP_ENGINE:-default}) and testpmd;" \
	"warm-up $WARMUP s, window $DURATION s; results in $OUT_DIR"

for round in $(seq "$ROUNDS"); do
	for sc in $SCENARIOS; do
		for size in $SIZES; do
			run_pair "$sc" "$size" "$round"
		done
	done
done

echo
$PARSE summary --runs "$RUNS_CSV" --out "$SUMMARY_CSV" --markdown "$OUT_DIR/summary.md"
status=$?
echo
echo "per-run data: $RUNS_CSV"
echo "summary:      $SUMMARY_CSV"
exit $status
