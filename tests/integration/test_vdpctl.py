# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Every command through vdpctl against live traffic: text, --json, bad input."""

import os
import re
import shutil
import tempfile

import pytest

from vdptest import Vdp, settle, start_pair, wait_for, wait_rx

MAC0 = "02:00:00:00:00:10"
MAC1 = "02:00:00:00:00:11"


@pytest.fixture(scope="module")
def idle_vdp():
    """One vdp without peers for every bad-input case of this module."""
    d = tempfile.mkdtemp(prefix="vdp-it-")
    vdp = Vdp(["--vhost", os.path.join(d, "a.sock"), "--vhost", os.path.join(d, "b.sock")])
    vdp.wait_started()
    yield vdp
    # quit through the control socket: summary, clean exit.
    assert "vdp: quitting" in vdp.ctl_ok("quit")
    vdp.proc.wait(60)
    assert vdp.proc.returncode == 0
    assert "exited cleanly" in vdp.output()
    vdp.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def pair(sockdir, procs):
    """vdp with two vhost ports (io), a peer on each, 160 packets 0 -> 1."""
    vdp, p0, p1 = start_pair(sockdir, procs, peers=({"mac": MAC0}, {"mac": MAC1}))
    p0.rx_only()
    p1.rx_only()
    p0.send(5)
    assert wait_rx(p1, 160) == 160
    assert settle(p1) == 160
    return vdp, p0, p1


def test_show_commands(pair):
    vdp, p0, p1 = pair

    out = vdp.ctl_ok("show", "port", "stats", "all")
    rx = [int(x) for x in re.findall(r"RX-packets:\s+(\d+)", out)]
    tx = [int(x) for x in re.findall(r"TX-packets:\s+(\d+)", out)]
    assert (rx, tx) == ([160, 0], [0, 160])
    js = vdp.ctl_json("show", "port", "stats", "vhost1")
    assert [(p["name"], p["tx_packets"], p["tx_bytes"]) for p in js["ports"]] == \
        [("vhost1", 160, 160 * 64)]

    out = vdp.ctl_ok("show", "port", "info", "0")
    assert "Infos for port 0 (vhost0)" in out and "Link status: up" in out
    js = vdp.ctl_json("show", "port", "info", "all")
    assert [(p["name"], p["started"], p["link_up"]) for p in js["ports"]] == \
        [("vhost0", True, True), ("vhost1", True, True)]

    out = vdp.ctl_ok("show", "port", "xstats", "vhost0")
    assert re.search(r"rx_q0_packets\s+160\b", out)
    js = vdp.ctl_json("show", "port", "xstats", "all")
    assert js["ports"][1]["xstats"]["tx_q0_packets"] == 160
    assert js["ports"][1]["xstats"]["tx_drop_link_down"] == 0

    out = vdp.ctl_ok("show", "fwd", "stats", "all")
    assert "Forward statistics for port 1 (vhost1)" in out
    js = vdp.ctl_json("show", "fwd", "stats", "all")
    assert (js["total"]["rx_packets"], js["total"]["tx_packets"]) == (160, 160)

    out = vdp.ctl_ok("show", "config", "fwd")
    assert "io packet forwarding - ports=2" in out and "vhost0 -> vhost1" in out
    js = vdp.ctl_json("show", "config", "fwd")
    assert js["mode"] == "io" and js["xconnect"] == {"vhost0": "vhost1", "vhost1": "vhost0"}
    assert js["lcores"] == [{"lcore": 1, "rxq": ["vhost0:0", "vhost1:0"]}]

    out = vdp.ctl_ok("show", "lcores")
    assert re.search(r"lcore 1: busy [\d.]+%, [\d.]+ cycles/pkt, 160 pkts, polls "
                     r"vhost0:0 vhost1:0", out)

    out = vdp.ctl_ok("show", "vhost", "vhost0")
    assert "state: connected since" in out and "VERSION_1" in out
    assert re.search(r"vring 1 \(tx 0\): size 1024, avail idx \d+, used idx \d+, enabled", out)
    js = vdp.ctl_json("show", "vhost", "all")
    v0 = js["ports"][0]
    assert v0["connected"] and v0["mode"] == "server" and v0["engine"] == "virtq"
    assert "VERSION_1" in v0["feature_names"] and v0["vrings"][1]["size"] == 1024
    # The guest made 160 packets available on its tx vring and vdp used them all.
    assert v0["vrings"][1]["avail_idx"] == v0["vrings"][1]["used_idx"]

    # Nothing dropped yet; then p1 goes away and 32 packets to it are link_down.
    assert vdp.ctl_ok("show", "drops").strip() == "no drops"
    p1.kill()
    wait_for(lambda: not vdp.port("vhost1")["link_up"], 60, what="vhost1 down")
    p0.send(1)
    wait_for(lambda: vdp.port("vhost1")["tx_dropped"] == 32, 60, what="32 link_down drops")
    assert "vhost1 txq 0 link_down: 32" in vdp.ctl_ok("show", "drops")
    assert vdp.ctl_json("show", "drops")["drops"] == \
        [{"port": "vhost1", "queue": "txq0", "reason": "link_down", "packets": 32}]

    assert "cleared" in vdp.ctl_ok("clear", "port", "stats", "all")
    js = vdp.ctl_json("show", "port", "stats", "all")
    assert all(p["rx_packets"] == 0 and p["tx_dropped"] == 0 for p in js["ports"])


