#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Benchmark vdp against its peers on the same vhost-user workloads
# (docs/benchmarking.md: how to run each case by hand; docs/benchmarks.md:
# the method and the results).
#
#   S1 sink:      generator txonly -> vhost0 -> DUT drops
#   S2 loopback:  generator flowgen <-> vhost0 <-> DUT sends every packet back
#   S3 vm-to-vm:  generator port 0 <-> vhost0 <-> DUT <-> vhost1 <-> generator port 1
#                 (flowgen on both ports: both directions at once)
#   S4 tap:       generator txonly -> vhost0 -> DUT -> tap, whose kernel end
#                 sits in a network namespace the script creates
#
# DUTs: vdp (its own virtq engine), vdp-rte (engine=rte, on rte_vhost),
# vdp-copy (the same vdp and command as vdp, each vhost port with
# zcopy=off: vdp without zero-copy dequeue),
# vdp-b (another vdp build, given with --vdp-b, on its virtq engine: an A/B
# of two versions of the hot path),
# vdp-adaptive (the same vdp and command as vdp, plus --poll-mode adaptive:
# its worker sleeps until a guest kick after 200 us without a packet;
# scripts/bench_poll.sh compares it with vdp, which polls busy),
# testpmd (dpdk-testpmd + net_vhost), ovs (Open vSwitch with DPDK, when
# installed). Each round runs every DUT in turn with the same generator
# command, pinning and ring sizes; the order rotates by one DUT per round.
#
# Ring layouts (--rings split,packed): every case runs once per layout.
# packed gives the generator's virtio-user vdevs packed_vq=1, split nothing
# more; every DUT offers packed rings (vdp on either engine, testpmd's
# net_vhost, OVS), so the generator's choice decides. Each run records the
# layout the generator's virtio PMD runs (its rx/tx path lines) and, for
# the vdp DUTs, the one vdp's vhost ports negotiated (/vdp/vhost); a run
# where either is not the one asked for fails and is not retried.
#
# Per case (scenario, size, ring layout) the result is the median of the
# per-round ratios of each DUT to testpmd (and of vdp to vdp-rte, vdp-copy
# and vdp-b), with their min..max, plus each DUT's median Mpps, Gbps,
# cycles/packet and loss.
#
# Every table is headed by the host line: CPU model, TSC rate (DPDK's own
# calibration, from a short EAL run at debug level), AVX2 and AVX-512F,
# and the commit of this tree (-dirty with uncommitted changes).
#
# The rate: S1 packets the generator got accepted on its tx queue (the DUT's
# dequeue rate), S2/S3 packets the generator received back, S4 packets the
# tap's kernel end received; over a window that starts after a warm-up.
#
# Two CPUs are all the two pollers need, so any other busy process skews a
# run: before each round's group of runs the script waits until the CPUs
# are idle, and it runs the group again when others took CPU time during
# its windows.
#
# Usage: scripts/bench.sh [--duts vdp,vdp-rte,testpmd[,ovs][,vdp-copy][,vdp-b]
#                                [,vdp-adaptive]] [--rounds N] [--scenarios S1,S2,S3,S4]
#                         [--sizes 64,256,512,1518,9000] [--duration S] [--warmup S]
#                         [--gen-core C] [--dut-core C] [--quick] [--no-huge]
#                         [--with-ovs] [--max-other P] [--run-dir DIR] [--latency]
#                         [--vdp-b PATH] [--vdp-vhost-opts OPTS] [--rings split,packed]
# Sizes are Ethernet frame sizes including the 4-byte FCS (64 -> 60-byte packets).
# PKTGEN=/path/to/pktgen: pktgen-dpdk is the generator instead of dpdk-testpmd.
# Results: a table on stdout; bench-results/<date-time>/: summary.csv, summary.md,
# mpps.png, runs.csv (one row per run), info.txt (host line, machine, command),
# host.json and every process's log.
set -u
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PARSE="/usr/bin/python3 $VDP_ROOT/scripts/bench_parse.py"
TESTPMD=${TESTPMD:-dpdk-testpmd}
PKTGEN=${PKTGEN:-}
PKTGEN_SPEED=100000 # Mb/s the generator's virtio-user ports report to pktgen
PKTGEN_MB_PORT=2048 # pktgen memory per port, MB (pktgen_mb)
PKTGEN_LAT_US=1000  # with --latency, pktgen sends a latency packet this often
LAT_BIN=$VDP_BUILD/tools/latency/vdp-latency
OVS_VSWITCHD=${OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
ROUNDS=5
DURATION=5
WARMUP=2
SIZES=64,256,512,1518,9000
SCENARIOS=S1,S2,S3,S4
RINGS="split"    # virtqueue layouts (--rings): split, packed
DUTS=""          # default: vdp,vdp-rte,testpmd (+ovs when installed)
VDP_B=""         # the vdp binary of DUT vdp-b
VDP_VHOST_OPTS="" # extra --vhost options of DUTs vdp, vdp-b and vdp-adaptive
VHOST_OPTS_SET=0
NO_HUGE=0
WITH_OVS=0
GEN_CORE=""
DUT_CORE=""
RUN_DIR_ARG=""
LATENCY=0
LAT_LOADS="10 50 90"
MAX_OTHER=25     # % of one CPU other processes may take during a window
ATTEMPTS=3       # tries per round's group of runs when they take more
RING=1024        # virtio ring size (queue_size, --rxd, --txd)
MBUFS=16384      # vdp's default pool size; testpmd gets the same
JUMBO_MBUF=10240 # generator mbuf size for 9000-byte frames (one segment)
# The generators' log levels: notice, but the virtio PMD's init lines at
# info, which name the rx and tx paths each port runs, packed or split (the
# layout the run got). The EAL applies these patterns in this order to the
# log types registered before it parses them, newest first to those of the
# drivers it loads after (the virtio PMD is one): the virtio pattern on
# both sides of '*:notice' holds either way.
GEN_LOG=(--log-level pmd.net.virtio.init:info --log-level '*:notice'
	--log-level pmd.net.virtio.init:info)
CMDLINE="$0 $*"

usage() {
	sed -n '/^# Usage:/,/^# Results:/s/^# \{0,1\}//p' "$0"
	echo "  --duts LIST    DUTs in the order of the first round: vdp, vdp-rte, testpmd, ovs,"
	echo "                 vdp-copy (vdp with zcopy=off on its vhost ports), vdp-b,"
	echo "                 vdp-adaptive (vdp with --poll-mode adaptive)"
	echo "                 (default vdp,vdp-rte,testpmd, plus ovs when installed)"
	echo "  --rounds N     rounds per case, each running every DUT (default $ROUNDS)"
	echo "  --scenarios L  S1, S2, S3, S4 (default $SCENARIOS)"
	echo "  --sizes LIST   frame sizes in bytes, 64..9000; above 1518, jumbo frames (default $SIZES)"
	echo "  --rings LIST   virtqueue layouts, split and/or packed: every case runs with each,"
	echo "                 packed with packed_vq=1 on the generator's virtio-user vdevs"
	echo "                 (default $RINGS)"
	echo "  --duration S   measurement window per run, seconds (default $DURATION)"
	echo "  --warmup S     traffic before the window starts, seconds (default $WARMUP)"
	echo "  --gen-core C   CPU of the generator and every main lcore (default: the first"
	echo "                 CPU this process may use)"
	echo "  --dut-core C   CPU of the DUT's polling core (default: the second)"
	echo "  --quick        S1 and S2, 64 B, 1 round, 1 s warm-up, 2 s window (about a"
	echo "                 minute); options after it override it"
	echo "  --no-huge      run every process with --no-huge instead of hugepages"
	echo "  --with-ovs     install openvswitch-switch-dpdk if missing and add ovs to the DUTs"
	echo "  --run-dir DIR  where the vhost-user sockets go (default: a new directory"
	echo "                 under /tmp); refuses if a socket path there is taken"
	echo "  --latency      after each S2 or S3 run, round-trip latency (p50, p99, p99.9)"
	echo "                 at 10, 50 and 90% of the rate that run measured, with the"
	echo "                 same DUT and tools/latency's vdp-latency as the generator"
	echo "  --vdp-engine E only vdp with engine E (virtq or rte) and testpmd"
	echo "  --vdp-b PATH   the vdp binary of DUT vdp-b (say, a build of another commit),"
	echo "                 run with the virtq engine; the tables then give vdp against it"
	echo "  --vdp-vhost-opts OPTS"
	echo "                 comma-separated options added to every --vhost port of DUTs vdp,"
	echo "                 vdp-b and vdp-adaptive (not vdp-copy, vdp-rte), e.g."
	echo "                 zcopy=on,zcopy-min=256;"
	echo "                 vdp checks them before the first run"
	echo "  --max-other P  before each group, wait (up to 5 min) until other processes use"
	echo "                 at most P% of a CPU; run the group again (up to $ATTEMPTS tries) when"
	echo "                 they took more during a window (default $MAX_OTHER; 0 = never)"
}

die() {
	echo "bench: error: $*" >&2
	exit 2
}


while [ $# -gt 0 ]; do
	case "$1" in
	--duts) DUTS=${2:-}; shift ;;
	--rounds) ROUNDS=${2:-}; shift ;;
	--duration) DURATION=${2:-}; shift ;;
	--warmup) WARMUP=${2:-}; shift ;;
	--sizes) SIZES=${2:-}; shift ;;
	--scenarios) SCENARIOS=${2:-}; shift ;;
	--rings) RINGS=${2:-}; shift ;;
	--gen-core) GEN_CORE=${2:-}; shift ;;
	--dut-core) DUT_CORE=${2:-}; shift ;;
	--run-dir) RUN_DIR_ARG=${2:-}; shift ;;
	--quick) ROUNDS=1; SIZES=64; SCENARIOS=S1,S2; DURATION=2; WARMUP=1 ;;
	--no-huge) NO_HUGE=1 ;;
	--with-ovs) WITH_OVS=1 ;;
	--latency) LATENCY=1 ;;
	--vdp-b) VDP_B=${2:-}; shift ;;
	--vdp-vhost-opts) VDP_VHOST_OPTS=${2:-}; VHOST_OPTS_SET=1; shift ;;
	--vdp-engine)
		case "${2:-}" in
		virtq) DUTS=vdp,testpmd ;;
		rte) DUTS=vdp-rte,testpmd ;;
		*) die "--vdp-engine: '${2:-}' is not virtq or rte" ;;
		esac
		shift ;;
	--max-other) MAX_OTHER=${2:-}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
