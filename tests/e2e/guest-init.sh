#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# /init of the e2e guest (busybox). Loads the virtio modules, configures
# eth0 from the kernel command line (vdp_ip=ADDR/LEN), runs the check that
# QEMU hands over as fw_cfg file opt/vdp/check, prints one result line on
# the serial console and powers off; with vdp_hold=1 it stays up after the
# result instead (the test stops QEMU). Unknown key=value kernel parameters
# reach init as environment variables, hence the vdp_ names.

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /tmp
mount -t tmpfs tmp /tmp

while read -r m; do
	insmod "/lib/modules/$m" || echo "vdp-e2e: insmod $m failed"
done < /modules.list

ip link set lo up
i=0
until [ -e /sys/class/net/eth0 ] || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ -n "${vdp_ip:-}" ]; then
	ip link set eth0 up
	ip addr add "$vdp_ip" dev eth0
fi

check=/sys/firmware/qemu_fw_cfg/by_name/opt/vdp/check/raw
echo "vdp-e2e: boot $(cat /proc/sys/kernel/random/boot_id)"
if [ -r "$check" ]; then
	cp "$check" /tmp/check.sh
	if timeout "${vdp_timeout:-120}" sh -e /tmp/check.sh; then
		echo "vdp-e2e: PASS"
	else
		echo "vdp-e2e: FAIL (status $?)"
	fi
else
	echo "vdp-e2e: FAIL (no check script)"
fi
sync
if [ "${vdp_hold:-0}" = 1 ]; then
	while :; do sleep 3600; done
fi
poweroff -f
