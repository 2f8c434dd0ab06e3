# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Adaptive polling: a worker that sleeps after 200 us without packets, on
guest kicks, rx interrupts and the control thread's wake-ups.

Every case counts packets exactly: a lost wake-up shows as a packet that
never arrives (a count short after a settle), never as a slow one. The
worker's state comes from /vdp/lcores (sleeping, sleeps, wake_kick,
wake_interrupt, wake_control, wake_to_packet_log2_us); when the worker is
asleep and nothing is left to wake it, its sleeps are its wake-ups plus the
one it is in.

The race at arming uses the tests' own vhost-user frontend
(tests/fault/vhostuser.py), which makes a packet available at chosen
moments around the worker's arming and kicks only when vdp asks for it, as
a real driver decides.
"""

import os
import random
import re
import subprocess
import sys
import threading
import time

import pytest

from vdptest import VDP, Peer, Vdp, settle, start_pair, unique, wait_for, wait_rx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "fault"))
import vhostuser as vu  # noqa: E402

ADAPTIVE = ["--poll-mode", "adaptive"]
TWO_WORKERS = "0@0,1@1,2@1"
PEER_MAC = "02:00:00:00:00:77"
BLOCKED = "port %s rx queue 0 cannot notify (no rx interrupt)"


def lcore(vdp, n=1):
    """/vdp/lcores of worker lcore n."""
    return vdp.telemetry("/vdp/lcores")["lcore%d" % n]


def lcore_json(vdp, n=1):
    """show lcores (JSON) of worker lcore n."""
    return next(l for l in vdp.ctl_json("show", "lcores")["lcores"] if l["lcore"] == n)


def wait_asleep(vdp, after=-1, timeout=60):
    """Wait until lcore 1 sleeps with more than after sleeps; return its
    telemetry."""
    def asleep():
        l = lcore(vdp)
        return l if l["sleeping"] == 1 and l["sleeps"] > after else None
    return wait_for(asleep, timeout, step=0.01,
                    what="lcore 1 asleep after more than %d sleeps" % after)


def wakeups(l):
    return l["wake_kick"] + l["wake_interrupt"] + l["wake_control"]


def check_quiet(vdp):
    """The worker is asleep and every sleep but this one ended in one
    counted wake-up; returns its telemetry."""
    l = wait_asleep(vdp)
    assert l["sleeps"] == wakeups(l) + 1, l
    return l


def delta(a, b, key):
    return b[key] - a[key]


def exact(vdp, name, rx, tx):
    p = vdp.port(name)
    assert (p["rx_packets"], p["tx_packets"]) == (rx, tx), p
    assert (p["rx_dropped"], p["tx_dropped"]) == (0, 0), p


def both_ways_asleep(vdp, a, b, pa, pb, l):
    """From a sleeping worker (l: its telemetry then): 64 packets from peer
    pa on port a to pb on port b, then, once it sleeps again, 32 back; exact
    counts at both peers and ports. Returns the telemetry of the last sleep."""
    pa.send(2)
    assert wait_rx(pb, 64) == 64
    l = wait_asleep(vdp, l["sleeps"])
    pb.send(1)
    assert wait_rx(pa, 32) == 32
    assert settle(pb, 5) == 64 and settle(pa, 5) == 32
    exact(vdp, a, 64, 32)
    exact(vdp, b, 32, 64)
    return l


def kicks(vdp):
    return {n: v["kicks"] for n, v in vdp.telemetry("/vdp/vhost").items()}


def settled_kicks(vdp):
    """The kick counters once the control thread's ticks stop moving them."""
    last = None
    for _ in range(30):
        now = kicks(vdp)
        if now == last:
            return now
        last = now
        time.sleep(1.0)
    return last


# --- 1. bursts with idle gaps --------------------------------------------

BURSTS = 50


@pytest.mark.parametrize("engine,layout", [("virtq", "split"), ("virtq", "packed"),
                                           ("rte", "split"), ("rte", "packed")])