if ! vdp_is_uint "$ROUNDS" || [ "$ROUNDS" -lt 1 ]; then
	die "--rounds: need a whole number >= 1"
fi
if ! vdp_is_uint "$DURATION" || [ "$DURATION" -lt 1 ]; then
	die "--duration: need whole seconds >= 1"
fi
vdp_is_uint "$WARMUP" || die "--warmup: need whole seconds"
vdp_is_uint "$MAX_OTHER" || die "--max-other: need a whole percentage"
SIZES=${SIZES//,/ }
SCENARIOS=${SCENARIOS//,/ }
for s in $SIZES; do
	if ! vdp_is_uint "$s" || [ "$s" -lt 64 ] || [ "$s" -gt 9000 ]; then
		die "--sizes: '$s' is not a frame size in 64..9000"
	fi
done
for s in $SCENARIOS; do
	case "$s" in S1 | S2 | S3 | S4) ;; *) die "--scenarios: '$s' is not S1, S2, S3 or S4" ;; esac
done
[ -n "$SIZES" ] || die "--sizes: empty"
[ -n "$SCENARIOS" ] || die "--scenarios: empty"
read -r -a RING_LIST <<< "${RINGS//,/ }"
[ "${#RING_LIST[@]}" -ge 1 ] || die "--rings: empty (split, packed or split,packed)"
for r in "${RING_LIST[@]}"; do
	case "$r" in split | packed) ;; *) die "--rings: '$r' is not split or packed" ;; esac
	[ "$(printf '%s\n' "${RING_LIST[@]}" | grep -cx "$r")" = 1 ] || die "--rings: '$r' twice"
done
RINGS="${RING_LIST[*]}"
if [ -n "$PKTGEN" ] && { [ ! -f "$PKTGEN" ] || [ ! -x "$PKTGEN" ]; }; then
	die "PKTGEN=$PKTGEN is not an executable file"
fi
GENERATOR=testpmd
[ -n "$PKTGEN" ] && GENERATOR=pktgen

ovs_installed() {
	[ -x "$OVS_VSWITCHD" ] && command -v ovsdb-server > /dev/null &&
		command -v ovs-vsctl > /dev/null
}

if [ -z "$DUTS" ]; then
	DUTS=vdp,vdp-rte,testpmd
	if [ "$WITH_OVS" = 1 ] || ovs_installed; then DUTS=$DUTS,ovs; fi
elif [ "$WITH_OVS" = 1 ] && [[ ",$DUTS," != *,ovs,* ]]; then
	DUTS=$DUTS,ovs
fi
if [ -n "$VDP_B" ]; then
	[ -x "$VDP_B" ] || die "--vdp-b: '$VDP_B' is not an executable file"
	VDP_B=$(realpath "$VDP_B")
