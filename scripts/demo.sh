#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Install, build, reserve hugepages, and run vdp on its built-in default
# topology (config/default.ini: two vhost-user server sockets, io
# cross-connect) with a dpdk-testpmd virtio-user generator attached to both
# sockets. Shows live throughput for a bounded time, prints vdp's summary
# and removes every process and socket it started.
#
# Usage: scripts/demo.sh [SECONDS]   (default 20)
set -u
. "$(dirname "$0")/lib.sh"

SECONDS_TO_RUN=${1:-20}
case "$SECONDS_TO_RUN" in
''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

vdp_install_deps || exit 1
vdp_build || exit 1
# --in-memory: no hugepage files are left behind (with hugepages, the
# generator still shares its memory with vdp through memfd).
MEM=$(vdp_hugepages 2)
case "$MEM" in
*--no-huge*) ;;
*) MEM="$MEM --in-memory" ;;
esac

RUN_DIR=$(mktemp -d /tmp/vdp-demo.XXXXXX)
# EAL file prefixes of this run only, so that demos can run side by side.
PREFIX=vdp-demo-$$
VDP_LOG=$RUN_DIR/vdp.log
GEN_LOG=$RUN_DIR/generator.log
VDP_PID=
GEN_PID=

cleanup() {
	trap - EXIT INT TERM
	[ -n "$GEN_PID" ] && kill "$GEN_PID" 2>/dev/null && wait "$GEN_PID" 2>/dev/null
	if [ -n "$VDP_PID" ] && kill -0 "$VDP_PID" 2>/dev/null; then
		kill -INT "$VDP_PID"
		wait "$VDP_PID"
		echo
		sed -n '/vdp summary/,$p' "$VDP_LOG"
	fi
	rm -rf "$RUN_DIR" "/var/run/dpdk/$PREFIX" "/var/run/dpdk/$PREFIX-gen"
	rm -f /dev/hugepages/"$PREFIX"*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# vdp: control on CPU 0, its worker polls on CPU 1. The generator's
# forwarding lcore runs on CPU 0.
# shellcheck disable=SC2086
"$VDP_BIN" $MEM --no-pci --lcores '0@0,1@1' --file-prefix "$PREFIX" \
	--log-level 'lib.vhost.*:warning' -- --run-dir "$RUN_DIR" \
	--stats-period 2 > "$VDP_LOG" 2>&1 &
VDP_PID=$!
for _ in $(seq 100); do
	grep -q "forwarding started" "$VDP_LOG" && break
	kill -0 "$VDP_PID" 2>/dev/null || { cat "$VDP_LOG"; exit 1; }
	sleep 0.2
done
grep -E "^vdp: (port|  )|^  socket|forwarding mode|lcore .* polls" "$VDP_LOG"

vdp_log "generator: dpdk-testpmd flowgen on $RUN_DIR/vhost0.sock and vhost1.sock"
# shellcheck disable=SC2086
dpdk-testpmd $MEM --single-file-segments --no-pci --lcores '0@0,1@0' \
	--file-prefix "$PREFIX-gen" --log-level '*:warning' \
	--vdev "net_virtio_user0,path=$RUN_DIR/vhost0.sock,queue_size=1024" \
	--vdev "net_virtio_user1,path=$RUN_DIR/vhost1.sock,queue_size=1024" \
	-- --no-mlockall --forward-mode=flowgen --auto-start --stats-period 5 \
	--txd=1024 --rxd=1024 > "$GEN_LOG" 2>&1 < /dev/null &
GEN_PID=$!

vdp_log "running for $SECONDS_TO_RUN s; vdp's counters every 2 s"
tail -n 0 -f "$VDP_LOG" --pid "$VDP_PID" 2>/dev/null |
	grep --line-buffered -E "######## port|Rx-pps|Tx-pps|busy|dropped|drop " &
TAIL_PID=$!
sleep "$SECONDS_TO_RUN"
kill "$TAIL_PID" 2>/dev/null
if ! kill -0 "$GEN_PID" 2>/dev/null; then
	vdp_log "the generator stopped early:"
	tail -20 "$GEN_LOG"
	exit 1
fi
vdp_log "asking the running vdp through its control socket: vdpctl show lcores, show vhost vhost0"
"$VDPCTL_BIN" -s "$RUN_DIR/vdp.ctl" show lcores
"$VDPCTL_BIN" -s "$RUN_DIR/vdp.ctl" show vhost vhost0
vdp_log "adaptive polling: vdpctl set poll-mode adaptive, then the generator stops;"
vdp_log "with nothing to forward the worker sleeps until a guest kicks (or --poll-mode adaptive at start)"
"$VDPCTL_BIN" -s "$RUN_DIR/vdp.ctl" set poll-mode adaptive
kill "$GEN_PID" 2>/dev/null
wait "$GEN_PID" 2>/dev/null || true
GEN_PID=
sleep 1
"$VDPCTL_BIN" -s "$RUN_DIR/vdp.ctl" show lcores
