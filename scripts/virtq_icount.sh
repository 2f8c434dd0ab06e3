#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Instructions per packet of the virtq engine's dequeue and enqueue, counted
# by callgrind on tests/unit/perf_virtq (an in-process driver, the S2
# loopback path). The count repeats to a fraction of a percent between
# runs, unlike throughput, so it is how two versions of the hot path are
# compared (docs/benchmarks.md).
#
# Usage: scripts/virtq_icount.sh [BURSTS [FRAME_LEN [ZCOPY_MIN [split|packed]]]]
# (defaults 20000, 64, 0, split). ZCOPY_MIN: the tx queue dequeues packets
# of at least that many bytes zero-copy (0: it copies). packed: packed rings.
set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

BURSTS=${1:-20000}
LEN=${2:-64}
ZC_MIN=${3:-0}
LAYOUT=${4:-split}
command -v valgrind > /dev/null || apt-get install -y -q valgrind > /dev/null
# shellcheck disable=SC2119 # no extra meson options
vdp_build > /dev/null
OUT=$(mktemp /tmp/vdp-icount.XXXXXX)
trap 'rm -f "$OUT"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$OUT" \
	"$VDP_BUILD/tests/unit/perf_virtq" "$BURSTS" "$LEN" "$ZC_MIN" "$LAYOUT" 2> /dev/null | grep '^perf_virtq'
PKTS=$((BURSTS * 32))
callgrind_annotate --inclusive=yes "$OUT" 2> /dev/null |
	awk -v pkts="$PKTS" '
	/:virtq_dequeue_burst / { gsub(",", "", $1); deq = $1 }
	/:virtq_enqueue_burst / { gsub(",", "", $1); enq = $1 }
	END {
		if (deq == "" || enq == "") { print "virtq_icount: no counts found"; exit 1 }
		printf "instructions/packet: dequeue %.1f, enqueue %.1f, both %.1f\n",
			deq / pkts, enq / pkts, (deq + enq) / pkts
	}'