fi
read -r -a DUT_LIST <<< "${DUTS//,/ }"
[ "${#DUT_LIST[@]}" -ge 1 ] || die "--duts: empty"
for d in "${DUT_LIST[@]}"; do
	case "$d" in
	vdp | vdp-rte | vdp-copy | vdp-adaptive | testpmd | ovs) ;;
	vdp-b) [ -n "$VDP_B" ] || die "--duts: vdp-b needs --vdp-b PATH" ;;
	*) die "--duts: '$d' is not vdp, vdp-rte, vdp-copy, vdp-adaptive, testpmd, ovs or" \
		"vdp-b" ;;
	esac
	[ "$(printf '%s\n' "${DUT_LIST[@]}" | grep -cx "$d")" = 1 ] || die "--duts: '$d' twice"
done
# --vdp-vhost-opts: key or key=value items; the bench sets the engine, the
# names and the server mode itself. vdp checks the rest before the first
# run (vdp_probe).
if [ "$VHOST_OPTS_SET" = 1 ]; then
	[ -n "$VDP_VHOST_OPTS" ] || die "--vdp-vhost-opts: empty"
	case "$VDP_VHOST_OPTS" in
	,* | *, | *,,*) die "--vdp-vhost-opts: '$VDP_VHOST_OPTS' has an empty option" ;;
	esac
	IFS=, read -r -a opts <<< "$VDP_VHOST_OPTS"
	for o in "${opts[@]}"; do
		[[ "$o" =~ ^[a-z][a-z0-9-]*(=[^=[:space:]]+)?$ ]] ||
			die "--vdp-vhost-opts: '$o' is not KEY or KEY=VALUE"
		case "${o%%=*}" in
		engine | name | client | server)
			die "--vdp-vhost-opts: '$o': the bench sets ${o%%=*} itself" ;;
		esac
	done
	[[ ",$DUTS," == *,vdp,* ]] || [[ ",$DUTS," == *,vdp-b,* ]] ||
		[[ ",$DUTS," == *,vdp-adaptive,* ]] ||
		vdp_log "note: --vdp-vhost-opts applies to DUTs vdp, vdp-b and vdp-adaptive," \
			"and none runs"
fi
[ "$ROUNDS" -lt 3 ] && [ "${#DUT_LIST[@]}" -gt 1 ] &&
	vdp_log "note: $ROUNDS round(s): the ratios need at least 3 (better 5) to mean anything"

# Two CPUs: the generator (and every process's main lcore) on one, the DUT's
# polling core on the other.
vdp_bench_cores bench

if [ "$(id -u)" != 0 ]; then
	die "needs root (hugepages, network namespaces, package installation)"
fi
VDP_PACKAGES="$VDP_PACKAGES python3-matplotlib"
[ "$WITH_OVS" = 1 ] && ! ovs_installed && VDP_PACKAGES="$VDP_PACKAGES openvswitch-switch-dpdk"
# openvswitch-switch-dpdk installs without starting its service (its own
# daemons would take the CPUs): a policy-rc.d that denies every start for
# the time of the installation, unless the machine has one.
POLICY_RC=/usr/sbin/policy-rc.d
if [[ "$VDP_PACKAGES" == *openvswitch* ]] && [ ! -e "$POLICY_RC" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$POLICY_RC" && chmod 755 "$POLICY_RC"
	vdp_install_deps
	status=$?
	rm -f "$POLICY_RC"
else
	vdp_install_deps
	status=$?
fi
[ "$status" = 0 ] || exit 1
# shellcheck disable=SC2119 # no extra meson options
vdp_build || exit 1
command -v "$TESTPMD" > /dev/null || die "$TESTPMD not found (package dpdk)"
if [ "$LATENCY" = 1 ]; then
	[ -x "$LAT_BIN" ] || die "$LAT_BIN not built"
	[[ " $SCENARIOS " == *" S2 "* ]] || [[ " $SCENARIOS " == *" S3 "* ]] ||
		vdp_log "note: --latency measures S2 and S3 only (S1 and S4 send nothing back)"
fi
if [[ ",$DUTS," == *,ovs,* ]] && ! ovs_installed; then
	die "ovs: $OVS_VSWITCHD not found (package openvswitch-switch-dpdk; --with-ovs installs it)"
fi

# With hugepages, --in-memory: no hugepage files or shared config left
# behind, and the generator's memory is still shared with the vhost-user
# backend (memfd). --no-huge memory is never left behind either.
if [ "$NO_HUGE" = 0 ]; then
	vdp_reclaim_hugepages
	case "$(vdp_hugepages 3)" in
	*--no-huge*) NO_HUGE=1 ;;
	esac
fi
# EAL memory of one process for frames of SIZE bytes, in MB.
mem_mb() {
	if [ "$1" -gt 1518 ]; then echo 512; else echo 256; fi
}

# pktgen's memory with NPORTS ports, in MB: its mbufs are all 10 KB, in
# about six pools of 24576 per port.
pktgen_mb() {
	echo $(($1 * PKTGEN_MB_PORT + 512))
}

# The hugepages that hold MB megabytes.
hugepages_for() {
	echo $(($1 * 1024 / $(awk '/Hugepagesize/ {print $2}' /proc/meminfo)))
}

# pktgen needs far more than testpmd: two ports and a jumbo DUT.
if [ "$NO_HUGE" = 0 ] && [ -n "$PKTGEN" ]; then
	want=$(hugepages_for $(($(pktgen_mb 2) + $(mem_mb 9000))))
	[ "$(cat /proc/sys/vm/nr_hugepages)" -ge "$want" ] ||
		echo "$want" > /proc/sys/vm/nr_hugepages 2> /dev/null
	if [ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -lt "$want" ]; then
		vdp_log "pktgen needs $want free hugepages: using --no-huge"
		NO_HUGE=1
	fi
fi

# The generator's memory for frames of SIZE bytes over NPORTS ports, in MB.
gen_mb() {
	if [ -n "$PKTGEN" ]; then pktgen_mb "$2"; else mem_mb "$1"; fi
}

# EAL memory options of one process for frames of SIZE bytes (or of MB
# megabytes, given as "SIZE MB").
mem_opts() {
	local mb=${2:-}
	[ -n "$mb" ] || mb=$(mem_mb "$1")
	if [ "$NO_HUGE" = 1 ]; then
		echo "--no-huge -m $mb"
	else
		echo "-m $mb --in-memory"
	fi
}

