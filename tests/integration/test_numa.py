# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""NUMA: one mbuf pool per socket, and a vhost-user port's mbufs from the
pool of its guest memory's node. This machine has one node (0), so with
--no-huge there is one pool, vdp_mbufs_s0, and rte_vhost reports node 0
for every device; the choice between nodes is tests/unit/test_port_pool.c's."""

import os
import re

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

POOL = "vdp_mbufs_s0"


def test_vhost_node_and_pool(sockdir, procs):
    sock = os.path.join(sockdir, "a.sock")
    # One port: io pairs it with itself, so what the peer sends comes back.
    vdp = Vdp(["--vhost", sock], eal=["--log-level", "vdp.vhost:info"])
    procs.append(vdp)
    vdp.wait_started()
    mp = vdp.telemetry("/vdp/mempool")
    assert mp["name"] == POOL and mp["pools"] == [POOL]
    assert mp[POOL]["socket"] == 0 and mp[POOL]["size"] == mp["size"]
    assert mp[POOL]["in_use"] + mp[POOL]["available"] == mp["size"]
    # No device yet: node unknown, the fallback pool.
    info = vdp.ctl_json("show", "port", "info", "vhost0")["ports"][0]
    assert (info["numa_socket"], info["pool"]) == (-1, POOL)
    assert "NUMA socket: unknown, mbufs from %s\n" % POOL in \
        vdp.ctl_ok("show", "port", "info", "vhost0")

    peer = Peer(sock)
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up")
    assert "vhost: vhost0: guest memory on node 0, mbufs from pool %s\n" % POOL in vdp.output()
    out = vdp.ctl_ok("show", "port", "info", "vhost0")
    assert "Link status: up\n" in out and "NUMA socket: 0, mbufs from %s\n" % POOL in out
    info = vdp.ctl_json("show", "port", "info", "vhost0")["ports"][0]
    assert (info["numa_socket"], info["pool"]) == (0, POOL)
    assert "  numa: node 0, pool %s, pool fallbacks 0\n" % POOL in \
        vdp.ctl_ok("show", "vhost", "vhost0")
    vh = vdp.ctl_json("show", "vhost", "vhost0")["ports"][0]
    assert (vh["numa_node"], vh["pool"], vh["pool_fallbacks"]) == (0, POOL, 0)
    tel = vdp.telemetry("/vdp/vhost")["vhost0"]
    assert (tel["numa_node"], tel["pool"], tel["pool_fallbacks"]) == (0, POOL, 0)

    # Packets still flow, from that pool and back to it.
    base = vdp.mbufs_in_use()
    peer.send(1)
    assert wait_rx(peer, 32) == 32
    assert settle(peer) == 32
    assert peer.stats() == (32, 32)
    v = vdp.port("vhost0")
    assert (v["rx_packets"], v["tx_packets"], v["tx_dropped"]) == (32, 32, 0)
    assert vdp.mbufs_in_use() == base
    peer.kill()

    # One pool: the summary's mbuf line as it always was, no per-pool lines.
    assert vdp.stop() == 0
    out = vdp.output()
    assert len(re.findall(r"^  mbufs in use: \d+ of %d$" % mp["size"], out, re.M)) == 1
    assert "    %s:" % POOL not in out
