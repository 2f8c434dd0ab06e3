#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Build the libFuzzer target over lib/virtq (tests/fuzz/fuzz_virtq.c) with
# clang, ASan and UBSan into build-fuzz/, and run it for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [--update-corpus] [-- LIBFUZZER-ARGS...]
#
# SECONDS (default 120; FUZZ_SECONDS in the environment also works) is the
# run's -max_total_time; 0 only replays the corpus (-runs=0), as a quick
# regression check. The fuzzer runs over a scratch copy of
# tests/fuzz/corpus/, so what it finds does not touch the committed corpus
# unless --update-corpus is given: then the corpus is rebuilt as the named
# seeds plus the fewest other inputs (from the old corpus and this run)
# that keep all the coverage (libFuzzer -merge=1).
#
# A crash (ASan, UBSan, a broken invariant, a leak, a timeout) is saved
# under tests/fuzz/crashes/ (not committed) and makes the script exit 1.
# Re-run one with: build-fuzz/fuzz_virtq tests/fuzz/crashes/crash-...
# Ends with one line: "fuzz: N runs, N crashes".
#
# Needs clang-14 and libclang-rt-14-dev (libclang_rt.fuzzer-x86_64.a and
# the sanitizer runtimes) from Debian 12; installs them when missing.
set -u
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

FUZZ_PACKAGES="clang-14 libclang-rt-14-dev"
FUZZ_DIR=$VDP_ROOT/tests/fuzz
FUZZ_BUILD=${FUZZ_BUILD:-$VDP_ROOT/build-fuzz}
FUZZ_BIN=$FUZZ_BUILD/fuzz_virtq
FUZZ_CRASHES=$FUZZ_DIR/crashes
FUZZ_MAX_LEN=8192

seconds=${FUZZ_SECONDS:-120}
update=0
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--update-corpus) update=1 ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '5,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]*|"") echo "usage: $0 [SECONDS] [--update-corpus] [-- LIBFUZZER-ARGS]" >&2; exit 2 ;;
	*) seconds=$1 ;;
	esac
	shift
done

fail() {
	echo "error: $*" >&2
	echo "fuzz: 0 runs, 1 crashes (not run)"
	exit 1
}

VDP_PACKAGES="$VDP_PACKAGES $FUZZ_PACKAGES" vdp_install_deps || fail "missing packages"

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
	for c in clang-14 clang; do
		command -v "$c" >/dev/null && { CC=$c; break; }
	done
fi
[ -n "$CC" ] || fail "no clang"
# libclang-rt-14-dev ships the libFuzzer and sanitizer runtimes.
rtdir=$("$CC" -print-runtime-dir 2>/dev/null)
[ -f "$rtdir/libclang_rt.fuzzer-x86_64.a" ] ||
	fail "$CC has no libFuzzer runtime in $rtdir (libclang-rt-14-dev)"

# Build. lib/virtq gets rte_malloc/rte_free renamed to the target's
# malloc()-backed versions: the DPDK heap is not instrumented, and the
# shadow used array should have ASan redzones like everything else.
vdp_log "fuzz: building $FUZZ_BIN with $CC"
mkdir -p "$FUZZ_BUILD/obj" || fail "mkdir $FUZZ_BUILD"
read -r -a dpdk_cflags < <(pkg-config --cflags libdpdk) || fail "pkg-config libdpdk"
read -r -a dpdk_libs < <(pkg-config --libs libdpdk) || fail "pkg-config libdpdk"
# shellcheck disable=SC2054 # commas belong to the flag
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
	-D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API -DRTE_LOG_DEFAULT_LOGTYPE=vdp
	"${dpdk_cflags[@]}" -I"$VDP_ROOT/lib/virtq" -I"$VDP_ROOT/lib/stats")
