# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Linux guests (virtio_net under QEMU TCG) talking through vdp."""

import os
import re
import signal

import pytest

from guest import Guest
from vdptest import Vdp, wait_for

A_IP, B_IP = "198.19.0.1", "198.19.0.2"

# Shell helpers every check starts with. reach waits (bounded) until a
# host answers, so that a peer still booting is not a failure; pings
# asserts that exactly N of N echo requests were answered.
HELPERS = """
reach() {
	i=0
	until ping -c 1 -W 1 "$1" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 90 ] || { echo "no answer from $1"; return 1; }
	done
}
pings() {
	ping -c "$2" -i 0.2 -W 5 ${3:+-s $3} "$1" > /tmp/ping.out || true
	cat /tmp/ping.out
	grep -q "$2 packets transmitted, $2 packets received" /tmp/ping.out
}
"""


def ping_check(peer):
    """Reach the peer, then 10 answered pings of 56 bytes and 5 of 1472."""
    return HELPERS + "reach %s\npings %s 10\npings %s 5 1472\n" % (peer, peer, peer)


def start_vdp(procs, args):
    vdp = Vdp(args)
    procs.append(vdp)
    vdp.wait_started()
    return vdp


def start_pair(image, workdir, procs, socks, server=False, checks=None, packed=False,
               timeout=150):
    checks = checks or (ping_check(B_IP), ping_check(A_IP))
    a = Guest(image, workdir, socks[0], checks[0], ip=A_IP + "/24", server=server,
              packed=packed, timeout=timeout)
    procs.append(a)
    b = Guest(image, workdir, socks[1], checks[1], ip=B_IP + "/24", server=server,
              packed=packed, timeout=timeout)
    procs.append(b)
    return a, b


@pytest.mark.parametrize("fwd", [["--port-pair", "vhost0:vhost1"], ["--fwd", "l2"]],
                         ids=["io", "l2"])