# Names this run owns: EAL file prefixes, the run directory with the
# sockets, the network namespace and the tap interface of S4.
PREFIX=vdpbench$$
NETNS=$PREFIX
TAP=vdpbt$$
RUN_DIR=$(mktemp -d /tmp/vdp-bench.XXXXXX) || exit 1
SOCK_DIR=$RUN_DIR
if [ -n "$RUN_DIR_ARG" ]; then
	mkdir -p "$RUN_DIR_ARG" || die "--run-dir: cannot create $RUN_DIR_ARG"
	SOCK_DIR=$(cd "$RUN_DIR_ARG" && pwd)
	for s in "$SOCK_DIR"/vhost0.sock "$SOCK_DIR"/vhost1.sock; do
		if [ -e "$s" ]; then
			rmdir "$RUN_DIR"
			die "socket path $s is taken (another benchmark or vdp?); remove it or" \
				"choose another --run-dir"
		fi
	done
fi
SOCK0=$SOCK_DIR/vhost0.sock
SOCK1=$SOCK_DIR/vhost1.sock
STAMP=$(date +%Y%m%d-%H%M%S)
OUT_DIR=$VDP_ROOT/bench-results/$STAMP
mkdir -p "$OUT_DIR/logs" || exit 1
RUNS_CSV=$OUT_DIR/runs.csv
LAT_CSV=$OUT_DIR/latency.csv
SUMMARY_CSV=$OUT_DIR/summary.csv
PIDS=""
NETNS_MADE=0

# Stop one process: SIGINT, then SIGKILL if it has not exited in 20 s.
stop_proc() {
	[ -n "$1" ] || return 0
	vdp_stop_pid "$1"
	PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local pid
	trap - EXIT INT TERM
	# the newest first: generators before their DUTs, OVS before ovsdb
	for pid in $(echo "$PIDS" | tr ' ' '\n' | tac); do
		stop_proc "$pid"
	done
	[ "$NETNS_MADE" = 1 ] && ip netns del "$NETNS" 2> /dev/null
	rm -f "$SOCK0" "$SOCK1"
	rm -rf "$RUN_DIR"
	rm -rf /var/run/dpdk/"$PREFIX"-*
}
trap cleanup EXIT
interrupted() {
	echo
	vdp_log "interrupted"
	exit 130
}
trap interrupted INT TERM

# The --vhost options after the socket path of a vdp DUT's ports, its other
# options, and its binary.
vhost_opts() {
	case "$1" in
	vdp | vdp-b | vdp-adaptive) echo "engine=virtq${VDP_VHOST_OPTS:+,$VDP_VHOST_OPTS}" ;;
	vdp-copy) echo "engine=virtq,zcopy=off" ;;
	vdp-rte) echo "engine=rte" ;;
	esac
}
vdp_args() {
	case "$1" in
	vdp-adaptive) echo "--poll-mode adaptive" ;;
	esac
}
vdp_bin() {
	if [ "$1" = vdp-b ]; then echo "$VDP_B"; else echo "$VDP_BIN"; fi
}

# vdp_probe BIN OPTS LOG [ARGS...]: whether the vdp at BIN takes --vhost
# PATH,OPTS and ARGS (it parses its options and exits at --version, before
# it sets anything up); LOG gets its output, with the EAL at debug level:
# DPDK's TSC rate.
vdp_probe() {
	local rc bin=$1 popts=$2 log=$3
	shift 3
	"$bin" --no-huge -m 64 --no-pci --no-shconf --lcores "0@$GEN_CORE" \
		--file-prefix "$PREFIX-probe" --log-level lib.eal:debug -- \
		--vhost "$RUN_DIR/probe.sock,$popts" "$@" --version > "$log" 2>&1 < /dev/null
	rc=$?
	rm -rf /var/run/dpdk/"$PREFIX"-probe
	return $rc
}

# Refuse before the first run, leaving no results directory.
refuse() {
	rm -rf "$OUT_DIR"
	die "$@"
}

# Every vdp DUT's ports as it will run them: a bad --vdp-vhost-opts, or a
# vdp without zero-copy for vdp-copy, stops here with vdp's own words.
for d in "${DUT_LIST[@]}"; do
	case "$d" in vdp*) ;; *) continue ;; esac
	plog=$OUT_DIR/logs/probe-$d.log
	read -r -a extra <<< "$(vdp_args "$d")"
	vdp_probe "$(vdp_bin "$d")" "$(vhost_opts "$d")" "$plog" "${extra[@]}" && continue
	why=$(grep -m1 '^vdp: error' "$plog" || tail -n 1 "$plog")
	if [ -n "$VDP_VHOST_OPTS" ] && { [ "$d" = vdp ] || [ "$d" = vdp-b ]; }; then
		refuse "--vdp-vhost-opts: $d ($(vdp_bin "$d")) does not take" \
			"'$VDP_VHOST_OPTS': $why"
	fi
	refuse "$d: $(vdp_bin "$d") does not take --vhost PATH,$(vhost_opts "$d")$(
		[ "${#extra[@]}" = 0 ] || echo " ${extra[*]}"): $why"
done

# The host line: DPDK's TSC calibration from a vdp EAL start at debug
# level (else the kernel's, else cpu MHz: bench_parse.py host).
vdp_probe "$VDP_BIN" engine=virtq "$OUT_DIR/logs/probe-tsc.log" ||
	vdp_log "vdp did not start for the TSC probe (see $OUT_DIR/logs/probe-tsc.log)"
HOST_INFO=$($PARSE host --eal-log "$OUT_DIR/logs/probe-tsc.log" --root "$VDP_ROOT" \
	--json "$OUT_DIR/host.json")
HOST_LINE=$(head -n 1 <<< "$HOST_INFO")