objs=()
for src in "$VDP_ROOT"/lib/virtq/*.c; do
	obj=$FUZZ_BUILD/obj/$(basename "${src%.c}").o
	"$CC" "${cflags[@]}" "${san[@]}" -Drte_malloc=vdp_fuzz_rte_malloc \
		-Drte_free=vdp_fuzz_rte_free -c "$src" -o "$obj" || fail "compile $src"
	objs+=("$obj")
done
"$CC" "${cflags[@]}" "${san[@]}" -c "$FUZZ_DIR/fuzz_virtq.c" \
	-o "$FUZZ_BUILD/obj/fuzz_virtq.o" || fail "compile fuzz_virtq.c"
"$CC" "${san[@]}" -o "$FUZZ_BIN" "$FUZZ_BUILD/obj/fuzz_virtq.o" "${objs[@]}" \
	"${dpdk_libs[@]}" || fail "link"

# Run-time options, and why:
# - EAL itself needs nothing special under ASan here: the executable
#   carries the ASan runtime (clang links it statically), so there is no
#   LD_PRELOAD ordering to get right with DPDK's shared libraries, and with
#   --no-huge EAL's memory is plain anonymous mmap()s that ASan leaves
#   alone (no hugepage or /proc/self/pagemap probing). LeakSanitizer stays
#   on: what EAL allocates stays reachable and is not reported.
# - handle_abort=1: an invariant check is an abort(); report it with its
#   stack like any sanitizer error. UBSan halts on the first error
#   (-fno-sanitize-recover=undefined too) and prints its stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_abort=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$FUZZ_CRASHES"
scratch=$(mktemp -d /tmp/vdp-fuzz-corpus.XXXXXX)
merged=
log=$FUZZ_BUILD/fuzz.log
trap 'rm -rf "$scratch" ${merged:+"$merged" "$merged".crash-*}' EXIT
cp "$FUZZ_DIR"/corpus/* "$scratch"/ 2>/dev/null
before=$(ls "$FUZZ_CRASHES" | wc -l)

if [ "$seconds" -gt 0 ]; then
	limit=(-max_total_time="$seconds")
else
	limit=(-runs=0) # -max_total_time=0 would mean forever
fi
vdp_log "fuzz: ${seconds}s over a copy of tests/fuzz/corpus" \
	"($(ls "$scratch" | wc -l) inputs); log in $log"
"$FUZZ_BIN" "${limit[@]}" -max_len=$FUZZ_MAX_LEN -timeout=30 \
	-print_final_stats=1 -artifact_prefix="$FUZZ_CRASHES/" \
	${extra[@]+"${extra[@]}"} "$scratch" >"$log" 2>&1
rc=$?

runs=$(awk '/^stat::number_of_executed_units:/ {n = $NF} END {print n + 0}' "$log")
crashes=$(($(ls "$FUZZ_CRASHES" | wc -l) - before))
if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
	crashes=1 # it died without saving an input (for example in EAL set-up)
fi
if [ "$crashes" -ne 0 ]; then
	# The report: from the first error line to where the input was saved.
	awk '/invariant violated|runtime error|^==[0-9]+== ?ERROR|deadly signal/ {on = 1}
	     on && n++ < 60 {print}
	     /Test unit written/ && on {exit}' "$log" >&2
	ls -t "$FUZZ_CRASHES" | head -n "$crashes" | sed "s|^|saved: tests/fuzz/crashes/|" >&2
fi

if [ "$update" = 1 ] && [ "$crashes" -eq 0 ]; then
	# Named seeds stay; the rest is the fewest inputs (from the old corpus
	# and this run) that keep every edge covered. -use_counters=0: merge on
	# edges, not on hit counts, which would keep ten times more files.
	merged=$(mktemp -d /tmp/vdp-fuzz-merged.XXXXXX)
	hashed=(-type f -regextype posix-extended -regex '.*/[0-9a-f]{40}')
	find "$FUZZ_DIR/corpus" ! \( "${hashed[@]}" \) -type f -exec cp {} "$merged"/ \;
	if "$FUZZ_BIN" -merge=1 -use_counters=0 -max_len=$FUZZ_MAX_LEN \
		-artifact_prefix="$merged.crash-" "$merged" \
		"$FUZZ_DIR/corpus" "$scratch" >"$FUZZ_BUILD/merge.log" 2>&1; then
		find "$FUZZ_DIR/corpus" "${hashed[@]}" -delete
		cp -n "$merged"/* "$FUZZ_DIR/corpus"/
		vdp_log "fuzz: corpus now $(ls "$FUZZ_DIR/corpus" | wc -l) inputs," \
			"$(cat "$FUZZ_DIR"/corpus/* | wc -c) bytes"
	else
		vdp_log "fuzz: merge failed, corpus unchanged (see $FUZZ_BUILD/merge.log)"
	fi
fi

echo "fuzz: $runs runs, $crashes crashes"
[ "$crashes" -eq 0 ]
