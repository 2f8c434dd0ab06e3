# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Soak vdp: full-rate traffic for a while, with the peers restarted in
turn, then a report of loss, leaks and the longest stall.

A dpdk-testpmd generator (txonly, no pause) sends into vhost0; vdp
forwards to vhost1, where a testpmd sink (rxonly) takes everything. Every
--restart seconds one peer is killed and started again, the sink and the
generator in turn. vdp's counters are read over telemetry every 0.1 s.

Reported:
  loss     packets vdp took in on vhost0 that it neither sent on vhost1 nor
           counted as a drop (must be 0)
  leaks    mbufs in use and open fds after the traffic stops, against the
           numbers before it started (must not grow)
  stall    the longest time vhost1's tx counter stood still while both
           peers were up and sending
Exit status 0 when there is no loss and no leak.

Run it through scripts/soak.sh, which builds vdp first.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "integration"))
from vdptest import Peer, Vdp, wait_for  # noqa: E402


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--restart", type=float, default=60.0,
                    help="seconds between peer restarts (default 60)")
    ap.add_argument("--dir", default="/tmp/vdp-soak-%d" % os.getpid())
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    s0, s1 = os.path.join(args.dir, "gen.sock"), os.path.join(args.dir, "sink.sock")
    vdp = Vdp(["--vhost", s0, "--vhost", s1])
    peers = {}
    try:
        vdp.wait_started()
        pid = vdp.proc.pid

        def start(which):
            p = Peer(s0 if which == "gen" else s1)
            peers[which] = p
            port = "vhost0" if which == "gen" else "vhost1"
            wait_for(lambda: vdp.port(port)["link_up"], 60, what="%s up" % port)
            if which == "gen":
                p.cmd_out("set fwd txonly")
                p.cmd_out("start")
            else:
                p.rx_only()

        # Before and after: vdp with no peer attached.
        base_fds, base_mbufs = fds(pid), vdp.mbufs_in_use()
        start("sink")
        start("gen")

        end = time.time() + args.minutes * 60
        next_restart = time.time() + args.restart
        turn = ["sink", "gen"]
        restarts = 0
        stall = 0.0
        last_tx, last_move = -1, time.time()
        while time.time() < end:
            now = time.time()
            if now >= next_restart:
                which = turn[restarts % 2]
                peers[which].kill()
                start(which)
                restarts += 1
                next_restart = time.time() + args.restart
                last_tx, last_move = -1, time.time()
                print("[%4.0fs] restarted the %s" % (args.minutes * 60 - (end - now), which),
                      flush=True)
                continue
            tx = vdp.port("vhost1")["tx_packets"]
            if tx != last_tx:
                if last_tx >= 0:
                    stall = max(stall, now - last_move)
                last_tx, last_move = tx, now
            time.sleep(0.1)

        peers["gen"].cmd_out("stop")
        time.sleep(2)
        v0, v1 = vdp.port("vhost0"), vdp.port("vhost1")
        loss = v0["rx_packets"] - v1["tx_packets"] - v1["tx_dropped"]
        for p in peers.values():
            p.kill()
        wait_for(lambda: not vdp.port("vhost0")["link_up"] and
                 not vdp.port("vhost1")["link_up"], 30, what="peers gone")
        time.sleep(1)
        end_fds, end_mbufs = fds(pid), vdp.mbufs_in_use()
        print("soak: %.1f min, %d restarts, vhost0 rx %d, vhost1 tx %d, dropped %d"
              % (args.minutes, restarts, v0["rx_packets"], v1["tx_packets"], v1["tx_dropped"]))
        print("soak: loss %d, mbufs in use %d -> %d, fds %d -> %d, longest stall %.2f s"
              % (loss, base_mbufs, end_mbufs, base_fds, end_fds, stall))
        ok = loss == 0 and end_mbufs <= base_mbufs and end_fds <= base_fds
        print("soak: %s" % ("PASS" if ok else "FAIL"))
        return 0 if ok else 1
    finally:
        for p in peers.values():
            p.kill()
        vdp.stop()


if __name__ == "__main__":
    sys.exit(main())