# pktgen_wait_line LOG PID WHAT TENTHS: wait up to TENTHS tenths of a
# second for the Lua script's line "vdp-bench WHAT" in LOG; 1 when pktgen
# (PID) exits first or the time is up.
pktgen_wait_line() {
	local _
	for _ in $(seq "$4"); do
		grep -q "^vdp-bench $3" "$1" 2> /dev/null && return 0
		kill -0 "$2" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# pktgen_probe LOG: pktgen starts (on a pseudo-terminal, over a null
# port), runs a Lua script that prints a line, and quits.
PKTGEN_VERSION=""
pktgen_probe() {
	local log=$1 lua=$RUN_DIR/probe.lua pid
	printf 'io.write("vdp-bench probe ok\\n")\nio.flush()\npktgen.quit()\n' > "$lua"
	$PARSE pty --log "$log" -- "$PKTGEN" --no-huge -m "$(pktgen_mb 1)" --no-pci --no-shconf \
		--lcores "$GEN_LCORES" --file-prefix "$PREFIX-probe" --log-level '*:notice' \
		--vdev net_null0 -- -P -m 1.0 -f "$lua" < /dev/null &
	pid=$!
	pktgen_wait_line "$log" "$pid" "probe ok" 600
	kill -0 "$pid" 2> /dev/null && { sleep 2; kill "$pid" 2> /dev/null; }
	wait "$pid" 2> /dev/null
	rm -rf /var/run/dpdk/"$PREFIX"-probe
	grep -q '^vdp-bench probe ok' "$log"
}
if [ -n "$PKTGEN" ]; then
	plog=$OUT_DIR/logs/probe-pktgen.log
	if ! pktgen_probe "$plog"; then
		refuse "PKTGEN=$PKTGEN did not start and run a Lua script (pktgen built" \
			"with -Denable_lua=true?); its last lines: $($PARSE last-lines "$plog")"
	fi
	PKTGEN_VERSION=$($PARSE gen-output --generator pktgen "$plog" |
		sed -n 's/.*"version": "\([^"]*\)".*/\1/p')
fi

if [[ " $SCENARIOS " == *" S4 "* ]]; then
	ip netns list | grep -qw "$NETNS" && die "network namespace $NETNS exists already"
	ip netns add "$NETNS" || die "cannot create network namespace $NETNS"
	NETNS_MADE=1
	ip -n "$NETNS" link set lo up
fi

# Other DPDK processes on the machine may hold the hugepages for a while:
# wait for enough of them (both processes of a run) rather than mix
# hugepage and --no-huge runs in one comparison.
wait_hugepages() {
	[ "$NO_HUGE" = 1 ] && return 0
	vdp_wait_hugepages "$1"
}

# Replace the calling (background) subshell with a command, in S4's network
# namespace (the tap's kernel end goes there), so that $! is the command's
# pid. Only as "spawn SCENARIO CMD... &".
spawn() {
	if [ "$1" = S4 ]; then
		shift
		exec ip netns exec "$NETNS" "$@"
	fi
	shift
	exec "$@"
}

# OVS: a private ovsdb-server and ovs-vswitchd in DIR, the PMD on the DUT
# core, the bridge and the rules for the scenario. Sets DUT_PID and
# OVS_DB_PID; returns 1 when OVS did not come up.
OVS_DB_PID=""
ovs_start() {
	local sc=$1 dir=$2 log=$3 id=$4 size=$5 mem vsctl _ ok=0 mtu=1500
	[ "$size" -gt 1518 ] && mtu=$((size - 18))
	mem=$(mem_opts "$size")
	# OVS adds --in-memory unless told --legacy-mem, which --no-huge implies
	[ "$NO_HUGE" = 1 ] && mem="$mem --legacy-mem"
	mkdir -p "$dir"
	export OVS_RUNDIR=$dir OVS_DBDIR=$dir OVS_LOGDIR=$dir OVS_SYSCONFDIR=$dir
	ovsdb-tool create "$dir/conf.db" "$OVS_SCHEMA" > "$log.ovsdb.log" 2>&1 || return 1
	taskset -c "$GEN_CORE" ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
		--unixctl="$dir/ovsdb-server.ctl" --pidfile="$dir/ovsdb-server.pid" \
		--no-chdir >> "$log.ovsdb.log" 2>&1 < /dev/null &
	OVS_DB_PID=$!
	PIDS="$PIDS $OVS_DB_PID"
	vdp_wait_socket "$dir/db.sock" "$OVS_DB_PID" || return 1
	vsctl="ovs-vsctl --db=unix:$dir/db.sock --timeout=60"
	$vsctl --no-wait init || return 1
	$vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		"other_config:dpdk-lcore-mask=0x$(printf %x $((1 << GEN_CORE)))" \
		"other_config:pmd-cpu-mask=0x$(printf %x $((1 << DUT_CORE)))" \
		other_config:pmd-perf-metrics=true other_config:vhost-sock-dir=. \
		"other_config:dpdk-extra=$mem --no-pci --file-prefix $id-dut --log-level *:notice" ||
		return 1
	# shellcheck disable=SC2086 # $vsctl is a command with options
	spawn "$sc" taskset -c "$GEN_CORE" "$OVS_VSWITCHD" "unix:$dir/db.sock" \
		--unixctl="$dir/ovs-vswitchd.ctl" --pidfile="$dir/ovs-vswitchd.pid" \
		--no-chdir > "$log.dut.log" 2>&1 < /dev/null &
	DUT_PID=$!
	PIDS="$PIDS $DUT_PID"
	for _ in $(seq 300); do
		[ "$($vsctl --no-wait get Open_vSwitch . dpdk_initialized 2> /dev/null)" = true ] &&
			ok=1 && break
		kill -0 "$DUT_PID" 2> /dev/null || break
		sleep 0.1
	done
	[ "$ok" = 1 ] || return 1
	$vsctl add-br br0 -- set bridge br0 datapath_type=netdev \
		-- add-port br0 vhost0 -- set Interface vhost0 type=dpdkvhostuser ofport_request=1 \
		mtu_request=$mtu ||
		return 1
	case "$sc" in
	S3) $vsctl add-port br0 vhost1 -- set Interface vhost1 type=dpdkvhostuser \
		ofport_request=2 mtu_request=$mtu || return 1 ;;
	S4) # net_tap wants as many rx queues as tx queues, and OVS gives each
		# port a tx queue per PMD plus one for its main thread
		$vsctl add-port br0 tap0 -- set Interface tap0 type=dpdk \
			"options:dpdk-devargs=net_tap0,iface=$TAP" options:n_rxq=2 \
			ofport_request=2 || return 1 ;;
	esac
	[ "$($vsctl get Interface vhost0 ofport)" = 1 ] || return 1
	case "$sc" in
	S3) [ "$($vsctl get Interface vhost1 ofport)" = 2 ] || return 1 ;;
	S4) [ "$($vsctl get Interface tap0 ofport)" = 2 ] || return 1 ;;
	esac
	ovs-ofctl del-flows br0 || return 1
	case "$sc" in
	S1) ovs-ofctl add-flow br0 in_port=1,actions=drop ;;
	S2) ovs-ofctl add-flow br0 in_port=1,actions=in_port ;;
	S3) ovs-ofctl add-flow br0 in_port=1,actions=output:2 &&
		ovs-ofctl add-flow br0 in_port=2,actions=output:1 ;;
	S4) ovs-ofctl add-flow br0 in_port=1,actions=output:2 &&
		ovs-ofctl add-flow br0 in_port=2,actions=drop ;;
	esac
}

