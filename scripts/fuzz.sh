#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Build the libFuzzer target over lib/virtq (tests/fuzz/fuzz_virtq.c) with
# clang, ASan and UBSan into build-fuzz/, and run it for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [--runs N] [--update-corpus] [-- LIBFUZZER-ARGS...]
#   scripts/fuzz.sh --long [HOURS] [-j|--workers N] [--runs N] [--update-corpus]
#   scripts/fuzz.sh --build-only
#
# SECONDS (default 120; FUZZ_SECONDS in the environment also works) is the
# run's -max_total_time; 0 only replays the corpus (-runs=0), as a quick
# regression check; --runs N stops after N inputs too. The fuzzer runs
# over a scratch copy of tests/fuzz/corpus/, so what it finds does not
# touch the committed corpus unless --update-corpus is given: then the
# corpus is rebuilt as the named seeds plus the fewest other inputs (from
# the old corpus and this run) that keep all the coverage (libFuzzer
# -merge=1). A crash (ASan, UBSan, a broken invariant, a leak, a timeout)
# stops the run, is saved under tests/fuzz/crashes/ (not committed) and
# makes the script exit 1.
#
# --long is for runs of hours (not CI): HOURS (default 8, fractions too)
# or --runs N inputs, whichever comes first, with N workers (-j, default
# 1; libFuzzer's fork mode). It goes on past crashes, saving each under
# tests/fuzz/crashes/; its corpus, build-fuzz/long-corpus/ (seeded from
# tests/fuzz/corpus/), carries over to the next long run, and
# --update-corpus merges it into tests/fuzz/corpus/. Log in
# build-fuzz/fuzz-long.log.
#
# Re-run a crash with: build-fuzz/fuzz_virtq tests/fuzz/crashes/crash-...
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
build_only=0
long=0
hours=8
workers=
runs=
extra=()
usage() {
	echo "usage: $0 [SECONDS] [--runs N] [--update-corpus] [-- LIBFUZZER-ARGS]" >&2
	echo "       $0 --long [HOURS] [-j|--workers N] [--runs N] [--update-corpus]" >&2
	echo "       $0 --build-only" >&2
	exit 2
}
number() { # VALUE: a whole number
	case "$1" in *[!0-9]*|"") usage ;; esac
}
while [ $# -gt 0 ]; do
	case "$1" in
	--update-corpus) update=1 ;;
	--build-only) build_only=1 ;;
	--long)
		long=1
		case "${2:-}" in
		[0-9]*|.[0-9]*) hours=$2; shift ;;
		esac
		awk -v h="$hours" 'BEGIN {exit !(h ~ /^([0-9]+\.?[0-9]*|\.[0-9]+)$/ && h > 0)}' ||
			usage ;;
	-j|--workers) workers=${2:-}; number "$workers"; [ "$workers" -gt 0 ] || usage; shift ;;
	-j[0-9]*) workers=${1#-j}; number "$workers"; [ "$workers" -gt 0 ] || usage ;;
	--runs) runs=${2:-}; number "$runs"; shift ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '5,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*[!0-9]*|"") usage ;;
	*) seconds=$1 ;;
	esac
	shift
done
if [ -n "$workers" ] && [ "$long" = 0 ]; then
	echo "error: -j/--workers is for --long runs" >&2
	usage
fi

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

# Build. lib/virtq gets rte_malloc/rte_zmalloc/rte_free renamed to the target's
# malloc()-backed versions: the DPDK heap is not instrumented, and the
# shadow used array should have ASan redzones like everything else; and
# its TSC reads go to the target's clock (tests/fuzz/fuzz_clock.h), which
# skips ahead instead of sleeping past the zero-copy stall bound; and
# rte_memcpy() is memcpy() (tests/fuzz/fuzz_memcpy.h): inlined into every
# burst instance and instrumented, DPDK's took minutes to compile, and ASan
# checks memcpy()'s ranges. An object is rebuilt only when its source, a
# header it may include or the flags changed, and two compile at a time.
vdp_log "fuzz: building $FUZZ_BIN with $CC"
mkdir -p "$FUZZ_BUILD/obj" || fail "mkdir $FUZZ_BUILD"
read -r -a dpdk_cflags < <(pkg-config --cflags libdpdk) || fail "pkg-config libdpdk"
read -r -a dpdk_libs < <(pkg-config --libs libdpdk) || fail "pkg-config libdpdk"
# shellcheck disable=SC2054 # commas belong to the flag
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror
	-D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API -DRTE_LOG_DEFAULT_LOGTYPE=vdp
	"${dpdk_cflags[@]}" -I"$VDP_ROOT/lib/virtq" -I"$VDP_ROOT/lib/stats")
libflags=("${cflags[@]}" "${san[@]}" -include "$FUZZ_DIR/fuzz_clock.h"
	-D_RTE_MEMCPY_X86_64_H_ -include "$FUZZ_DIR/fuzz_memcpy.h"
	-Drte_malloc=vdp_fuzz_rte_malloc -Drte_zmalloc=vdp_fuzz_rte_zmalloc
	-Drte_free=vdp_fuzz_rte_free)
