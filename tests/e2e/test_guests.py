# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Linux guests (virtio_net under QEMU TCG) talking through vdp."""

import os
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


def start_pair(image, workdir, procs, socks, server=False, checks=None):
    checks = checks or (ping_check(B_IP), ping_check(A_IP))
    a = Guest(image, workdir, socks[0], checks[0], ip=A_IP + "/24", server=server)
    procs.append(a)
    b = Guest(image, workdir, socks[1], checks[1], ip=B_IP + "/24", server=server)
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
    a.stop()
    b.stop()
    assert vdp.stop(signal.SIGTERM) == 0
    assert "exited cleanly" in vdp.output()