def test_set_commands_and_start_stop(pair):
    vdp, p0, p1 = pair

    # stop: workers leave their loop; busy + idle cycles then add up exactly
    # to the loop's span (no time between iterations is lost).
    assert "Done." in vdp.ctl_ok("stop")
    js = vdp.ctl_json("show", "lcores")
    assert js["started"] is False
    lc = js["lcores"][0]
    assert lc["busy_cycles"] + lc["idle_cycles"] == lc["loop_cycles"] > 0
    assert lc["packets"] == 160
    assert "started" in vdp.ctl_ok("start")

    assert vdp.ctl_ok("set", "burst", "16").strip() == "Number of packets per burst set to 16"
    assert "120 bytes" in vdp.ctl_ok("set", "txpkts", "100,20")
    assert "set to 1" in vdp.ctl_ok("set", "nbcore", "1")
    assert "every 5 s" in vdp.ctl_ok("set", "stats-period", "5")
    assert "off" in vdp.ctl_ok("set", "stats-period", "0")
    assert "rx queue 0 is polled by lcore 1" in vdp.ctl_ok("set", "rxq", "affinity",
                                                            "vhost1", "0", "1")
    js = vdp.ctl_json("show", "config", "fwd")
    assert (js["burst"], js["txpkts"], js["nbcore"]) == (16, 120, 1)

    # l2: p0 -> p1 with p1's MAC learns p0's MAC on vhost0.
    assert "Set l2" in vdp.ctl_ok("set", "fwd", "l2")
    p0.set_peer(MAC1)
    p0.send(1)
    assert wait_rx(p1, 192) == 192
    wait_for(lambda: any(e["mac"] == MAC0 for e in vdp.ctl_json("show", "mac", "table")
                         ["entries"]), 30, what="MAC learned")
    out = vdp.ctl_ok("show", "mac", "table")
    assert re.search(MAC0 + r"\s+vhost0\s+\d+", out)
    assert "cleared" in vdp.ctl_ok("clear", "mac", "table")
    assert vdp.ctl_json("show", "mac", "table")["entries"] == []

    # macswap sends p0's packets back to p0.
    vdp.ctl_ok("set", "fwd", "macswap")
    before = p0.stats()[0]
    p0.send(1)
    assert wait_rx(p0, before + 32) == before + 32
    vdp.ctl_ok("set", "fwd", "io")

    # start tx_first: one burst of 16 (the burst size) out of each port.
    vdp.ctl_ok("stop")
    base0, base1 = p0.stats()[0], p1.stats()[0]
    assert "after one burst" in vdp.ctl_ok("start", "tx_first")
    assert wait_rx(p0, base0 + 16) == base0 + 16
    assert wait_rx(p1, base1 + 16) == base1 + 16

    # port stop: vhost1's socket goes; port start brings it back and p1 reconnects.
    assert "Port 1 (vhost1) stopped" in vdp.ctl_ok("port", "stop", "vhost1")
    js = vdp.ctl_json("show", "port", "info", "vhost1")
    assert js["ports"][0]["started"] is False
    assert "Port 1 (vhost1) started" in vdp.ctl_ok("port", "start", "all")
    assert "vhost0 <-> vhost1" in vdp.ctl_ok("add", "xconnect", "vhost0", "vhost1")

    # An ethdev attached and detached at run time.
    out = vdp.ctl_ok("port", "attach", "net_null0")
    assert "Port 2 (net_null0) attached" in out
    assert "net_null0:0" in vdp.ctl_ok("show", "config", "fwd")
    assert "Port 2 (net_null0) removed" in vdp.ctl_ok("port", "detach", "net_null0")
    assert "net_null0" not in vdp.ctl_ok("show", "config", "fwd")
    # The device went with the port: the same devargs attach again.
    assert "Port 2 (net_null0) attached" in vdp.ctl_ok("port", "attach", "net_null0")
    vdp.ctl_ok("del", "port", "net_null0")
    assert "general:" in vdp.ctl_ok("help")
    assert vdp.ctl_ok("help", "vhost").startswith("vhost: ")
    assert vdp.alive()