# Stop OVS the way it wants: ovs-appctl exit to ovs-vswitchd (which
# does not stop on SIGINT while its DPDK threads run), then to ovsdb-server;
# stop_proc stays the fallback for either.
ovs_stop() {
	local dir=$1
	if [ -n "$DUT_PID" ] && kill -0 "$DUT_PID" 2> /dev/null; then
		ovs-appctl -t "$dir/ovs-vswitchd.ctl" --timeout=20 exit > /dev/null 2>&1 ||
			vdp_log "ovs-vswitchd did not take 'exit'"
	fi
	stop_proc "$DUT_PID"
	if [ -n "$OVS_DB_PID" ] && kill -0 "$OVS_DB_PID" 2> /dev/null; then
		ovs-appctl -t "$dir/ovsdb-server.ctl" --timeout=20 exit > /dev/null 2>&1 ||
			vdp_log "ovsdb-server did not take 'exit'"
	fi
	stop_proc "$OVS_DB_PID"
}

# The Lua script pktgen runs: size, start, print its counters at the start
# and the end of a window, keep sending until stopped.
pktgen_lua() {
	local sc=$1 size=$2 nports=$3 ports=0 lat=false
	[ "$sc" = S3 ] && ports=all
	# --latency: pktgen's own latency packets too, where they come back
	[ "$LATENCY" = 1 ] && { [ "$sc" = S2 ] || [ "$sc" = S3 ]; } && lat=true
	# Only the built-in pktgen table: nothing to find in pktgen's source
	# tree, whatever the working directory.
	cat << EOF
local function printf(...)
	io.write(string.format(...))
	io.flush()
end
local function dump(tag, ms)
	local st = pktgen.portStats("all", "port")
	for p = 0, $((nports - 1)) do
		local s = st[p]
		printf("vdp-bench %s port=%d ms=%d ipackets=%d opackets=%d ibytes=%d obytes=%d\\n",
			tag, p, ms, s.ipackets, s.opackets, s.ibytes, s.obytes)
	end
end
pktgen.screen("off")
pktgen.set("all", "size", $size)
pktgen.set("all", "rate", 100)
pktgen.set("all", "count", 0)
if $lat then
	pktgen.latency("$ports", "rate", $PKTGEN_LAT_US)
	pktgen.latency("$ports", "enable")
end
pktgen.start("$ports")
pktgen.delay($((WARMUP * 1000 + 1000)))
dump("start", 0)
pktgen.delay($((DURATION * 1000)))
dump("end", $((DURATION * 1000)))
if $lat then
	local ps = pktgen.pktStats("$ports")
	for p = 0, $((nports - 1)) do
		local l = ps[p].latency
		printf("vdp-bench latency port=%d pkts=%d min_us=%.3f avg_us=%.3f max_us=%.3f\\n",
			p, l.num_pkts, l.min_us, l.avg_us, l.max_us)
	end
end
printf("vdp-bench window done\\n")
pktgen.delay(3600000)
EOF
}

# run_latency DUT SCENARIO SIZE RING ROUND ID LOG MEM NPORTS VDEV...: with
# the DUT still up, vdp-latency offers 10, 50 and 90% of the rate the run
# just measured (S3: per direction, half of it: vdp-latency sends one way)
# and records the round-trip percentiles. Its vdevs are the run's
# generator's: the same ring layout.
run_latency() {
	local dut=$1 sc=$2 size=$3 layout=$4 round=$5 id=$6 log=$7 mem=$8 nports=$9
	local max pct pps lat_pid
	shift 9
	max=$($PARSE max-pps --meas "$log.json" --scenario "$sc" --ports "$nports") || return 0
	for pct in $LAT_LOADS; do
		pps=$((max * pct / 100))
		[ "$pps" -ge 1 ] || continue
		# shellcheck disable=SC2086 # $mem is a list of options
		"$LAT_BIN" $mem --single-file-segments --no-pci --lcores "0@$GEN_CORE" \
			--file-prefix "$id-lat" "${GEN_LOG[@]}" "$@" -- --rate "$pps" \
			--size "$size" --duration "$DURATION" --warmup "$WARMUP" --ports "$nports" \
			> "$log.lat$pct.log" 2>&1 < /dev/null &
		lat_pid=$!
		PIDS="$PIDS $lat_pid"
		wait "$lat_pid"
		PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$lat_pid" | tr '\n' ' ')
		$PARSE latency-row --log "$log.lat$pct.log" --round "$round" --scenario "$sc" \
			--size "$size" --ring "$layout" --dut "$dut" --load "$pct" --max-pps "$max" \
			--out "$LAT_CSV"
		rm -rf /var/run/dpdk/"$id"-lat
	done
}

