# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A guest and a TAP port whose kernel end sits in a network namespace:
ping both ways, then a bulk TCP transfer each way whose SHA-256 is
checked at the far end, with no checksum errors counted on either side."""

import json
import os
import re
import subprocess
import sys

import pytest

from guest import Guest
from vdptest import Vdp, unique

NS_IP, GUEST_IP = "198.19.1.1", "198.19.1.2"
NBYTES = 2 * 1024 * 1024
NSXFER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nsxfer.py")

CHECK = """
i=0
until ping -c 1 -W 1 %(ns)s >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 90 ] || exit 1
done
ping -c 10 -i 0.2 -W 5 %(ns)s > /tmp/ping.out || true
cat /tmp/ping.out
grep -q "10 packets transmitted, 10 packets received" /tmp/ping.out
head -c %(n)d /dev/urandom > /tmp/out
# TSO frames of several segments whatever rate the emulated guest paces at.
echo 16 > /proc/sys/net/ipv4/tcp_min_tso_segs
echo "sent $(sha256sum < /tmp/out)"
nc %(ns)s 5001 < /tmp/out
nc -l -p 5002 > /tmp/in
echo "received $(wc -c < /tmp/in) $(sha256sum < /tmp/in)"
awk '/^Tcp: [0-9]/ { print "tcp csum errors", $16 }' /proc/net/snmp
echo "virtio features $(cat /sys/class/net/eth0/device/features)"
awk '/^Tcp: [0-9]/ { print "tcp out", $12, "retrans", $13 }' /proc/net/snmp
"""


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


@pytest.fixture
def netns():
    name = unique("vdpe2e")
    sh("ip", "netns", "add", name)
    yield name
    sh("ip", "netns", "del", name, check=False)


def test_guest_tap_netns(image, workdir, procs, netns):
    ifname = "vdpe" + netns[-8:]
    sock = os.path.join(workdir, "g.sock")
    vdp = Vdp(["--vhost", sock], eal=["--vdev", "net_tap0,iface=%s" % ifname])
    procs.append(vdp)
    vdp.wait_started()
    sh("ip", "link", "set", ifname, "netns", netns)
    ns = ["ip", "netns", "exec", netns]
    sh(*ns, "ip", "link", "set", "lo", "up")
    sh(*ns, "ip", "link", "set", ifname, "up")
    sh(*ns, "ip", "addr", "add", NS_IP + "/24", "dev", ifname)

    result = os.path.join(workdir, "xfer.json")
    xfer = subprocess.Popen(ns + [sys.executable, NSXFER, NS_IP, GUEST_IP, str(NBYTES), result],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        g = Guest(image, workdir, sock, CHECK % {"ns": NS_IP, "n": NBYTES},
                  ip=GUEST_IP + "/24", timeout=240)
        procs.append(g)
        g.wait_result(timeout=300)
        out, _ = xfer.communicate(timeout=60)
    finally:
        if xfer.poll() is None:
            xfer.kill()
            xfer.wait()
    assert xfer.returncode == 0, out
    with open(result) as f:
        far = json.load(f)
    serial = g.output()
    sent = re.search(r"sent ([0-9a-f]{64})", serial).group(1)
    received = re.search(r"received (\d+) ([0-9a-f]{64})", serial)
    # Guest -> namespace, then namespace -> guest: every byte, intact.
    assert far["rx_bytes"] == NBYTES and far["rx_sha256"] == sent
    assert int(received.group(1)) == NBYTES and received.group(2) == far["tx_sha256"]
    assert "tcp csum errors 0" in serial
    snmp = sh(*ns, "cat", "/proc/net/snmp").stdout
    tcp = [l.split() for l in snmp.splitlines() if l.startswith("Tcp:")]
    assert dict(zip(tcp[0], tcp[1]))["InCsumErrors"] == "0"
    tap = vdp.port("net_tap0")
    assert tap["tx_packets"] > NBYTES // 1500 and tap["rx_packets"] > NBYTES // 1500
    # The guest negotiated TSO and sent frames larger than the tap's MTU:
    # vdp segmented them (fewer frames in from the guest than out to the
    # tap), and nothing was dropped for a bad request.
    guest = vdp.port("vhost0")
    # (if not: what the guest negotiated, bit 11 being HOST_TSO4, and how
    # its TCP fared)
    why = re.findall(r"^(?:virtio features|tcp out) .*$", serial, re.M)
    assert guest["rx_packets"] < tap["tx_packets"], (guest, tap, why)
    assert guest.get("rx_drop_bad_offload", 0) == 0 and tap.get("tx_drop_bad_offload", 0) == 0
    # zcopy=auto: the guest's TSO frames over the threshold reached the tap
    # zero-copied, the smaller ones copied; every frame is one or the other.
    zc = vdp.telemetry("/vdp/vhost")["vhost0"]
    assert zc["zcopy"] == "auto" and zc["zcopy_min"] == 2048, zc
    assert zc["zc_pkts"] >= 1 and zc["zc_copied_small"] >= 1, zc
    # (read between two reads of the port's counter: late ACKs may arrive)
    later = vdp.port("vhost0")["rx_packets"]
    frames = zc["zc_pkts"] + zc["zc_copied_small"] + zc["zc_copied_capped"]
    assert guest["rx_packets"] <= frames <= later, (zc, guest["rx_packets"], later)
