# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The /vdp/... telemetry endpoints, read with dpdk-telemetry.py."""

import json
import subprocess

from vdptest import settle, start_pair, wait_for, wait_rx


def telemetry_py(vdp, *cmds):
    """Run dpdk-telemetry.py against vdp; return {command: value}."""
    res = subprocess.run(["dpdk-telemetry.py", "-f", vdp.prefix], input="\n".join(cmds) + "\n",
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    replies = {}
    for line in res.stdout.splitlines():
        if line.startswith("{"):
            replies.update(json.loads(line))
    return replies


def test_telemetry_endpoints(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs)
    p0.rx_only()
    p1.rx_only()
    p0.send(5)
    assert wait_rx(p1, 160) == 160
    assert settle(p1) == 160

    # Every endpoint is registered (a refused one would answer null).
    listed = set(vdp.telemetry("/"))
    assert {"/vdp/ports", "/vdp/port", "/vdp/vhost", "/vdp/lcores", "/vdp/rxqs",
            "/vdp/drops", "/vdp/mempool"} <= listed, listed
    assert "not registered" not in vdp.output()
    r = telemetry_py(vdp, "/vdp/ports", "/vdp/port,vhost1", "/vdp/vhost", "/vdp/lcores",
                     "/vdp/drops", "/vdp/rxqs")
    assert sorted(r["/vdp/rxqs"]) == ["vhost0/rxq0", "vhost1/rxq0"]
    assert r["/vdp/rxqs"]["vhost0/rxq0"]["lcore"] == 1
    assert r["/vdp/ports"]["vhost0"]["rx_packets"] == 160
    assert r["/vdp/port"]["tx_packets"] == 160 and r["/vdp/port"]["id"] == 1
    vh = r["/vdp/vhost"]
    assert sorted(vh) == ["vhost0", "vhost1"]
    assert vh["vhost0"]["connected"] == 1 and vh["vhost0"]["socket"] == p0.path
    assert vh["vhost0"]["engine"] == "virtq" and vh["vhost0"]["ring_size"] == 1024
    assert vh["vhost0"]["features"] & (1 << 32)  # VERSION_1
    lc = r["/vdp/lcores"]["lcore1"]
    assert lc["packets"] == 160 and lc["rxq"] == ["vhost0:0", "vhost1:0"]
    assert 0 <= lc["busy_permille"] <= 1000
    assert r["/vdp/drops"] == {}

    # A peer gone: what is sent to it is counted as link_down.
    p1.kill()
    wait_for(lambda: not vdp.port("vhost1")["link_up"], 60, what="vhost1 down")
    p0.send(1)
    wait_for(lambda: vdp.telemetry("/vdp/drops") == {"vhost1/txq0/link_down": 32}, 60,
             what="32 link_down drops")
    assert vdp.telemetry("/vdp/vhost")["vhost1"]["connected"] == 0
