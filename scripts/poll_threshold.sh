#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# What the adaptive idle threshold (meson option sleep_idle_us) trades:
# the worker's CPU against the packets' latency at low, steady rates.
# For each build given (each configured with its own -Dsleep_idle_us) and
# each rate, vdp runs S2 (one vhost-user port, macswap) with
# --poll-mode adaptive, tools/latency's vdp-latency offers RATE packets a
# second for 8 s, and the script prints vdp's CPU (utime + stime from
# /proc/PID/stat over 5 s inside the traffic, % of one core), its sleeps,
# and the round trips' p50 and p99. The first build also runs busy, as
# the reference. Not a test: a measurement (docs/benchmarks.md).
#
# Usage: scripts/poll_threshold.sh BUILD [BUILD...] [-- RATE...]
#   (default rates 1000 5000 20000; vdp's worker on CPU 1, the rest on 0)
set -u
BUILDS=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do BUILDS+=("$1"); shift; done
[ $# -gt 0 ] && shift
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(1000 5000 20000)
if [ ${#BUILDS[@]} -eq 0 ]; then
	echo "usage: $0 BUILD [BUILD...] [-- RATE...]" >&2
	exit 2
fi
for b in "${BUILDS[@]}"; do
	[ -x "$b/app/vdp/vdp" ] || { echo "$0: $b/app/vdp/vdp: not built" >&2; exit 2; }
done
LAT=${BUILDS[0]}/tools/latency/vdp-latency
CTL=${BUILDS[0]}/app/vdpctl/vdpctl
HZ=$(getconf CLK_TCK)
DIR=$(mktemp -d /tmp/vdp-thr.XXXXXX)
VDP_PID=
LAT_PID=
cleanup() {
	[ -n "$LAT_PID" ] && kill "$LAT_PID" 2>/dev/null
	[ -n "$VDP_PID" ] && kill -INT "$VDP_PID" 2>/dev/null && wait "$VDP_PID" 2>/dev/null
	rm -rf "$DIR" /var/run/dpdk/vdp-thr-$$ /var/run/dpdk/vdp-thr-$$-lat
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run BUILD MODE RATE: one line of results.
run() {
	local b=$1 mode=$2 rate=$3 c0 c1 t0 t1 sleeps line
	"$b/app/vdp/vdp" --no-huge -m 512 --no-pci --lcores '0@0,1@1' --file-prefix "vdp-thr-$$" \
		--log-level '*:warning' -- --vhost "$DIR/v.sock" --fwd macswap --poll-mode "$mode" \
		--ctl-socket "$DIR/ctl" > "$DIR/vdp.log" 2>&1 &
	VDP_PID=$!
	for _ in $(seq 100); do [ -S "$DIR/v.sock" ] && break; sleep 0.1; done
	"$LAT" --no-huge -m 512 --single-file-segments --no-pci --lcores 0@0 \
		--file-prefix "vdp-thr-$$-lat" --log-level '*:warning' \
		--vdev "net_virtio_user0,path=$DIR/v.sock,queue_size=1024" -- \
		--rate "$rate" --duration 8 --warmup 1 --size 64 > "$DIR/lat.log" 2>&1 &
	LAT_PID=$!
	# The tool starts in about 1.5 s and then sends for 9: measure inside.
	sleep 3.5
	c0=$(cpu_ticks "$VDP_PID"); t0=$(date +%s.%N)
	sleep 5
	c1=$(cpu_ticks "$VDP_PID"); t1=$(date +%s.%N)
	wait "$LAT_PID"
	LAT_PID=
	sleeps=$("$CTL" -s "$DIR/ctl" --json show lcores |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["lcores"][0]["sleeps"])')
	kill -INT "$VDP_PID"
	wait "$VDP_PID"
	VDP_PID=
	line=$(grep '^latency:' "$DIR/lat.log")
	python3 - "$b" "$mode" "$rate" "$c0" "$c1" "$t0" "$t1" "$HZ" "$sleeps" "$line" <<'PY'
import re, sys
b, mode, rate, c0, c1, t0, t1, hz, sleeps, line = sys.argv[1:]
cpu = 100 * (int(c1) - int(c0)) / int(hz) / (float(t1) - float(t0))
ns = dict(re.findall(r"(p50_ns|p99_ns)=(\d+)", line))
print("%-28s %-8s %6s pps  cpu %5.1f%%  sleeps %7s  p50 %7.1f us  p99 %7.1f us" %
      (b, mode, rate, cpu, sleeps, int(ns.get("p50_ns", 0)) / 1000, int(ns.get("p99_ns", 0)) / 1000))
PY
}

for rate in "${RATES[@]}"; do
	run "${BUILDS[0]}" busy "$rate"
	for b in "${BUILDS[@]}"; do run "$b" adaptive "$rate"; done
done