def test_two_guests_ping(image, workdir, procs, fwd):
    socks = [os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")]
    vdp = start_vdp(procs, ["--vhost", socks[0], "--vhost", socks[1]] + fwd)
    a, b = start_pair(image, workdir, procs, socks)
    a.wait_result()
    b.wait_result()
    v0, v1 = vdp.port("vhost0"), vdp.port("vhost1")
    # 15 echo requests each way at least, and as many replies.
    assert v0["rx_packets"] >= 30 and v1["rx_packets"] >= 30
    assert v0["tx_packets"] >= 30 and v1["tx_packets"] >= 30
    # zcopy=auto copies frames under its threshold: every frame here (the
    # 1514-byte ones too) was copied, and counted as small.
    zc = vdp.telemetry("/vdp/vhost")
    for p in ("vhost0", "vhost1"):
        assert zc[p]["zcopy"] == "auto" and zc[p]["zcopy_min"] == 2048, zc[p]
        assert zc[p]["zc_pkts"] == 0 and zc[p]["zc_copied_small"] >= 30, zc[p]
    a.stop()
    b.stop()
    assert vdp.stop(signal.SIGTERM) == 0
    assert "exited cleanly" in vdp.output()


@pytest.mark.parametrize("engine", ["virtq", "rte"])
def test_guests_on_packed_rings(image, workdir, procs, engine):
    # The guests' devices offer packed rings, and both engines serve them
    # as packed rings: vdp's own and the rte engine.
    socks = [os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")]
    vdp = start_vdp(procs, ["--vhost", socks[0] + ",engine=" + engine,
                            "--vhost", socks[1] + ",engine=" + engine])
    a, b = start_pair(image, workdir, procs, socks, packed=True)
    a.wait_result()
    b.wait_result()
    for name in ("vhost0", "vhost1"):
        out = vdp.ctl_ok("show", "vhost", name)
        assert "engine: " + engine in out and "RING_PACKED" in out, out
        assert re.search(r"vring 1 \(tx 0\): size \d+, packed, next avail", out), out
    assert vdp.port("vhost0")["rx_packets"] >= 30
    assert vdp.stop(signal.SIGTERM) == 0
    out = vdp.output()
    features = [int(f, 16) for f in re.findall(r"features: 0x([0-9a-f]+)", out)]
    assert len(features) == 2
    assert all(f & (1 << 34) for f in features), out  # VIRTIO_F_RING_PACKED


XFER_BYTES = 1024 * 1024
XFER_SEND = HELPERS + """
reach %(b)s
head -c %(n)d /dev/urandom > /tmp/out
echo 16 > /proc/sys/net/ipv4/tcp_min_tso_segs
echo "sent $(sha256sum < /tmp/out)"
i=0
until nc %(b)s 5003 < /tmp/out; do
	i=$((i + 1)); [ $i -lt 60 ] || exit 1
	sleep 1
done
awk '/^Tcp: [0-9]/ { print "tcp csum errors", $16 }' /proc/net/snmp
"""
XFER_RECV = """
nc -l -p 5003 > /tmp/in
echo "received $(wc -c < /tmp/in) $(sha256sum < /tmp/in)"
awk '/^Tcp: [0-9]/ { print "tcp csum errors", $16 }' /proc/net/snmp
"""


@pytest.mark.parametrize("packed", [False, True], ids=["split", "packed"])
def test_two_guests_tcp_zero_copy(image, workdir, procs, packed):
    # A bulk TCP transfer from guest A to guest B, zero-copied out of A:
    # every byte arrives (SHA-256 at both ends), no checksum errors, and
    # every zero-copied buffer went back to A; on split and packed rings.
    socks = [os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")]
    vdp = start_vdp(procs, ["--vhost", socks[0] + ",zcopy=on", "--vhost", socks[1]])
    a, b = start_pair(image, workdir, procs, socks,
                      checks=(XFER_SEND % {"b": B_IP, "n": XFER_BYTES}, XFER_RECV),
                      packed=packed, timeout=300)
    a.wait_result(timeout=400)
    b.wait_result(timeout=400)
    sent = re.search(r"sent ([0-9a-f]{64})", a.output()).group(1)
    got = re.search(r"received (\d+) ([0-9a-f]{64})", b.output())
    assert got and int(got.group(1)) == XFER_BYTES and got.group(2) == sent
    assert "tcp csum errors 0" in a.output() and "tcp csum errors 0" in b.output()
    zc = vdp.telemetry("/vdp/vhost")["vhost0"]
    assert zc["zcopy"] == "on" and zc["zc_pkts"] > XFER_BYTES // 65536, zc
    assert zc["zc_inflight"] == 0
    assert vdp.stop(signal.SIGTERM) == 0
    assert "exited cleanly" in vdp.output()


def test_client_mode_vdp_restarts(image, workdir, procs):
    # QEMU owns the sockets; vdp connects to them, goes away while the
    # guests run, and a new vdp picks them up without a guest reboot.
    socks = [os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")]
    args = ["--vhost", socks[0] + ",client", "--vhost", socks[1] + ",client"]
    vdp = start_vdp(procs, args)
    restart = HELPERS + """
reach %(b)s
pings %(b)s 5
echo "phase: before restart"
i=0
while ping -c 1 -W 1 %(b)s >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 300 ] || exit 1
	sleep 0.2
done
echo "phase: link lost"
reach %(b)s
pings %(b)s 10
""" % {"b": B_IP}
    a, b = start_pair(image, workdir, procs, socks, server=True,
                      checks=(restart, ping_check(A_IP)))
    a.wait_output("phase: before restart")
    b.wait_result()
    assert vdp.stop(signal.SIGTERM) == 0
    # QEMU's sockets stay: vdp only connected to them.
    assert os.path.exists(socks[0]) and os.path.exists(socks[1])
    a.wait_output("phase: link lost")
    vdp = start_vdp(procs, args)
    a.wait_result()
    assert vdp.port("vhost0")["rx_packets"] >= 10
    assert vdp.port("vhost1")["tx_packets"] >= 10
    assert a.alive() and b.alive() and a.boots() == 1 and b.boots() == 1


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


@pytest.mark.parametrize("packed", [False, True], ids=["split", "packed"])
def test_guest_reboot_served_again(image, workdir, procs, packed):
    # Each reset makes the driver reset the device and set it up again; vdp
    # serves it every time and ends with what it had before; on split and
    # packed rings.
    socks = [os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")]
    vdp = start_vdp(procs, ["--vhost", socks[0], "--vhost", socks[1]])
    a = Guest(image, workdir, socks[0], ping_check(B_IP), ip=A_IP + "/24", packed=packed)
    procs.append(a)
    b = Guest(image, workdir, socks[1], ping_check(A_IP), ip=B_IP + "/24", reboot=True,
              packed=packed)
    procs.append(b)
    a.wait_result()
    b.wait_result()
    # fds first: a telemetry query holds a socket for a moment.
    baseline_fds = open_fds(vdp.proc.pid)
    baseline_mbufs = vdp.mbufs_in_use()
    for n in range(2, 5):
        b.hmp("system_reset")
        wait_for(lambda: b.boots() == n, 120, what="boot %d" % n)
        b.wait_result(n)
    assert b.boots() == 4 and a.boots() == 1
    wait_for(lambda: vdp.mbufs_in_use() <= baseline_mbufs, 30, what="mbufs back to baseline")
    wait_for(lambda: open_fds(vdp.proc.pid) <= baseline_fds, 30, what="fds back to baseline")
    assert vdp.alive()