stamp=$FUZZ_BUILD/obj/flags
flags_now="$("$CC" --version | head -n 1) ${libflags[*]}"
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$flags_now" ] || rm -f "$FUZZ_BUILD"/obj/*.o
deps=("$VDP_ROOT"/lib/virtq/*.h "$VDP_ROOT"/lib/stats/*.h "$FUZZ_DIR/fuzz_clock.h"
	"$FUZZ_DIR/fuzz_memcpy.h")
stale() { # OBJ SRC: OBJ is missing or older than SRC or a header
	local f
	[ -f "$1" ] || return 0
	for f in "$2" "${deps[@]}"; do
		[ "$f" -nt "$1" ] && return 0
	done
	return 1
}
objs=()
pids=()
for src in "$VDP_ROOT"/lib/virtq/*.c; do
	obj=$FUZZ_BUILD/obj/$(basename "${src%.c}").o
	objs+=("$obj")
	stale "$obj" "$src" || continue
	[ ${#pids[@]} -lt 2 ] || { wait "${pids[0]}" || fail "compile"; pids=("${pids[@]:1}"); }
	# The object is as old as the compile's start: a source edited while
	# it compiles is newer, and compiles again next time.
	( : >"$obj.start" && "$CC" "${libflags[@]}" -c "$src" -o "$obj.tmp" &&
		touch -r "$obj.start" "$obj.tmp" && mv "$obj.tmp" "$obj" && rm -f "$obj.start" ) ||
		{ echo "error: compile $src" >&2; exit 1; } &
	pids+=($!)
done
for pid in ${pids[@]+"${pids[@]}"}; do
	wait "$pid" || fail "compile"
done
echo "$flags_now" >"$stamp"
# The target itself has ASan and UBSan but no coverage instrumentation:
# its model and checks would be most of the features libFuzzer tracks
# (and of the time a run takes, two thirds), and say nothing the engine's
# own coverage does not. libFuzzer follows lib/virtq.
"$CC" "${cflags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-c "$FUZZ_DIR/fuzz_virtq.c" -o "$FUZZ_BUILD/obj/fuzz_virtq.o" ||
	fail "compile fuzz_virtq.c"
"$CC" "${san[@]}" -o "$FUZZ_BIN" "$FUZZ_BUILD/obj/fuzz_virtq.o" "${objs[@]}" \
	"${dpdk_libs[@]}" || fail "link"
[ "$build_only" = 0 ] || { vdp_log "fuzz: built $FUZZ_BIN"; exit 0; }

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
merged=
before=$(ls "$FUZZ_CRASHES" | wc -l)
if [ "$long" = 1 ]; then
	# The corpus carries over between long runs; the named seeds (and
	# whatever the committed corpus gained) join it each time.
	scratch=$FUZZ_BUILD/long-corpus
	mkdir -p "$scratch" || fail "mkdir $scratch"
	cp -n "$FUZZ_DIR"/corpus/* "$scratch"/ 2>/dev/null
	log=$FUZZ_BUILD/fuzz-long.log
	trap 'rm -rf ${merged:+"$merged" "$merged".crash-*}' EXIT
	secs=$(awk -v h="$hours" 'BEGIN {printf "%d", h * 3600 + 0.5}')
	[ "$secs" -gt 0 ] || secs=1
	limit=(-max_total_time="$secs")
	[ -z "$runs" ] || limit+=(-runs="$runs")
	vdp_log "fuzz: long run, ${hours}h${runs:+ or $runs runs}, ${workers:-1} worker(s)," \
		"over $scratch ($(ls "$scratch" | wc -l) inputs); log in $log"
	# Fork mode: each worker runs jobs of its own; a crash, timeout or
	# out-of-memory is saved and the run goes on.
	"$FUZZ_BIN" "${limit[@]}" -fork="${workers:-1}" -ignore_crashes=1 -ignore_timeouts=1 \
		-ignore_ooms=1 -max_len=$FUZZ_MAX_LEN -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$FUZZ_CRASHES/" ${extra[@]+"${extra[@]}"} "$scratch" >"$log" 2>&1
	rc=$?
	# Fork mode's status lines: "#RUNS: cov: ... crash: ...", one a job.
	runs=$(awk '/^#[0-9]+: cov:/ {n = substr($1, 2) + 0} END {print n + 0}' "$log")
else
	scratch=$(mktemp -d /tmp/vdp-fuzz-corpus.XXXXXX)
	log=$FUZZ_BUILD/fuzz.log
	trap 'rm -rf "$scratch" ${merged:+"$merged" "$merged".crash-*}' EXIT
	cp "$FUZZ_DIR"/corpus/* "$scratch"/ 2>/dev/null
	if [ "$seconds" -gt 0 ]; then
		limit=(-max_total_time="$seconds")
	else
		limit=(-runs=0) # -max_total_time=0 would mean forever
	fi
	[ -z "$runs" ] || [ "$seconds" = 0 ] || limit+=(-runs="$runs")
	vdp_log "fuzz: ${seconds}s${runs:+ or $runs runs} over a copy of tests/fuzz/corpus" \
		"($(ls "$scratch" | wc -l) inputs); log in $log"
	# -reload=0: one process, nothing else adds to its corpus directory.
	"$FUZZ_BIN" "${limit[@]}" -max_len=$FUZZ_MAX_LEN -timeout=30 -reload=0 \
		-print_final_stats=1 -artifact_prefix="$FUZZ_CRASHES/" \
		${extra[@]+"${extra[@]}"} "$scratch" >"$log" 2>&1
	rc=$?
	runs=$(awk '/^stat::number_of_executed_units:/ {n = $NF} END {print n + 0}' "$log")
fi

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
