# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Rx queues placed by measured load: show rxq, rebalance, auto-lb.

vdp runs two workers on one CPU (--lcores 0@0,1@1,2@1) and two vhost-user
ports with two queue pairs each, cross-connected. For the skew, each peer
is a testpmd whose virtio-user port uses one queue pair of the two (testpmd
polls min(rxq, txq) queues, so a peer cannot receive on two and send on
one): vdp's rx queue 0 of each port carries all the load and queue 1
none. Round robin (and group, with no load measured yet) puts both loaded
queues on the first worker: the skew that placement by load is for. The
last test has peers on both queue pairs, so that two workers each carry
real traffic on both queues of both ports. Packets are counted at both
ends across every move.
"""

import os

import pytest

from vdptest import Peer, Vdp, wait_for, settle

LCORES = "0@0,1@1,2@1"
LOADED = {("vhost0", 0), ("vhost1", 0)}


def start(sockdir, procs, args, peer_queues=1):
    s0, s1 = os.path.join(sockdir, "a.sock"), os.path.join(sockdir, "b.sock")
    vdp = Vdp(["--vhost", s0 + ",queues=2", "--vhost", s1 + ",queues=2",
               "--load-interval", "200"] + args, lcores=LCORES)
    procs.append(vdp)
    vdp.wait_started()
    # txonly never refills the rx rings: room for both rings full and the tx ones.
    peers = [Peer(s, queues=peer_queues, extra=["--total-num-mbufs=16384"]) for s in (s0, s1)]
    procs += peers
    wait_for(lambda: vdp.port("vhost0")["link_up"] and vdp.port("vhost1")["link_up"],
             60, what="both links up")
    return vdp, peers


def placement(vdp):
    """{(port, queue): lcore} from show rxq."""
    return {(r["port"], r["queue"]): r["lcore"] for r in vdp.ctl_json("show rxq")["rxqs"]}


def full_history(vdp):
    return vdp.ctl_json("show rxq")["samples"] == 6


def refused(vdp, *words):
    """Run a command that must fail; return what it printed."""
    rc, out, err = vdp.ctl(*words)
    assert rc != 0, out
    return out + err


def generate(peer):
    peer.cmd_out("stop")
    peer.cmd_out("set fwd txonly")
    peer.cmd_out("start")


def stop_and_count(vdp, peers, senders):
    """Stop the generators, let everything drain, and check that every
    packet a sender sent was received by vdp and then either reached the
    other peer or is counted as a drop at vdp's tx side."""
    for p in senders:
        p.rx_only()
    for p in peers:
        settle(p)
    for i, p in enumerate(peers):
        other = peers[1 - i]
        sent = p.stats()[1]
        rx = vdp.port("vhost%d" % i)
        tx = vdp.port("vhost%d" % (1 - i))
        assert rx["rx_packets"] == sent, (rx, sent)
        assert rx["rx_dropped"] == 0, rx
        # What vdp took from one guest it gave to the other or counted.
        assert tx["tx_packets"] + tx["tx_dropped"] == sent, (tx, sent)
        assert other.stats()[0] == tx["tx_packets"]
        drops = {k for k in tx if k.startswith("tx_drop_")}
        assert drops <= {"tx_drop_guest_ring_full"}, tx


def test_show_rxq_skew_then_rebalance(sockdir, procs):
    vdp, peers = start(sockdir, procs, ["--rxq-assign", "group"])
    before = placement(vdp)
    assert len(before) == 4
    # No load yet: group places like round robin, both loaded queues on lcore 1.
    assert before[("vhost0", 0)] == before[("vhost1", 0)] == 1
    assert before[("vhost0", 1)] == before[("vhost1", 1)] == 2
    for p in peers:
        generate(p)
    wait_for(lambda: full_history(vdp), 60, what="a full load history")

    def skewed():
        rxqs = vdp.ctl_json("show rxq")["rxqs"]
        load = {(r["port"], r["queue"]): r for r in rxqs}
        return all(load[k]["packets"] > 0 and load[k]["cycles"] > 0 for k in LOADED) and \
            all(load[k]["packets"] == 0 and load[k]["cycles"] == 0
                for k in load if k not in LOADED) and load
    load = wait_for(skewed, 60, what="load on queue 0 of each port only")
    assert load[("vhost0", 0)]["busy_pct"] > 0
    text = vdp.ctl_ok("show rxq")
    assert "assignment group" in text and "lcore 1 (socket " in text, text
    assert "vhost0 rxq 0: " in text and "of the lcore's busy cycles" in text, text

    # The dry run moves nothing and says what it would do.
    out = vdp.ctl_ok("rebalance")
    assert "dry run" in out and "Run \"rebalance apply\"" in out, out
    dry = vdp.ctl_json("rebalance", "dry-run")
    assert dry["applied"] is False and dry["moves"] >= 1
    assert dry["improvement_pct"] > 25, dry
    new = {(r["port"], r["queue"]): r["new_lcore"] for r in dry["rxqs"]}
    assert new[("vhost0", 0)] != new[("vhost1", 0)], dry
    assert placement(vdp) == before

    # Applied under traffic: the loaded queues part, and nothing is lost.
    done = vdp.ctl_json("rebalance", "apply")
    assert done["applied"] is True and done["moves"] == dry["moves"]
    after = placement(vdp)
    assert after == new
    assert after[("vhost0", 0)] != after[("vhost1", 0)]
    # Both workers now forward: the second one receives too.
    wait_for(lambda: vdp.ctl_json("show lcores")["lcores"][1]["packets"] > 0,
             60, what="the second worker receiving")
    assert vdp.ctl_json("show rxq")["auto_lb"]["rebalances"] == 1
    stop_and_count(vdp, peers, peers)

    assert "unknown argument 'now' (dry-run, apply)" in refused(vdp, "rebalance", "now")
    assert "rxq-assign: unknown value 'busiest' (roundrobin, cycles, group)" in \
        refused(vdp, "set", "rxq-assign", "busiest")
    assert placement(vdp) == after
    # roundrobin places afresh at once, by queue order alone.
    assert "Rx queues placed by roundrobin" in vdp.ctl_ok("set", "rxq-assign", "roundrobin")
    assert placement(vdp) == before
    assert vdp.alive()


