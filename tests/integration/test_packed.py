# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Packed virtqueues served by vdp's own engine: dpdk-testpmd virtio-user
peers with packed_vq=1, exact counts both ways at 64, 1518 and 9000 bytes
(9000: several mbufs in vdp, mergeable rx buffers in the guest)."""

import re

import pytest

from vdptest import settle, start_pair, wait_rx

BIG = ["--mbuf-size=9600", "--max-pkt-len=9100"]


@pytest.mark.parametrize("size", [64, 1518, 9000])
def test_packed_exact_counts_both_ways(sockdir, procs, size):
    peer = {"packed": True, "extra": BIG if size > 1518 else []}
    vdp, p0, p1 = start_pair(sockdir, procs, "", (peer, peer))
    for name in ("vhost0", "vhost1"):
        out = vdp.ctl_ok("show", "vhost", name)
        assert "engine: virtq" in out and "RING_PACKED" in out, out
        assert re.search(r"vring 1 \(tx 0\): size 1024, packed, next avail \d+ wrap [01], "
                         r"next used \d+ wrap [01], enabled", out), out
    for p in (p0, p1):
        p.cmd_out("stop")
        p.cmd_out("set txpkts %d" % size)
        p.rx_only()

    # Rounds of 8 bursts of 32 (testpmd's packed virtio-user sends at most
    # half its ring in one tx_first, whatever the vhost side), 1280
    # packets one way and 768 the other through 1024-entry rings: both
    # wrap counters of vhost0's tx vring and vhost1's rx vring turn.
    for k in range(1, 6):
        p0.send(8)
        assert wait_rx(p1, 256 * k, timeout=120) == 256 * k
        assert settle(p1) == 256 * k
    for k in range(1, 4):
        p1.send(8)
        assert wait_rx(p0, 256 * k, timeout=120) == 256 * k
        assert settle(p0) == 256 * k
    assert p0.stats() == (768, 1280) and p1.stats() == (1280, 768)

    v0, v1 = vdp.port("vhost0"), vdp.port("vhost1")
    assert (v0["rx_packets"], v0["tx_packets"]) == (1280, 768)
    assert (v1["rx_packets"], v1["tx_packets"]) == (768, 1280)
    assert v0["rx_bytes"] == 1280 * size and v1["tx_bytes"] == 1280 * size
    assert v0["tx_dropped"] == 0 and v1["tx_dropped"] == 0
    rx_bytes = re.search(r"RX-bytes:\s+(\d+)", p1.cmd_out("show port stats 0")).group(1)
    assert int(rx_bytes) == 1280 * size

    # Every descriptor the guests made available went back: the device's
    # next used position is its next avail position, on each vring.
    for name in ("vhost0", "vhost1"):
        info = vdp.ctl_json("show", "vhost", name)["ports"][0]
        assert "RING_PACKED" in info["feature_names"]
        for v in info["vrings"]:
            assert v["layout"] == "packed"
            assert v["avail_idx"] == v["used_idx"], v
    tx0 = vdp.ctl_json("show", "vhost", "vhost0")["ports"][0]["vrings"][1]
    assert tx0["avail_idx"] == (1280 - 1024) | 0  # lap 2: wrap counter 0
