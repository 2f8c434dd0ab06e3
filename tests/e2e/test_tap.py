# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A guest and a TAP port whose kernel end sits in a network namespace:
ping both ways, then a bulk TCP transfer each way whose SHA-256 is
checked at the far end, with no checksum errors counted on either side."""

import os
import re
import subprocess
import sys

from guest import Guest, assert_xfer, xfer_check
from vdptest import Vdp

NS_IP, GUEST_IP = "198.19.1.1", "198.19.1.2"
NBYTES = 2 * 1024 * 1024
NSXFER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nsxfer.py")

# TSO frames of several segments whatever rate the emulated guest paces at.
BEFORE = "echo 16 > /proc/sys/net/ipv4/tcp_min_tso_segs"
AFTER = """awk '/^Tcp: [0-9]/ { print "tcp csum errors", $16 }' /proc/net/snmp
echo "virtio features $(cat /sys/class/net/eth0/device/features)"
awk '/^Tcp: [0-9]/ { print "tcp out", $12, "retrans", $13 }' /proc/net/snmp"""


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)




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
        g = Guest(image, workdir, sock, xfer_check(NS_IP, NBYTES, BEFORE, AFTER),
                  ip=GUEST_IP + "/24", timeout=240)
        procs.append(g)
        g.wait_result(timeout=300)
        out, _ = xfer.communicate(timeout=60)
    finally:
        if xfer.poll() is None:
            xfer.kill()
            xfer.wait()
    assert xfer.returncode == 0, out
    serial = g.output()
    assert_xfer(serial, result, NBYTES)
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
