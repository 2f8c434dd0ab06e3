# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Peers that come and go under traffic, and SIGTERM under traffic.

The churning peer is the tests' own vhost-user frontend (vhostuser.py): it
connects in milliseconds, so a hundred cycles fit in a test, and it can
leave at any point of the protocol, with packets still in its rings.
"""

import os
import signal

import vhostuser as vu
from test_hostile import HOSTILE, Bench
from vdptest import wait_for

CYCLES = 100


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def guest_maps(pid):
    """Mappings of the churning frontend's guest memory (its memfd) in vdp."""
    with open("/proc/%d/maps" % pid) as f:
        return [line for line in f if "/memfd:%s" % vu.MEMFD_NAME in line]


def test_peer_churn_under_traffic(sockdir, procs):
    b = Bench(sockdir, procs)
    vdp = b.vdp
    pid = vdp.proc.pid
    b.good(1)
    base_fds = fds(pid)
    base_mbufs = vdp.mbufs_in_use()
    for cycle in range(CYCLES):
        fe = vu.Frontend(b.socks[2])
        try:
            if cycle % 4 == 3:
                # Gone half-way through the set-up, with guest memory mapped.
                fe.get_u64(vu.GET_FEATURES)
                fe.send_msg(vu.SET_OWNER)
                fe.mem_table(fe.default_regions())
                fe.sync()
            else:
                fe.setup()
                wait_for(lambda: vdp.port(HOSTILE)["link_up"], 30, what="churn peer up")
                assert guest_maps(pid), "guest memory not mapped while connected"
                fe.post_rx(32)
                if cycle % 4 == 0:
                    b.loopback(fe, 8)
                # Gone with frames waiting in its tx ring and more than its
                # rx ring can take.
                fe.send([vu.frame(i) for i in range(128)])
        finally:
            fe.close()
        wait_for(lambda: not vdp.port(HOSTILE)["link_up"], 30, what="churn peer down")
        wait_for(lambda: vdp.mbufs_in_use() == base_mbufs, 30,
                 what="mbufs in use back to %d after cycle %d" % (base_mbufs, cycle))
        wait_for(lambda: fds(pid) <= base_fds, 30,
                 what="fds back to %d after cycle %d" % (base_fds, cycle))
        # The frontend's memory is mapped while it is connected, and not a
        # page of it once it has gone. (The process's other mappings, such
        # as cached thread stacks, come and go with timing.)
        wait_for(lambda: not guest_maps(pid), 30,
                 what="no guest memory mapped after cycle %d" % cycle)
        if cycle % 10 == 9:
            b.good(1)
    b.good(2)
    assert vdp.port("vhost0")["rx_packets"] == b.good_pkts
    assert vdp.port("vhost1")["tx_packets"] == b.good_pkts
    assert vdp.stop(signal.SIGTERM) == 0
    out = vdp.output()
    assert "connects %d, disconnects %d" % (CYCLES * 3 // 4, CYCLES * 3 // 4) in out


def test_sigterm_under_traffic(sockdir, procs):
    b = Bench(sockdir, procs)
    fe = b.frontend()
    b.good(1)
    # The good pair transmits without pause, and so does the frontend.
    b.p0.cmd_out("stop")
    b.p0.cmd_out("set fwd txonly")
    b.p0.cmd_out("start")
    wait_for(lambda: b.vdp.port("vhost1")["tx_packets"] > b.good_pkts + 1000, 60,
             what="continuous traffic")
    fe.send([vu.frame(i) for i in range(200)])
    assert b.vdp.stop(signal.SIGTERM) == 0
    out = b.vdp.output()
    assert "vdp summary" in out and "exited cleanly" in out
    assert "port 0 (vhost0, vhost): rx " in out
    for s in b.socks:
        assert not os.path.exists(s)
    b.close()
