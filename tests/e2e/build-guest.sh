#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Build the e2e test guest from Debian packages only:
#   vmlinux      Debian's kernel (linux-image-<version>, fetched with
#                apt-get download and unpacked with dpkg-deb, never
#                installed), decompressed so that QEMU boots it directly
#                through its PVH entry point, which is about twice as fast
#                under TCG as the bzImage path
#   initrd.gz    busybox-static, the virtio-net modules of that kernel in
#                load order, and tests/e2e/guest-init.sh as /init
#
#   tests/e2e/build-guest.sh [OUTDIR]
#
# OUTDIR defaults to E2E_GUEST_DIR or build-guest/ (git-ignored). The guest
# is rebuilt only when its inputs change: this script, guest-init.sh, the
# kernel version (E2E_KERNEL, default: what linux-image-amd64 depends on)
# and the busybox-static version. Prints OUTDIR on the last line.
set -u
. "$(dirname "$0")/../../scripts/lib.sh"

E2E_DIR=$VDP_ROOT/tests/e2e
OUT=${1:-${E2E_GUEST_DIR:-$VDP_ROOT/build-guest}}
# The virtio PCI transport, virtio_net, and the fw_cfg driver that hands the guest its check.
MODULES="virtio_pci virtio_net qemu_fw_cfg"

die() {
	echo "build-guest: $*" >&2
	exit 1
}

kernel_version() {
	local dep
	if [ -n "${E2E_KERNEL:-}" ]; then
		echo "$E2E_KERNEL"
		return
	fi
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -n1)
	if [ -z "$dep" ]; then
		apt-get update -qq >/dev/null 2>&1
		dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -n1)
	fi
	echo "$dep"
}

kver=$(kernel_version)
[ -n "$kver" ] || die "cannot find the version of linux-image-amd64"
bbver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)
[ -n "$bbver" ] || die "busybox-static is not installed"
key=$( { echo "$kver $bbver $MODULES"; cat "$0" "$E2E_DIR/guest-init.sh"; } | sha256sum | cut -c1-16)

if [ -f "$OUT/key" ] && [ "$(cat "$OUT/key")" = "$key" ] &&
	[ -f "$OUT/vmlinux" ] && [ -f "$OUT/initrd.gz" ]; then
	echo "$OUT"
	exit 0
fi

vdp_log "building the e2e guest (kernel $kver, busybox $bbver) in $OUT"
work=$(mktemp -d /tmp/vdp-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$OUT"

# apt-get download writes into the current directory as the _apt user
# when it can; a private directory it can write keeps it quiet.
chmod 755 "$work"
( cd "$work" && apt-get download -q "linux-image-$kver" >/dev/null 2>&1 ||
	{ apt-get update -qq >/dev/null 2>&1 && apt-get download -q "linux-image-$kver" >/dev/null; } ) ||
	die "cannot download linux-image-$kver"
dpkg-deb -x "$work"/linux-image-"$kver"_*.deb "$work/k" || die "cannot unpack the kernel"

# The bzImage carries the kernel as an xz stream; its ELF image has the
# PVH note QEMU's -kernel looks for.
/usr/bin/python3 - "$work/k/boot/vmlinuz-$kver" "$work/vmlinux" <<'PY' || die "cannot extract vmlinux"
import lzma, sys
data = open(sys.argv[1], "rb").read()
off = data.find(b"\xfd7zXZ\x00")
if off < 0:
    sys.exit("no xz stream in %s" % sys.argv[1])
elf = lzma.LZMADecompressor().decompress(data[off:])
if elf[:4] != b"\x7fELF":
    sys.exit("the xz stream is not an ELF image")
open(sys.argv[2], "wb").write(elf)
PY

# Modules in load order, as modprobe would load them.
mods=$work/k/lib/modules/$kver
depmod -b "$work/k" "$kver" || die "depmod failed"
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
: > "$root/modules.list"
for m in $MODULES; do
	modprobe -d "$work/k" -S "$kver" --show-depends "$m" |
		sed -n 's/^insmod \([^ ]*\).*/\1/p'
done | awk '!seen[$0]++' | while read -r path; do
	name=$(basename "$path")
	cp "$path" "$root/lib/modules/$name"
	echo "$name" >> "$root/modules.list"
done
[ -s "$root/modules.list" ] || die "no modules found under $mods"

cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$E2E_DIR/guest-init.sh" "$root/init"
chmod 755 "$root/init"
( cd "$root" && find . | cpio -o -H newc --quiet | gzip -9 ) > "$work/initrd.gz" ||
	die "cannot pack the initramfs"

mv "$work/vmlinux" "$OUT/vmlinux"
mv "$work/initrd.gz" "$OUT/initrd.gz"
echo "$kver" > "$OUT/kernel-version"
echo "$key" > "$OUT/key"
vdp_log "guest ready: $(cat "$root/modules.list" | tr '\n' ' ')"
echo "$OUT"
