# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Shared by the scripts: package install, build, hugepages, the benchmarks' CPUs. Source it.

VDP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VDP_BUILD=${VDP_BUILD:-$VDP_ROOT/build}
VDP_BIN=$VDP_BUILD/app/vdp/vdp
VDPCTL_BIN=$VDP_BUILD/app/vdpctl/vdpctl

# Debian packages vdp needs to build, test and benchmark.
VDP_PACKAGES="dpdk dpdk-dev libdpdk-dev libnuma-dev meson ninja-build pkg-config
	python3-pyelftools python3-pytest gcc iproute2 iputils-ping procps
	qemu-system-x86 busybox-static cpio kmod groff-base libsystemd-dev
	systemd build-essential debhelper dpkg-dev lintian libvirt-daemon-system
	libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libxml2-utils"

vdp_log() {
	echo "[$(date +%H:%M:%S)] $*" >&2
}

# Install whatever is missing (needs root and Debian's package registry).
vdp_install_deps() {
	local missing="" p
	for p in $VDP_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	vdp_log "installing:$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "error: missing packages:$missing (run as root to install them)" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || return 1
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null || return 1
}

# Configure (once) and build. Extra arguments go to meson setup.
vdp_build() {
	if [ ! -f "$VDP_BUILD/build.ninja" ]; then
		meson setup "$VDP_BUILD" "$VDP_ROOT" "$@" >/dev/null || return 1
	fi
	ninja -C "$VDP_BUILD" >/dev/null || ninja -C "$VDP_BUILD" || return 1
}

# Reserve hugepages and mount hugetlbfs. Prints the EAL memory options for
# one of PROCS processes (default 2) that each want 512 MB: hugepages when
# enough are free for all of them, else --no-huge.
vdp_hugepages() {
	local procs=${1:-2} want=1024 need free
	need=$((procs * 256))
	if [ "$(id -u)" = 0 ]; then
		[ "$(cat /proc/sys/vm/nr_hugepages)" -ge "$want" ] ||
			echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null
		mkdir -p /dev/hugepages
		mountpoint -q /dev/hugepages ||
			mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null
	fi
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "${free:-0}" -ge "$need" ] && mountpoint -q /dev/hugepages; then
		echo "-m 512"
	else
		vdp_log "not enough free hugepages (${free:-0} of $need): using --no-huge"
		echo "--no-huge -m 512"
	fi
}

# Hugepage files of DPDK processes that died without removing them (they
# hold no lock any more) keep pages from being free. DPDK itself deletes
# such files at start-up; do it before counting the free pages.
vdp_reclaim_hugepages() {
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

# Other DPDK processes on the machine may hold the hugepages for a while:
# wait (up to 2 minutes) until MB megabytes of them are free.
vdp_wait_hugepages() {
	local need free _
	need=$(($1 * 1024 / $(awk '/Hugepagesize/ {print $2}' /proc/meminfo)))
	for _ in $(seq 120); do
		free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
		[ "$free" -ge "$need" ] && return 0
		vdp_reclaim_hugepages
		sleep 1
	done
	vdp_log "only $free hugepages free after 2 minutes, $need needed; trying anyway"
}

# Wait (up to 30 s) for the socket SOCK that process PID creates; 1 when
# PID exits first or the time is up.
vdp_wait_socket() {
	local sock=$1 pid=$2 _
	for _ in $(seq 300); do
		[ -S "$sock" ] && return 0
		kill -0 "$pid" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Stop a child process PID: SIGINT, then SIGKILL if it has not exited in
# 20 s; reaps it.
vdp_stop_pid() {
	local pid=$1 _ state=""
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2> /dev/null || true
	for _ in $(seq 200); do
		state=$(awk '{print $3}' "/proc/$pid/stat" 2> /dev/null) || state=""
		{ [ -z "$state" ] || [ "$state" = Z ]; } && break
		sleep 0.1
	done
	if [ -n "$state" ] && [ "$state" != Z ]; then
		vdp_log "pid $pid did not stop on SIGINT; killing it"
		kill -KILL "$pid" 2> /dev/null || true
	fi
	wait "$pid" 2> /dev/null || true
}

# Whether $1 is a whole decimal number.
vdp_is_uint() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
}

# vdp_bench_cores NAME: a benchmark's two CPUs, from this process's
# affinity. Keeps GEN_CORE and DUT_CORE when set (--gen-core, --dut-core),
# else the first CPU and the next; sets CPUS, and DUT_LCORES (main lcore
# with the generator, worker on the DUT's CPU) and GEN_LCORES. Exits, with
# one line "NAME: error: ..." on stderr, when they are not two distinct
# CPUs this process may use.
vdp_bench_cores() {
	local c
	read -r -a CPUS <<< "$(/usr/bin/python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))')"
	if [ "${#CPUS[@]}" -lt 2 ]; then
		echo "$1: error: needs 2 CPUs (one for the generator, one for the DUT's" \
			"polling core), this process may use ${#CPUS[@]}: ${CPUS[*]}" >&2
		exit 1
	fi
	GEN_CORE=${GEN_CORE:-${CPUS[0]}}
	if [ -z "$DUT_CORE" ]; then
		for c in "${CPUS[@]}"; do
			[ "$c" != "$GEN_CORE" ] && DUT_CORE=$c && break
		done
	fi
	for c in "$GEN_CORE" "$DUT_CORE"; do
		if ! vdp_is_uint "$c" || ! printf '%s\n' "${CPUS[@]}" | grep -qx "$c"; then
			echo "$1: error: CPU '$c' is not one this process may use (${CPUS[*]})" >&2
			exit 2
		fi
	done
	if [ "$GEN_CORE" = "$DUT_CORE" ]; then
		echo "$1: error: --gen-core and --dut-core are both CPU $GEN_CORE" >&2
		exit 2
	fi
	DUT_LCORES="0@$GEN_CORE,1@$DUT_CORE"
	GEN_LCORES="0@$GEN_CORE,1@$GEN_CORE"
}
