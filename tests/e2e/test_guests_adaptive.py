# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Adaptive poll mode under real guests: vdp's worker sleeps while the
guests are idle, and guest A's kick wakes it for the next ping.

The test paces guest A: A blocks on its second serial port (ttyS1, a
QEMU unix socket) and pings B once per line the test writes there. The
test writes a line only after telemetry has shown the worker asleep and
two more idle seconds have passed, so each round starts from a sleeping
worker that nothing but a guest kick can wake for the ping."""

import os
import re
import signal
import socket
import time

import pytest

from guest import Guest
from test_guests import A_IP, B_IP, HELPERS, start_vdp
from vdptest import wait_for

ROUNDS = 5
PINGS = 3  # echo requests per round

# Guest A: reach B (vdp awake, busy with the first packets), then one
# round per line on ttyS1, each "ping -c PINGS" with every reply required.
# A failed round is reported and the next one still runs.
PACED_PINGS = HELPERS + """
reach %(b)s
exec 3< /dev/ttyS1
stty -echo <&3 || true
fail=0
r=1
while [ $r -le %(rounds)d ]; do
	echo "round $r: waiting"
	read -r go <&3
	ping -c %(n)d -i 0.2 -W 5 %(b)s > /tmp/ping.out || true
	if grep -q "%(n)d packets transmitted, %(n)d packets received" /tmp/ping.out; then
		echo "round $r: %(n)d of %(n)d answered"
	else
		cat /tmp/ping.out
		echo "round $r: lost"
		fail=1
	fi
	r=$((r + 1))
done
[ $fail = 0 ]
"""

SHOW_LCORES = re.compile(r"adaptive: (asleep|awake); sleeps (\d+), woken by kick (\d+), "
                         r"interrupt (\d+), control (\d+)")


def worker(vdp):
    return vdp.telemetry("/vdp/lcores")["lcore1"]


def wait_asleep(vdp, what):
    return wait_for(lambda: (lambda w: w if w["sleeping"] == 1 else None)(worker(vdp)),
                    60, what="worker asleep " + what)


def connect(path):
    def attempt():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            return None
    return wait_for(attempt, 60, what="QEMU serial socket " + path)


# split: adaptive from the command line; packed: vdp starts busy and the
# control socket switches it (set poll-mode adaptive).
@pytest.mark.parametrize("packed", [False, True], ids=["split-cmdline", "packed-ctl"])
def test_adaptive_wakes_on_guest_kick(image, workdir, procs, packed):
    socks = [os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")]
    args = ["--vhost", socks[0], "--vhost", socks[1]]
    vdp = start_vdp(procs, args + ([] if packed else ["--poll-mode", "adaptive"]))
    pace = os.path.join(workdir, "a.pace")
    a = Guest(image, workdir, socks[0], PACED_PINGS % {"b": B_IP, "rounds": ROUNDS, "n": PINGS},
              ip=A_IP + "/24", packed=packed, timeout=600,
              extra=["-serial", "unix:%s,server=on,wait=off" % pace])
    procs.append(a)
    b = Guest(image, workdir, socks[1], HELPERS + "reach %s\n" % A_IP, ip=B_IP + "/24",
              packed=packed, timeout=300)
    procs.append(b)
    ctl = connect(pace)
    try:
        a.wait_output(r"round 1: waiting", timeout=300)
        b.wait_result(timeout=300)
        if packed:
            assert worker(vdp)["poll_mode"] == "busy" and worker(vdp)["sleeps"] == 0
            assert "lcore 1: poll mode adaptive" in vdp.ctl_ok("set", "poll-mode", "adaptive")
        assert worker(vdp)["poll_mode"] == "adaptive"
        base = wait_asleep(vdp, "after boot")
        rx0 = vdp.port("vhost0")["rx_packets"]
        for r in range(1, ROUNDS + 1):
            a.wait_output(r"round %d: waiting" % r, timeout=120)
            wait_asleep(vdp, "before round %d" % r)
            time.sleep(2)
            before = wait_asleep(vdp, "2 s into round %d" % r)
            ctl.sendall(b"go\n")
            a.wait_output(r"round %d: (\d+ of \d+ answered|lost)" % r, timeout=120)
            assert "round %d: %d of %d answered" % (r, PINGS, PINGS) in a.output(), \
                a.describe()
            after = wait_asleep(vdp, "after round %d" % r)
            # Asleep before the ping and asleep again after it: a kick
            # woke the worker, and it went back to sleep.
            assert after["wake_kick"] > before["wake_kick"], (before, after)
            assert after["sleeps"] > before["sleeps"], (before, after)
        a.wait_result(timeout=120)
    finally:
        ctl.close()
    end = wait_asleep(vdp, "at the end")
    assert end["poll_mode"] == "adaptive"
    assert end["sleeps"] - base["sleeps"] >= ROUNDS, (base, end)
    assert end["wake_kick"] - base["wake_kick"] >= ROUNDS, (base, end)
    # PINGS echo requests per round came from A (ARP may add more).
    assert vdp.port("vhost0")["rx_packets"] - rx0 >= ROUNDS * PINGS
    assert vdp.port("vhost1")["rx_packets"] >= ROUNDS * PINGS
    out = vdp.ctl_ok("show", "lcores")
    m = SHOW_LCORES.search(out)
    assert m, out
    assert int(m.group(2)) >= end["sleeps"] and int(m.group(3)) >= end["wake_kick"], out
    assert a.alive() and b.alive()
    a.stop()
    b.stop()
    assert vdp.stop(signal.SIGTERM) == 0
    assert "exited cleanly" in vdp.output()
