# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Two worker lcores: round-robin and pinned rx queue placement, and exact
forwarding when each worker owns its own tx queue on every port."""

import os

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

TWO_WORKERS = "0@0,1@1,2@1"


def test_round_robin_two_workers(sockdir, procs):
    s = [os.path.join(sockdir, "v%d.sock" % i) for i in range(4)]
    vdp = Vdp(sum((["--vhost", p] for p in s), []), lcores=TWO_WORKERS,
              eal=["--vdev", "net_ring0"])
    procs.append(vdp)
    vdp.wait_started()
    out = vdp.output()
    # vhost0..3 then net_ring0, dealt round-robin over lcores 1 and 2.
    assert "lcore 1 polls vhost0:0 vhost2:0 net_ring0:0" in out
    assert "lcore 2 polls vhost1:0 vhost3:0" in out

    peers = [Peer(p) for p in s]
    procs += peers
    for i in range(4):
        wait_for(lambda: vdp.port("vhost%d" % i)["link_up"], 60, what="links up")
    for p in peers:
        p.rx_only()
    # Both directions of both pairs at once: four workers' worth of tx.
    for p in peers:
        p.send(2)
    for p in peers:
        assert wait_rx(p, 64) == 64
        assert settle(p) == 64
    for i in range(4):
        port = vdp.port("vhost%d" % i)
        assert (port["rx_packets"], port["tx_packets"]) == (64, 64)
    lcores = vdp.telemetry("/vdp/lcores")
    assert lcores["lcore1"]["packets"] == 128
    assert lcores["lcore2"]["packets"] == 128


def test_pinned_rxq(sockdir, procs, tmp_path):
    cfg = tmp_path / "pin.ini"
    cfg.write_text("[port a]\ntype = vhost\npath = a.sock\n"
                   "[port b]\ntype = vhost\npath = b.sock\n"
                   "[lcore 2]\nrxq = a:0 b:0\n")
    vdp = Vdp(["--config", str(cfg), "--run-dir", sockdir], lcores=TWO_WORKERS)
    procs.append(vdp)
    vdp.wait_started()
    out = vdp.output()
    assert "lcore 1 polls\n" in out
    assert "lcore 2 polls a:0 b:0" in out
    a, b = Peer(os.path.join(sockdir, "a.sock")), Peer(os.path.join(sockdir, "b.sock"))
    procs += [a, b]
    wait_for(lambda: vdp.port("a")["link_up"] and vdp.port("b")["link_up"], 60,
             what="links up")
    b.rx_only()
    a.send(1)
    assert wait_rx(b, 32) == 32
    assert vdp.telemetry("/vdp/lcores")["lcore2"]["packets"] == 32
    assert vdp.telemetry("/vdp/lcores")["lcore1"]["packets"] == 0


def test_pin_to_non_worker_is_rejected(sockdir, tmp_path):
    cfg = tmp_path / "pin.ini"
    cfg.write_text("[port a]\ntype = vhost\npath = a.sock\n[lcore 7]\nrxq = a:0\n")
    vdp = Vdp(["--config", str(cfg), "--run-dir", sockdir])
    assert vdp.proc.wait(60) == 2
    assert "vdp: error: [lcore 7]: lcore 7 is not a worker lcore" in vdp.output()
