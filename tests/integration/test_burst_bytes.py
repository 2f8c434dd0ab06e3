# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The rx byte budget per burst (burst-bytes): set at run time through the
option table, refused out of range, and traffic still forwarded exactly
when it cuts every burst short."""

import re
import signal
import subprocess

from vdptest import VDP, settle, start_pair, unique, wait_rx


def test_set_burst_bytes_and_forward_exactly(sockdir, procs):
    vdp, p0, p1 = start_pair(sockdir, procs)
    assert vdp.ctl_json("show", "config", "fwd")["burst_bytes"] == 524288

    for bad in ("1517", "16777217", "2k"):
        rc, out, err = vdp.ctl("set", "burst-bytes", bad)
        assert (rc, out) == (1, "")
        assert err == "error: burst-bytes: bad value '%s' (1518..16777216)\n" % bad
    assert vdp.ctl_json("show", "config", "fwd")["burst_bytes"] == 524288
    assert vdp.ctl_ok("set", "burst-bytes", "2048") == "Rx byte budget per burst set to 2048\n"
    assert vdp.ctl_json("show", "config", "fwd")["burst_bytes"] == 2048
    assert " - burst=32 - burst-bytes=2048 - " in vdp.ctl_ok("show", "config", "fwd")

    # 1000-byte frames: three reach 2048 bytes, so no burst holds more.
    p1.rx_only()
    p0.cmd_out("stop")
    p0.cmd_out("set txpkts 1000")
    p0.send(5)
    assert wait_rx(p1, 160) == 160
    assert settle(p1) == 160
    assert p1.stats()[0] == 160
    v0, v1 = vdp.port("vhost0"), vdp.port("vhost1")
    assert (v0["rx_packets"], v0["rx_bytes"]) == (160, 160 * 1000)
    assert (v1["tx_packets"], v1["tx_bytes"], v1["tx_dropped"]) == (160, 160 * 1000, 0)
    x = vdp.ctl_json("show", "port", "xstats", "vhost0")["ports"][0]["xstats"]
    assert x["rx_packets"] == 160
    assert x["rx_bursts"] >= (160 + 2) // 3
    # testpmd publishes 32 at a time: some bursts stopped at the budget.
    assert 1 <= x["rx_budget_cuts"] <= x["rx_bursts"]
    assert x["rx_q0_budget_cuts"] == x["rx_budget_cuts"]

    # The summary's burst-size histogram: no burst took more than three.
    p0.kill()
    p1.kill()
    assert vdp.stop(signal.SIGTERM) == 0
    hist = {}
    for line in re.findall(r"^  lcore \d+ rx bursts:(.*)$", vdp.output(), re.M):
        for size, count in re.findall(r" (\S+):(\d+)", line):
            hist[size] = hist.get(size, 0) + int(count)
    assert set(hist) <= {"1", "2-3"}, hist
    ones, more = hist.get("1", 0), hist.get("2-3", 0)
    assert ones + 2 * more <= 160 <= ones + 3 * more
    assert ones + more == x["rx_bursts"]


def test_command_line_refuses_zero():
    res = subprocess.run([VDP, "--no-huge", "-m", "256", "--no-pci", "--lcores", "0@0,1@1",
                          "--file-prefix", unique("bytes"), "--log-level", "*:error", "--",
                          "--burst-bytes", "0"], capture_output=True, text=True, timeout=120)
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    assert res.returncode == 2, res.stdout + res.stderr
    assert lines == ["vdp: error: --burst-bytes: bad value '0' (1518..16777216)"]
