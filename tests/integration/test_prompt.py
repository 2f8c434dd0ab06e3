# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The vdp> prompt on a pseudo-terminal: commands against live traffic,
completion with Tab, errors that leave the prompt running, quit."""

import os
import re

from vdptest import Peer, VdpPrompt, settle, wait_for, wait_rx


def test_prompt_with_traffic(sockdir, procs):
    s0, s1 = os.path.join(sockdir, "a.sock"), os.path.join(sockdir, "b.sock")
    vdp = VdpPrompt(["--vhost", s0, "--vhost", s1])
    procs.append(vdp)
    p0, p1 = Peer(s0), Peer(s1)
    procs += [p0, p1]
    wait_for(lambda: "Link status: up" in vdp.cmd_out("show port info 1") and
             "Link status: up" in vdp.cmd_out("show port info 0"), 60, what="links up")
    p0.rx_only()
    p1.rx_only()
    p0.send(5)
    assert wait_rx(p1, 160) == 160
    assert settle(p1) == 160

    out = vdp.cmd_out("show port stats all")
    assert [int(x) for x in re.findall(r"RX-packets:\s+(\d+)", out)] == [160, 0]
    assert [int(x) for x in re.findall(r"TX-packets:\s+(\d+)", out)] == [0, 160]
    out = vdp.cmd_out("show vhost vhost1")
    assert "state: connected since" in out and "MRG_RXBUF" in out
    assert re.search(r"lcore 1: busy [\d.]+%, [\d.]+ cycles/pkt, 160 pkts", vdp.cmd_out("show lcores"))
    assert "vhost0 -> vhost1" in vdp.cmd_out("show config fwd")

    # Bad input: an error line, and the prompt is back.
    assert "error: unknown command 'bogus' (try help)" in vdp.cmd_out("bogus")
    assert "error: burst: bad value '0' (1..64)" in vdp.cmd_out("set burst 0")
    assert "error: no port 'nosuch'" in vdp.cmd_out("show port stats nosuch")
    assert "error: usage: show port stats <port>|all" in vdp.cmd_out("show port stats")

    # Tab completes command words and port names.
    vdp.buf = ""
    vdp.type("show po\t")
    vdp.expect(r"show port ", 30)
    vdp.type("st\t")
    vdp.expect(r"stats ", 30)
    vdp.type("vhost1\t")  # a full name: completion adds the space
    out = vdp.cmd_out("")
    assert "NIC statistics for port 1 (vhost1)" in out
    assert "port 0" not in out

    assert "set fwd <mode>" in vdp.cmd_out("help fwd")
    assert "Set macswap packet forwarding mode" in vdp.cmd_out("set fwd macswap")
    p0.send(1)
    assert wait_rx(p0, 32) == 32
    assert vdp.alive()

    vdp.type("quit\n")
    vdp.proc.wait(60)
    assert vdp.proc.returncode == 0
    vdp.read(1)
    assert "vdp summary" in vdp.transcript and "exited cleanly" in vdp.transcript