def test_bursts_with_idle_gaps(sockdir, procs, engine, layout):
    opt = ",engine=rte" if engine == "rte" else ""
    peer = {"packed": layout == "packed"}
    vdp, p0, p1 = start_pair(sockdir, procs, opt, peers=(peer, peer), args=ADAPTIVE)
    for name in ("vhost0", "vhost1"):
        v = vdp.ctl_json("show", "vhost", name)["ports"][0]
        assert v["engine"] == engine
        assert {r["layout"] for r in v["vrings"]} == {layout}
    p1.rx_only()
    first = l = wait_asleep(vdp)
    assert l["poll_mode"] == "adaptive"
    # One burst at a time, each one into a sleeping worker.
    for i in range(BURSTS):
        p0.send(1)
        assert wait_rx(p1, 32 * (i + 1)) == 32 * (i + 1)
        l = wait_asleep(vdp, l["sleeps"])
    assert settle(p1, 5) == 32 * BURSTS
    assert p0.stats() == (0, 32 * BURSTS)
    exact(vdp, "vhost0", 32 * BURSTS, 0)
    exact(vdp, "vhost1", 0, 32 * BURSTS)
    last = check_quiet(vdp)
    assert delta(first, last, "packets") == 32 * BURSTS
    # Each burst found the worker asleep and woke it with a kick.
    assert delta(first, last, "sleeps") >= BURSTS
    assert delta(first, last, "wake_kick") >= BURSTS
    assert delta(first, last, "wake_interrupt") == 0
    assert sum(last["wake_to_packet_log2_us"]) - sum(first["wake_to_packet_log2_us"]) >= BURSTS
    j = lcore_json(vdp)
    assert j["poll_mode"] == "adaptive" and j["sleeping"] is True
    assert j["sleep_blocker"] is None
    assert sum(j["wake_to_packet_us"].values()) == sum(last["wake_to_packet_log2_us"])
    assert j["wakeups"]["kick"] == last["wake_kick"]
    assert re.search(r"\n    poll mode adaptive: asleep; sleeps %d, woken by kick %d, interrupt 0, "
                     r"control %d\n    wake-up to first packet \(us\):( [<>=]+\d+ \d+)+\n" %
                     (last["sleeps"], last["wake_kick"], last["wake_control"]),
                     vdp.ctl_ok("show", "lcores"))


# --- 2. a packet made available as the worker arms ----------------------

ROUNDS = 10000


def spin(cond, timeout):
    """Spin on cond() for a few milliseconds, then poll it; whether it held."""
    t0 = time.perf_counter()
    while not cond():
        now = time.perf_counter()
        if now - t0 > timeout:
            return False
        if now - t0 > 0.005:
            time.sleep(0.0002)
    return True