@pytest.mark.parametrize("words,message", [
    (["bogus"], "unknown command 'bogus'"),
    (["show", "port", "stats"], "usage: show port stats <port>|all"),
    (["show", "port", "stats", "7"], "no port '7'"),
    (["show", "vhost", "nosuch"], "no port 'nosuch'"),
    (["set", "burst", "99"], "burst: bad value '99' (1..64)"),
    (["set", "burst", "x1"], "burst: bad value 'x1'"),
    (["set", "nbcore", "0"], "bad number of cores '0'"),
    (["set", "txpkts", "10"], "txpkts: bad value '10' (60..1518)"),
    (["set", "txpkts", "1000,1000"], "txpkts: bad value '1000,1000' (60..1518)"),
    (["set", "fwd", "teleport"],
     "fwd: unknown mode 'teleport' (io, l2, macswap, rxonly, txonly)"),
    (["set", "rxq", "affinity", "vhost0", "3", "1"], "port vhost0 has no rx queue 3"),
    (["set", "rxq", "affinity", "vhost0", "0", "5"], "lcore 5 is not a worker lcore"),
    (["set", "stats-period", "-1"], "stats-period: bad value '-1' (0..86400)"),
    (["add", "vhost", "vhost1", "/tmp/never.sock"], "already exists"),
    (["add", "vhost", "x", "/tmp/never.sock", "colour=blue"], "unknown key 'colour=blue'"),
    (["del", "port", "vhost9"], "no port 'vhost9'"),
    (["port", "attach", "net_bogus0"], "cannot attach 'net_bogus0'"),
    (["show", "mac", "table"], "no MAC table: forwarding mode is io"),
    (["start"], "forwarding is already started"),
    (["start", "now"], "unknown command 'start now'"),
    (["help", "nosuch"], "no command group 'nosuch'"),
])
def test_bad_input(idle_vdp, words, message):
    vdp = idle_vdp
    rc, out, err = vdp.ctl(*words)
    assert rc == 1 and out == ""
    assert err.startswith("error: ") and message in err, err
    assert len(err.splitlines()) == 1
    assert vdp.alive()


def test_bad_input_stopped_port(idle_vdp):
    vdp = idle_vdp
    vdp.ctl_ok("port", "stop", "vhost1")
    for words, message in [(["port", "stop", "vhost1"], "port vhost1 is already stopped"),
                           (["add", "xconnect", "vhost0", "vhost1"], "port vhost1 is stopped"),
                           (["set", "rxq", "affinity", "vhost1", "0", "1"],
                            "port vhost1 is stopped")]:
        rc, out, err = vdp.ctl(*words)
        assert rc == 1 and err.startswith("error: ") and message in err, err
    vdp.ctl_ok("port", "start", "vhost1")
    rc, out, err = vdp.ctl("--bogus")
    assert rc == 2 and "unknown option" in err
    assert vdp.alive()