# run_one DUT SCENARIO SIZE RING ROUND ORDER ATTEMPT (RING: split or packed)
run_one() {
	local dut=$1 sc=$2 size=$3 layout=$4 round=$5 order=$6 attempt=$7
	local id=$PREFIX-r$round-$sc-$size-$layout-$dut
	local log=$OUT_DIR/logs/r$round-$sc-$size-$layout-$dut-a$attempt
	local fwd gen_mode len mem gen_mem kind=$dut nports=1 dut_arg
	local gen_vdevs=() dut_extra=() gen_extra=() dut_args=() s0=$SOCK0 s1=$SOCK1
	local ovs_dir=$RUN_DIR/ovs gen_pid ok=1
	DUT_PID=""

	local bin vopts
	case "$dut" in
	vdp*) kind=vdp; bin=$(vdp_bin "$dut"); vopts=$(vhost_opts "$dut")
		read -r -a dut_args <<< "$(vdp_args "$dut")" ;;
	esac
	case "$sc" in
	S1) fwd=rxonly; gen_mode=txonly; len=$((size - 4)) ;;
	S2) fwd=macswap; gen_mode=flowgen; len=$size ;; # flowgen takes off the FCS itself
	S3) fwd=io; gen_mode=flowgen; len=$size; nports=2 ;;
	S4) fwd=io; gen_mode=txonly; len=$((size - 4)) ;;
	esac
	mem=$(mem_opts "$size")
	gen_mem=$(mem_opts "$size" "$(gen_mb "$size" "$nports")")
	# (--mbuf-size before --txpkts: testpmd checks --txpkts against it)
	if [ "$size" -gt 1518 ]; then
		gen_extra=("--mbuf-size=$JUMBO_MBUF" "--max-pkt-len=$((size + 100))")
		[ "$kind" = testpmd ] && dut_extra=("--max-pkt-len=$((size + 100))")
	fi
	if [ "$kind" = ovs ]; then
		s0=$ovs_dir/vhost0
		s1=$ovs_dir/vhost1
	fi
	for s in "$s0" "$s1"; do
		[ -e "$s" ] && die "socket path $s is taken (another benchmark or vdp?)"
	done

	wait_hugepages $(($(mem_mb "$size") + $(gen_mb "$size" "$nports")))
	# shellcheck disable=SC2086 # $mem is a list of options
	case "$kind" in
	vdp)
		dut_args+=(--vhost "$s0,$vopts")
		[ "$sc" = S3 ] && dut_args+=(--vhost "$s1,$vopts" --port-pair vhost0:vhost1)
		[ "$sc" = S4 ] && dut_args+=(--port-pair vhost0:net_tap0)
		dut_arg=""
		[ "$sc" = S4 ] && dut_arg="--vdev=net_tap0,iface=$TAP"
		spawn "$sc" "$bin" $mem --no-pci --lcores "$DUT_LCORES" --file-prefix "$id-dut" \
			--log-level '*:notice' ${dut_arg:+"$dut_arg"} -- "${dut_args[@]}" --fwd "$fwd" \
			--duration $((WARMUP + DURATION + 120 + LATENCY * 3 * (WARMUP + DURATION + 30))) \
			> "$log.dut.log" 2>&1 < /dev/null &
		DUT_PID=$!
		PIDS="$PIDS $DUT_PID"
		;;
	testpmd)
		dut_args=(--vdev "net_vhost0,iface=$s0,queues=1")
		[ "$sc" = S3 ] && dut_args+=(--vdev "net_vhost1,iface=$s1,queues=1")
		[ "$sc" = S4 ] && dut_args+=(--vdev "net_tap0,iface=$TAP")
		local topo=loop
		[ "$nports" = 2 ] || [ "$sc" = S4 ] && topo=paired
		spawn "$sc" "$TESTPMD" $mem --no-pci --lcores "$DUT_LCORES" --file-prefix "$id-dut" \
			--log-level '*:notice' "${dut_args[@]}" -- \
			--no-mlockall --forward-mode="$fwd" --port-topology=$topo --auto-start \
			--stats-period 3600 --total-num-mbufs=$MBUFS --record-core-cycles \
			--rxd=$RING --txd=$RING "${dut_extra[@]}" > "$log.dut.log" 2>&1 < /dev/null &
		DUT_PID=$!
		PIDS="$PIDS $DUT_PID"
		;;
	ovs)
		rm -rf "$ovs_dir"
		ovs_start "$sc" "$ovs_dir" "$log" "$id" "$size" || ok=0
		;;
	esac
	if [ "$ok" = 1 ] && ! vdp_wait_socket "$s0" "$DUT_PID"; then
		ok=0
	fi
	if [ "$ok" = 1 ] && [ "$nports" = 2 ] && ! vdp_wait_socket "$s1" "$DUT_PID"; then
		ok=0
	fi
	if [ "$ok" = 0 ]; then
		echo "{\"error\": \"$dut did not come up or create its vhost-user socket, see $log.dut.log\"}" \
			> "$log.json"
	else
		# packed: the generator asks for packed rings (every DUT offers them)
		local vq=""
		[ "$layout" = packed ] && vq=",packed_vq=1"
		gen_vdevs=(--vdev "net_virtio_user0,path=$s0,queue_size=$RING$vq")
		[ "$nports" = 2 ] && gen_vdevs+=(--vdev "net_virtio_user1,path=$s1,queue_size=$RING$vq")
		if [ -n "$PKTGEN" ]; then
			pktgen_lua "$sc" "$size" "$nports" > "$RUN_DIR/bench.lua"
			local map="1.0" jumbo=() v
			[ "$nports" = 2 ] && map="1.[0-1]"
			[ "$size" -gt 1518 ] && jumbo=(-j)
			# pktgen takes its rate from the link speed, which virtio-user
			# reports only when given
			for v in "${!gen_vdevs[@]}"; do
				[ "${gen_vdevs[$v]}" = --vdev ] || gen_vdevs[v]+=",speed=$PKTGEN_SPEED"
			done
			# on a terminal of its own (it exits without one)
			# shellcheck disable=SC2086
			$PARSE pty --log "$log.gen.log" -- \
				"$PKTGEN" $gen_mem --single-file-segments --no-pci --lcores "$GEN_LCORES" \
				--file-prefix "$id-gen" "${GEN_LOG[@]}" "${gen_vdevs[@]}" -- \
				-P -m "$map" "${jumbo[@]}" -f "$RUN_DIR/bench.lua" < /dev/null &
			gen_pid=$!
		else
			local gtopo=loop
			[ "$nports" = 2 ] && gtopo=paired
			# shellcheck disable=SC2086
			"$TESTPMD" $gen_mem --single-file-segments --no-pci --lcores "$GEN_LCORES" \
				--file-prefix "$id-gen" "${GEN_LOG[@]}" "${gen_vdevs[@]}" -- \
				--no-mlockall "${gen_extra[@]}" --forward-mode=$gen_mode --txpkts=$len \
				--port-topology=$gtopo --auto-start --stats-period 3600 \
				--txd=$RING --rxd=$RING --total-num-mbufs=$MBUFS \
				> "$log.gen.log" 2>&1 < /dev/null &
			gen_pid=$!
		fi
		PIDS="$PIDS $gen_pid"
		local dut_ref="$id-dut"
		[ "$kind" = ovs ] && dut_ref=$ovs_dir
		local dports=$nports
		[ "$sc" = S4 ] && dports=2
		$PARSE measure --scenario "$sc" --gen "$id-gen" --gen-ports "$nports" \
			--dut-kind "$kind" --dut "$dut_ref" --dut-ports "$dports" \
			--netns "$NETNS" --tap "$TAP" --warmup "$WARMUP" --duration "$DURATION" \
			--pids "$DUT_PID $gen_pid ${OVS_DB_PID:-}" --gen-pid "$gen_pid" \
			--gen-log "$log.gen.log" > "$log.json"
		# A measurement killed by SIGINT is Ctrl-C, even when bash let it
		# pass (it may, when the signal lands as a child starts).
		[ $? = 130 ] && interrupted
		# pktgen's script times its own window from its start: let it
		# print the window's end before it is stopped
		[ -n "$PKTGEN" ] && pktgen_wait_line "$log.gen.log" "$gen_pid" "window done" \
			$(((WARMUP + DURATION + 5) * 10))
		stop_proc "$gen_pid"
		# OVS's whole-run cycles, before any latency traffic
		[ "$kind" = ovs ] && ovs-appctl -t "$ovs_dir/ovs-vswitchd.ctl" \
			dpif-netdev/pmd-perf-show >> "$log.dut.log" 2>&1
		[ "$LATENCY" = 1 ] && { [ "$sc" = S2 ] || [ "$sc" = S3 ]; } &&
			run_latency "$dut" "$sc" "$size" "$layout" "$round" "$id" "$log" "$mem" \
				"$nports" "${gen_vdevs[@]}"
	fi
	if [ "$kind" = ovs ]; then
		ovs_stop "$ovs_dir"
		OVS_DB_PID=""
		unset OVS_RUNDIR OVS_DBDIR OVS_LOGDIR OVS_SYSCONFDIR
		rm -rf "$ovs_dir"
	else
		stop_proc "$DUT_PID"
	fi
	rm -rf "$s0" "$s1" /var/run/dpdk/"$id"-*
	$PARSE row --meas "$log.json" --dut-log "$log.dut.log" --gen-log "$log.gen.log" \
		--generator "$GENERATOR" --round "$round" --scenario "$sc" --size "$size" \
		--ring "$layout" --dut "$dut" --order "$order" --attempt "$attempt" --runs "$RUNS_CSV"
}