def spin_for(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@pytest.mark.parametrize("engine,layout", [("virtq", "split"), ("virtq", "packed"),
                                           ("rte", "split"), ("rte", "packed")])
def test_race_at_arming(sockdir, procs, engine, layout):
    """One port, the frontend's, paired with itself: each round it makes
    one frame available without a kick, at a moment around the worker's
    arming, then kicks only if vdp asks; the frame must come back."""
    sock = os.path.join(sockdir, "fe.sock")
    vdp = Vdp(ADAPTIVE + ["--vhost", sock + (",engine=rte" if engine == "rte" else "")])
    procs.append(vdp)
    vdp.wait_started()
    fe = vu.Frontend(sock)
    try:
        fe.setup(features=vu.F_VERSION_1 | vu.F_INDIRECT |
                 (vu.F_RING_PACKED if layout == "packed" else 0))
        wait_for(lambda: vdp.port("vhost0")["link_up"], 30, what="frontend up")
        fe.post_rx(64)
        first = wait_asleep(vdp)
        seed = random.randrange(1 << 32)
        rng = random.Random(seed)
        # The frontend on CPU 0, the worker's on CPU 1: the frontend
        # watches the rings while the worker arms.
        affinity = os.sched_getaffinity(0)
        if {0, 1} <= affinity:
            os.sched_setaffinity(0, {0})
        try:
            by_variant = race(vdp, fe, rng, seed)
        finally:
            os.sched_setaffinity(0, affinity)
        # Both of a driver's choices were made: no kick (the worker was
        # polling) and a kick (it had armed).
        kicked = sum(by_variant)
        assert 0 < kicked < ROUNDS, by_variant
        exact(vdp, "vhost0", ROUNDS, ROUNDS)
        last = check_quiet(vdp)
        assert delta(first, last, "packets") == ROUNDS
        assert delta(first, last, "sleeps") > 0
        # A kick wakes the worker once at most; kicks it took back as it
        # found the frame in the re-check woke nobody.
        assert 0 < delta(first, last, "wake_kick") <= kicked
    finally:
        fe.close()


def race(vdp, fe, rng, seed):
    """ROUNDS frames, each one made available at a moment of its own; returns
    how many rounds kicked, by variant."""
    kicked = [0] * 5
    arms = []      # when the worker armed, after the frame before came back
    seen = time.perf_counter()
    for r in range(ROUNDS):
        variant = r % 5
        # Everything but the store that makes the frame available, so that
        # the store comes right at the chosen moment.
        f = vu.frame(r)
        fe.send([f], publish=False)
        if variant < 3:
            # The moment the worker asks for kicks (it armed), then at once,
            # up to 5 or up to 50 us later.
            assert spin(lambda: fe.kick_wanted(vu.TXQ), 30), \
                "round %d: the worker never armed kicks: %r" % (r, lcore(vdp))
            arms = (arms + [time.perf_counter() - seen])[-64:]
            delay = (0, rng.uniform(0, 5e-6), rng.uniform(0, 50e-6))[variant]
        elif variant == 3 and arms:
            # Just before, or just after, where the worker arms as the
            # rounds above saw it: about 200 us after the last frame.
            delay = sorted(arms)[len(arms) // 2] + rng.uniform(-5e-6, 2e-6)
            delay -= time.perf_counter() - seen
        else:
            # Anywhere up to twice the idle threshold.
            delay = rng.uniform(0, 400e-6) - (time.perf_counter() - seen)
        spin_for(delay)
        fe.publish_tx()
        k = fe.kick_if_wanted(vu.TXQ)
        kicked[variant] += k
        if not spin(lambda: fe.used_pending(vu.RXQ) >= 1, 20):
            pytest.fail("round %d (variant %d, delay %.1f us, %s, seed %d): the frame is "
                        "stuck: %d tx used, lcore %r" %
                        (r, variant, delay * 1e6, "kicked" if k else "not kicked", seed,
                         fe.used_pending(vu.TXQ), lcore(vdp)))
        seen = time.perf_counter()
        fe.wait_used(vu.TXQ, 1)
        assert fe.received(fe.wait_used(vu.RXQ, 1)) == [f], "round %d" % r
        fe.post_rx(1)
    return kicked


# --- 3. ports added and removed while the worker sleeps ------------------

def test_port_add_del_while_asleep(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs, args=ADAPTIVE)
    p0.rx_only()
    p1.rx_only()
    l = wait_asleep(vdp)

    s2, s3 = os.path.join(sockdir, "vm2.sock"), os.path.join(sockdir, "vm3.sock")
    assert "Port 2 (vm2) added" in vdp.ctl_ok("add", "vhost", "vm2", s2)
    vdp.ctl_ok("add", "vhost", "vm3", s3)
    vdp.ctl_ok("add", "xconnect", "vm2", "vm3")
    # The control thread woke it for the new plan; it polls the new ports
    # (no guest yet) and sleeps again.
    l2 = wait_asleep(vdp, l["sleeps"])
    assert delta(l, l2, "wake_control") > 0
    assert lcore_json(vdp)["rxq"] == ["vhost0:0", "vhost1:0", "vm2:0", "vm3:0"]

    # Guests attach to the sleeping worker's new ports.
    p2, p3 = Peer(s2), Peer(s3)
    procs += [p2, p3]
    wait_for(lambda: vdp.port("vm2")["link_up"] and vdp.port("vm3")["link_up"],
             60, what="vm2 and vm3 up")
    p2.rx_only()
    p3.rx_only()
    l = both_ways_asleep(vdp, "vm2", "vm3", p2, p3, wait_asleep(vdp))

    # Remove vm2, its guest attached, while the worker sleeps.
    l = wait_asleep(vdp, l["sleeps"])
    vdp.ctl_ok("del", "port", "vm2")
    assert vdp.alive()
    l = wait_asleep(vdp, l["sleeps"])
    assert lcore_json(vdp)["rxq"] == ["vhost0:0", "vhost1:0", "vm3:0"]
    # The first pair still forwards exactly, both ways, into a sleeping worker.
    l = both_ways_asleep(vdp, "vhost0", "vhost1", p0, p1, l)
    # vm3 has no cross-connect any more: what it sends is dropped as no_route.
    l = wait_asleep(vdp, l["sleeps"])
    p3.send(1)
    wait_for(lambda: vdp.port("vm3")["rx_drop_no_route"] == 32, 60, what="no_route drops")
    vdp.ctl_ok("del", "port", "vm3")
    wait_asleep(vdp, l["sleeps"])
    assert lcore_json(vdp)["rxq"] == ["vhost0:0", "vhost1:0"]
    check_quiet(vdp)
    assert vdp.stop() == 0
    assert "exited cleanly" in vdp.output()


# --- 4. poll mode switched back and forth under traffic -----------------

TOGGLES = 20


def toggle(vdp, errors, seed):
    """Switch lcore 1 adaptive, busy, adaptive, ... (TOGGLES times), for all
    workers or naming lcore 1."""
    rng = random.Random(seed)
    try:
        for i in range(TOGGLES):
            mode = ("adaptive", "busy")[i % 2]
            words = ["set", "poll-mode", mode] + (["1"] if i % 4 >= 2 else [])
            assert vdp.ctl_ok(*words) == "lcore 1: poll mode %s\n" % mode
            time.sleep(rng.uniform(0, 0.1))
    except AssertionError as e:  # reported by the main thread
        errors.append(e)


def test_poll_mode_toggled_under_traffic(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs)
    p0.rx_only()
    p1.rx_only()
    errors = []
    t = threading.Thread(target=toggle, args=(vdp, errors, random.randrange(1 << 32)))
    t.start()
    sent = 0
    while t.is_alive() or sent == 0:
        p0.send(1)
        p1.send(1)
        sent += 32
    t.join()
    assert not errors, errors[0]
    for p in (p0, p1):
        assert wait_rx(p, sent) == sent
        assert settle(p, 5) == sent
        assert p.stats() == (sent, sent)
    exact(vdp, "vhost0", sent, sent)
    exact(vdp, "vhost1", sent, sent)

    # The last switch was to busy: awake, and it stays so under traffic.
    wait_for(lambda: lcore(vdp)["sleeping"] == 0, 30, what="lcore 1 awake")
    assert lcore(vdp)["poll_mode"] == "busy"
    assert lcore_json(vdp)["poll_mode"] == "busy"
    assert re.search(r"^  lcore 1: busy [\d.]+%.*\n    poll mode busy: awake; sleeps",
                     vdp.ctl_ok("show", "lcores"), re.M)
    l = lcore(vdp)
    p0.send(1)
    assert wait_rx(p1, sent + 32) == sent + 32
    assert lcore(vdp)["sleeps"] == l["sleeps"]
    assert lcore(vdp)["sleeping"] == 0

    # Adaptive again: it sleeps, and the next burst wakes it.
    assert vdp.ctl_ok("set", "poll-mode", "adaptive", "1") == "lcore 1: poll mode adaptive\n"
    l = wait_asleep(vdp)
    out = vdp.ctl_ok("show", "lcores")
    assert "\n    poll mode adaptive: asleep; " in out
    p1.send(1)
    assert wait_rx(p0, sent + 32) == sent + 32
    assert settle(p0, 5) == sent + 32 and settle(p1, 5) == sent + 32
    exact(vdp, "vhost0", sent + 32, sent + 32)
    exact(vdp, "vhost1", sent + 32, sent + 32)
    assert delta(l, wait_asleep(vdp, l["sleeps"]), "wake_kick") >= 1
    check_quiet(vdp)


# --- 5. configuration and errors ------------------------------------------

def test_config_poll_mode(sockdir, procs, tmp_path):
    cfg = tmp_path / "adaptive.ini"
    cfg.write_text("[port a]\ntype = vhost\npath = a.sock\n"
                   "[port b]\ntype = vhost\npath = b.sock\n"
                   "[lcore 1]\npoll-mode = adaptive\n")
    vdp = Vdp(["--config", str(cfg), "--run-dir", sockdir], lcores=TWO_WORKERS)
    procs.append(vdp)
    vdp.wait_started()
    out = vdp.ctl_ok("show", "lcores")
    assert re.search(r"^  lcore 1: busy [\d.]+%.*\n    poll mode adaptive: ", out, re.M), out
    assert re.search(r"^  lcore 2: busy [\d.]+%.*\n    poll mode busy$", out, re.M), out
    assert lcore(vdp, 1)["poll_mode"] == "adaptive" and lcore(vdp, 2)["poll_mode"] == "busy"
    wait_asleep(vdp)
    assert lcore(vdp, 2)["sleeps"] == 0

    # Forwarding across the two workers, one of them sleeping: exact.
    a, b = Peer(os.path.join(sockdir, "a.sock")), Peer(os.path.join(sockdir, "b.sock"))
    procs += [a, b]
    wait_for(lambda: vdp.port("a")["link_up"] and vdp.port("b")["link_up"], 60,
             what="links up")
    a.rx_only()
    b.rx_only()
    a.send(2)
    b.send(1)
    assert wait_rx(b, 64) == 64 and wait_rx(a, 32) == 32
    assert settle(b, 5) == 64 and settle(a, 5) == 32
    exact(vdp, "a", 64, 32)
    exact(vdp, "b", 32, 64)
    assert lcore(vdp, 2)["sleeps"] == 0

    # Bad poll modes and lcores at the prompt: clear errors, nothing changes.
    for words, message in [(["set", "poll-mode", "bogus"],
                            "unknown poll mode 'bogus' (busy, adaptive)"),
                           (["set", "poll-mode", "adaptive", "99"],
                            "lcore 99 is not a worker lcore"),
                           (["set", "poll-mode", "busy", "0"],
                            "lcore 0 is not a worker lcore"),
                           (["set", "poll-mode", "adaptive", "x"],
                            "bad lcore 'x' (a number from 0 to 127)"),
                           (["set", "poll-mode"], "usage: set poll-mode busy|adaptive [lcore]")]:
        rc, out, err = vdp.ctl(*words)
        assert rc == 1 and out == "", (words, rc, out, err)
        assert err.startswith("error: ") and message in err, (words, err)
        assert len(err.splitlines()) == 1, err
    assert vdp.alive()
    assert lcore(vdp, 1)["poll_mode"] == "adaptive" and lcore(vdp, 2)["poll_mode"] == "busy"
    assert vdp.ctl_ok("set", "poll-mode", "adaptive", "2") == "lcore 2: poll mode adaptive\n"
    assert lcore(vdp, 2)["poll_mode"] == "adaptive"
    assert vdp.stop() == 0


def run_bad(args):
    cmd = [VDP, "--no-huge", "-m", "256", "--no-pci",
           "--lcores", "0@0,1@1", "--file-prefix", unique("bad"), "--log-level", "*:error",
           "--"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,text,message", [
    (["--poll-mode", "bogus"], None, "vdp: error: --poll-mode: unknown mode 'bogus' "
     "(busy, adaptive)"),
    (["--poll-mode"], None, "vdp: error: option '--poll-mode' needs a value"),
    ([], "[lcore 1]\npoll-mode = x\n", "[lcore 1] poll-mode: unknown mode 'x' (busy, adaptive)"),
    ([], "[lcore 7]\npoll-mode = adaptive\n", "[lcore 7]: lcore 7 is not a worker lcore"),
    ([], "[lcore 1]\npoll = adaptive\n", "[lcore 1] unknown key 'poll' (rxq, poll-mode)"),
], ids=["bogus", "no-value", "config-bad-mode", "config-not-worker", "config-bad-key"])
def test_bad_poll_mode(tmp_path, args, text, message):
    if text is not None:
        cfg = tmp_path / "bad.ini"
        cfg.write_text("[port a]\ntype = vhost\npath = a.sock\n" + text)
        args = args + ["--config", str(cfg), "--run-dir", str(tmp_path)]
    res = run_bad(args)
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    assert res.returncode == 2, res.stdout + res.stderr
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("vdp: error: ") and message in lines[0], lines[0]


# --- 6. busy mode takes no kicks; adaptive under load -------------------

def flood(vdp, src, dst, seconds):
    """src sends txonly for a while; every packet is accounted for exactly:
    vdp took all src sent, and gave dst all it did not drop for a full
    ring. Returns the packets src sent."""
    before = vdp.port("vhost0")
    src.cmd_out("stop")
    src.cmd_out("set fwd txonly")
    src.cmd_out("start")
    time.sleep(seconds)
    src.cmd_out("stop")
    sent = src.stats()[1]
    wait_for(lambda: vdp.port("vhost0")["rx_packets"] == sent, 30, what="vdp took all")
    wait_for(lambda: vdp.port("vhost1")["tx_packets"] + vdp.port("vhost1")["tx_dropped"] ==
             sent, 30, what="vdp gave out all")
    v1 = vdp.port("vhost1")
    assert settle(dst, 5) == v1["tx_packets"]
    assert v1["tx_dropped"] == v1.get("tx_drop_guest_ring_full", 0)
    assert vdp.port("vhost0")["rx_dropped"] == 0
    return sent - before["rx_packets"]


def test_busy_no_kicks_adaptive_under_load(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs)
    p0.rx_only()
    p1.rx_only()
    k0 = settled_kicks(vdp)
    for i in range(10):
        p0.send(1)
        p1.send(1)
    for p in (p0, p1):
        assert wait_rx(p, 320) == 320
        assert settle(p, 5) == 320
    exact(vdp, "vhost0", 320, 320)
    exact(vdp, "vhost1", 320, 320)
    # Busy: kicks stay off both ways; the worker never sleeps.
    assert settled_kicks(vdp) == k0
    l = lcore(vdp)
    assert l["poll_mode"] == "busy"
    assert (l["sleeps"], wakeups(l), l["sleeping"]) == (0, 0, 0)
    flood(vdp, p0, p1, 2)
    assert settled_kicks(vdp) == k0
    assert lcore(vdp)["sleeps"] == 0

    # Adaptive under a continuous flood: it sleeps only where the sender
    # paused, far less often than once every ten bursts it received.
    vdp.ctl_ok("set", "poll-mode", "adaptive")
    l = wait_asleep(vdp)
    sent = flood(vdp, p0, p1, 3)
    l2 = check_quiet(vdp)
    assert delta(l, l2, "sleeps") * 10 < sent // 32, (delta(l, l2, "sleeps"), sent)


# --- 7. ethdev ports: rx interrupts, and ports that cannot notify ------------

def test_ethdev_interrupt_wakes(sockdir, procs):
    """An ethdev whose PMD has rx interrupts (net_virtio_user, with a
    dpdk-testpmd vhost-user backend behind it) next to a vhost port: the
    backend's bursts into a sleeping worker arrive by interrupt."""
    sv, sb = os.path.join(sockdir, "v.sock"), os.path.join(sockdir, "be.sock")
    be = Peer(sb, vdev="net_vhost0,iface=%s,queues=1" % sb)
    procs.append(be)
    vdp = Vdp(ADAPTIVE + ["--vhost", sv], eal=["--vdev", "net_virtio_user0,path=%s" % sb])
    procs.append(vdp)
    vdp.wait_started()
    assert vdp.port("net_virtio_user0")["type"] == "ethdev"
    peer = Peer(sv)
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"] and be.link_up(), 60, what="links up")
    peer.rx_only()
    be.rx_only()
    first = l = wait_asleep(vdp)
    rounds = 10
    for r in range(rounds):
        be.send(1)
        assert wait_rx(peer, 32 * (r + 1)) == 32 * (r + 1)
        l = wait_asleep(vdp, l["sleeps"])
    peer.send(2)
    assert wait_rx(be, 64) == 64
    assert settle(peer, 5) == 32 * rounds and settle(be, 5) == 64
    p = vdp.port("net_virtio_user0")
    assert (p["rx_packets"], p["tx_packets"]) == (32 * rounds, 64)
    exact(vdp, "vhost0", 64, 32 * rounds)
    last = check_quiet(vdp)
    assert delta(first, last, "wake_interrupt") >= rounds
    assert delta(first, last, "wake_kick") >= 1
    assert lcore_json(vdp)["sleep_blocker"] is None


def ns(name, *cmd, **kw):
    return subprocess.run(["ip", "netns", "exec", name] + list(cmd), check=True,
                          capture_output=True, text=True, **kw)


# Sends argv[3] frames of EtherType 0x88b5 (nothing in the kernel answers
# them) from the interface argv[1] to the MAC argv[2].
SENDER = r"""
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
mac = lambda t: bytes(int(x, 16) for x in t.split(":"))
src = mac(open("/sys/class/net/%s/address" % sys.argv[1]).read().strip())
for i in range(int(sys.argv[3])):
    s.send(mac(sys.argv[2]) + src + struct.pack("!HI", 0x88b5, i) + bytes(50))
"""


def test_tap_interrupt_wakes(sockdir, procs, netns):
    """net_tap frames from the kernel side reach the guest exactly; the tap
    queue's interrupt wakes a sleeping worker."""
    ifname = "vdpt" + netns[-6:]
    sock = os.path.join(sockdir, "v.sock")
    vdp = Vdp(ADAPTIVE + ["--vhost", sock], eal=["--vdev", "net_tap0,iface=%s" % ifname])
    procs.append(vdp)
    vdp.wait_started()
    peer = Peer(sock, mac=PEER_MAC)
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up")
    peer.rx_only()
    subprocess.run(["ip", "link", "set", ifname, "netns", netns], check=True)
    ns(netns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    ns(netns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % ifname)
    ns(netns, "ip", "link", "set", ifname, "up")
    # The tap was up in the root namespace first: count from here.
    base = settle(peer, 5)
    tap_base = vdp.port("net_tap0")["rx_packets"]

    def decided():
        j = lcore_json(vdp)
        return j if j["sleeping"] or j["sleep_blocker"] is not None else None

    first = lcore(vdp)
    rounds = 5
    for r in range(rounds):
        wait_for(decided, 30, step=0.01, what="lcore 1 asleep or polling on")
        ns(netns, sys.executable, "-c", SENDER, ifname, PEER_MAC, "4")
        assert wait_rx(peer, base + 4 * (r + 1)) == base + 4 * (r + 1)
    assert settle(peer, 5) == base + 4 * rounds
    assert vdp.port("net_tap0")["rx_packets"] - tap_base == 4 * rounds
    blocker = lcore_json(vdp)["sleep_blocker"]
    last = check_quiet(vdp)
    assert blocker is None
    assert delta(first, last, "wake_interrupt") >= rounds


@pytest.mark.parametrize("vdev,name", [("net_ring0", "net_ring0"),
                                       ("net_null0,no-rx=1", "net_null0")])
def test_port_without_interrupt_keeps_polling(sockdir, procs, vdev, name):
    sock = os.path.join(sockdir, "v.sock")
    vdp = Vdp(ADAPTIVE + ["--vhost", sock], eal=["--vdev", vdev])
    procs.append(vdp)
    vdp.wait_started()
    peer = Peer(sock)
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up")
    peer.rx_only()
    why = BLOCKED % name
    wait_for(lambda: lcore_json(vdp)["sleep_blocker"] == why, 30, what="sleep blocker")
    out = vdp.ctl_ok("show", "lcores")
    assert "\n    poll mode adaptive: awake; sleeps 0, " in out and "\n    keeps polling: %s\n" % why in out
    peer.send(3)
    if name == "net_ring0":
        # net_ring's port sends into its own rx ring: everything comes back.
        assert wait_rx(peer, 96) == 96
        assert settle(peer, 5) == 96
        p = vdp.port(name)
        assert (p["tx_packets"], p["rx_packets"]) == (96, 96)
    else:
        wait_for(lambda: vdp.port(name)["tx_packets"] >= 96, 60, what="null tx")
        assert settle(peer, 5) == 0
        assert vdp.port(name)["tx_packets"] == 96
    assert vdp.port("vhost0")["rx_packets"] == 96
    l = lcore(vdp)
    assert (l["sleeps"], wakeups(l), l["sleeping"]) == (0, 0, 0)
    j = lcore_json(vdp)
    assert j["sleep_blocker"] == why and j["sleeps"] == 0 and j["sleeping"] is False