def test_auto_lb(sockdir, procs):
    vdp, peers = start(sockdir, procs, ["--rxq-assign", "group", "--auto-lb", "on",
                                        "--auto-lb-load-threshold", "0",
                                        "--auto-lb-interval", "0"])
    before = placement(vdp)
    assert before[("vhost0", 0)] == before[("vhost1", 0)] == 1

    # One loaded queue: no placement balances two workers better than
    # this one, so auto-lb looks (dry runs) and leaves it alone.
    generate(peers[0])

    def loaded():
        rxqs = vdp.ctl_json("show rxq")
        return rxqs["samples"] == 6 and all(
            (r["cycles"] > 0) == ((r["port"], r["queue"]) == ("vhost0", 0))
            for r in rxqs["rxqs"]) and rxqs["auto_lb"]["dry_runs"]
    dry = wait_for(loaded, 60, what="load on vhost0 rxq 0 alone")
    wait_for(lambda: vdp.ctl_json("show rxq")["auto_lb"]["dry_runs"] >= dry + 3, 60,
             what="auto-lb dry runs with that load")
    lb = vdp.ctl_json("show rxq")["auto_lb"]
    assert lb["rebalances"] == 0 and lb["last"] == "no improvement worth a move", lb
    assert placement(vdp) == before

    # Both loaded queues on one worker: auto-lb moves one away by itself.
    generate(peers[1])
    wait_for(lambda: vdp.ctl_json("show rxq")["auto_lb"]["rebalances"] >= 1, 60,
             what="an automatic rebalance")
    after = placement(vdp)
    assert after[("vhost0", 0)] != after[("vhost1", 0)], after
    assert "auto-lb: " in vdp.output() and "rx queues moved" in vdp.output()
    # Once apart, nothing better exists: no further moves.
    rebalances = vdp.ctl_json("show rxq")["auto_lb"]["rebalances"]
    dry = vdp.ctl_json("show rxq")["auto_lb"]["dry_runs"]
    wait_for(lambda: vdp.ctl_json("show rxq")["auto_lb"]["dry_runs"] >= dry + 6, 60,
             what="more dry runs")
    assert vdp.ctl_json("show rxq")["auto_lb"]["rebalances"] == rebalances
    stop_and_count(vdp, peers, peers)

    assert "auto-lb off" in vdp.ctl_ok("set", "auto-lb", "off")
    out = vdp.ctl_ok("set", "auto-lb", "improvement-threshold", "50")
    assert "improvement threshold 50%" in out
    assert "auto-lb-load-threshold: bad value '101' (0..100)" in \
        refused(vdp, "set", "auto-lb", "load-threshold", "101")
    assert "unknown setting 'speed'" in refused(vdp, "set", "auto-lb", "speed", "1")
    assert vdp.telemetry("/vdp/rxqs")["vhost0/rxq0"]["lcore"] == after[("vhost0", 0)]
    assert vdp.alive()


def test_multiqueue_two_workers(sockdir, procs):
    """Both queue pairs of both ports carry traffic, one per worker, and
    a rebalance under that traffic loses nothing."""
    vdp, peers = start(sockdir, procs, ["--rxq-assign", "cycles"], peer_queues=2)
    before = placement(vdp)
    # cycles with no load yet goes up then down: lcores 1, 2, 2, 1.
    assert [before[("vhost0", 0)], before[("vhost0", 1)],
            before[("vhost1", 0)], before[("vhost1", 1)]] == [1, 2, 2, 1]
    for p in peers:
        generate(p)
    wait_for(lambda: full_history(vdp), 60, what="a full load history")
    for n in ("vhost0", "vhost1"):
        wait_for(lambda: all(vdp.port(n)[k] > 0 for k in
                             ("rxq0_packets", "rxq1_packets", "txq0_packets", "txq1_packets")),
                 60, what="%s: both rx and both tx queues busy" % n)
    # Samples that began after the generators started show every queue loaded.
    wait_for(lambda: all(r["packets"] > 0 and r["cycles"] > 0
                         for r in vdp.ctl_json("show rxq")["rxqs"]), 60,
             what="load on all four rx queues")
    done = vdp.ctl_json("rebalance", "apply")
    assert done["applied"] is (done["moves"] > 0)
    assert placement(vdp) == {(r["port"], r["queue"]): r["new_lcore"] for r in done["rxqs"]}
    stop_and_count(vdp, peers, peers)
    assert vdp.alive()


@pytest.mark.parametrize("args,msg", [
    (["--rxq-assign", "fastest"],
     "--rxq-assign: unknown value 'fastest' (roundrobin, cycles, group)"),
    (["--auto-lb", "yes"], "--auto-lb: unknown value 'yes' (off, on)"),
    (["--load-interval", "10"], "--load-interval: bad value '10' (100..600000)"),
])
def test_bad_options(args, msg):
    import subprocess
    from vdptest import VDP
    res = subprocess.run([VDP, "--no-huge", "-m", "256", "--no-pci", "--lcores", LCORES,
                          "--file-prefix", "vdpbad", "--"] + args,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res
    assert msg in res.stdout + res.stderr, res.stdout + res.stderr