# run_group SCENARIO SIZE RING ROUND: every DUT, in this round's order (the
# list rotated by one per round); again if a run failed (not for getting
# another ring layout than asked: that does not change) or another process
# took CPU time from a run.
run_group() {
	local sc=$1 size=$2 layout=$3 round=$4 attempt n i dut max=$MAX_OTHER
	local ndut=${#DUT_LIST[@]}
	local order=()
	[ "$max" = 0 ] && max=100000
	for i in $(seq 0 $((ndut - 1))); do
		order+=("${DUT_LIST[$(((i + round - 1) % ndut))]}")
	done
	for attempt in $(seq "$ATTEMPTS"); do
		[ "$MAX_OTHER" = 0 ] || $PARSE quiet --max-other "$MAX_OTHER" --timeout 300 ||
			vdp_log "the CPUs stayed busy for 5 minutes; measuring anyway"
		n=0
		for dut in "${order[@]}"; do
			n=$((n + 1))
			run_one "$dut" "$sc" "$size" "$layout" "$round" "$n" "$attempt"
			sleep 1
		done
		$PARSE clean --runs "$RUNS_CSV" --round "$round" --scenario "$sc" \
			--size "$size" --ring "$layout" --attempt "$attempt" --nduts "$ndut" \
			--max-other "$max" && return
		[ "$attempt" -lt "$ATTEMPTS" ] &&
			vdp_log "other processes used the CPUs (or a run failed): running the group again"
	done
}

DPDK_VERSION=$(pkg-config --modversion libdpdk 2> /dev/null || echo unknown)
{
	echo "$HOST_INFO"
	echo "command: $CMDLINE"
	echo "date: $(date -Is)"
	echo "nproc: $(nproc)"
	echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "dpdk: $DPDK_VERSION"
	echo "vdp source: $(git -C "$VDP_ROOT" describe --always --dirty 2> /dev/null || echo unknown)"
	echo "memory: $(mem_opts 64) ($(mem_opts 9000) for 9000 B)"
	echo "dut lcores: $DUT_LCORES; generator lcores: $GEN_LCORES"
	echo "generator: $GENERATOR ${PKTGEN:-$TESTPMD}${PKTGEN:+ (pktgen ${PKTGEN_VERSION:-version unknown}, virtio-user speed=$PKTGEN_SPEED)}"
	echo "duts: ${DUT_LIST[*]} (order rotated by one per round)"
	if [[ " ${DUT_LIST[*]} " == *" vdp-adaptive "* ]]; then
		echo "vdp-vhost-opts: ${VDP_VHOST_OPTS:-none} (DUTs vdp, vdp-b and vdp-adaptive)"
	else
		echo "vdp-vhost-opts: ${VDP_VHOST_OPTS:-none} (DUTs vdp and vdp-b)"
	fi
	for d in "${DUT_LIST[@]}"; do
		case "$d" in vdp*) echo "$d: --vhost PATH,$(vhost_opts "$d")$(
			[ -z "$(vdp_args "$d")" ] || echo " $(vdp_args "$d")")" ;; esac
	done
	[ -n "$VDP_B" ] && echo "vdp-b: $VDP_B (the git tree there: $(git -C "$(dirname "$VDP_B")" describe --always --dirty 2> /dev/null || echo none))"
	ovs_installed && echo "ovs: $($OVS_VSWITCHD --version 2> /dev/null | head -1)"
	echo "rounds $ROUNDS, warm-up $WARMUP s, window $DURATION s, sizes $SIZES, scenarios $SCENARIOS"
	echo "rings: $RINGS (packed: packed_vq=1 on the generator's virtio-user vdevs)"
	echo "groups run again (up to $ATTEMPTS tries) when others took > $MAX_OTHER% of a CPU"
} > "$OUT_DIR/info.txt"
vdp_log "$HOST_LINE"
vdp_log "DPDK $DPDK_VERSION; memory: $(mem_opts 64); DUT --lcores $DUT_LCORES," \
	"generator ($GENERATOR) --lcores $GEN_LCORES"
vdp_log "$ROUNDS round(s) of: $SCENARIOS x $SIZES B x $RINGS rings with ${DUT_LIST[*]};" \
	"warm-up $WARMUP s, window $DURATION s; results in $OUT_DIR"

# DPDK 22.11's net_tap takes frames up to 1522 bytes (its MTU cannot be
# raised): S4 has no 9000-byte case.
supported() {
	[ "$1" = S4 ] && [ "$2" -gt 1518 ] && return 1
	return 0
}
for sc in $SCENARIOS; do
	for size in $SIZES; do
		supported "$sc" "$size" ||
			vdp_log "skipping $sc at $size B: DPDK's net_tap takes frames up to 1522 bytes"
	done
done

for round in $(seq "$ROUNDS"); do
	for sc in $SCENARIOS; do
		for size in $SIZES; do
			supported "$sc" "$size" || continue
			for layout in $RINGS; do
				run_group "$sc" "$size" "$layout" "$round"
			done
		done
	done
done

echo
$PARSE summary --runs "$RUNS_CSV" --out "$SUMMARY_CSV" --markdown "$OUT_DIR/summary.md" \
	--host "$OUT_DIR/host.json"
status=$?
if [ -f "$LAT_CSV" ]; then
	echo
	$PARSE latency-summary --csv "$LAT_CSV" --markdown "$OUT_DIR/latency.md" \
		--host "$OUT_DIR/host.json" || status=1
fi
$PARSE plot --summary "$SUMMARY_CSV" --out "$OUT_DIR/mpps.png" ||
	vdp_log "no plot (see above)"
echo
echo "per-run data: $RUNS_CSV"
echo "summary:      $SUMMARY_CSV"
[ -f "$LAT_CSV" ] && echo "latency:      $LAT_CSV"
[ -f "$OUT_DIR/mpps.png" ] && echo "plot:         $OUT_DIR/mpps.png"
exit $status
