# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The README's first command: scripts/demo.sh runs and cleans up."""

import glob
import os
import re
import subprocess

from vdptest import ROOT


def test_demo_runs_and_cleans_up():
    before = set(glob.glob("/tmp/vdp-demo.*"))
    env = dict(os.environ, VDP_BUILD=os.environ.get("VDP_BUILD", os.path.join(ROOT, "build")))
    res = subprocess.run(["bash", os.path.join(ROOT, "scripts", "demo.sh"), "6"],
                         capture_output=True, text=True, timeout=600, env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-3000:]
    assert "Rx-pps" in out
    # vdpctl asked the running vdp through its control socket.
    assert "vhost port 0 (vhost0)" in out and "state: connected since" in out
    m = re.search(r"port 0 \(vhost0, vhost\): rx (\d+) pkts .* tx (\d+) pkts", out)
    assert m, out[-3000:]
    assert int(m.group(1)) > 0 and int(m.group(2)) > 0
    assert "exited cleanly" in out
    # Nothing left behind: processes, run directory, EAL runtime dirs.
    ps = subprocess.run(["pgrep", "-f", "vdp-demo"], capture_output=True, text=True)
    assert ps.stdout.strip() == ""
    assert set(glob.glob("/tmp/vdp-demo.*")) == before
    assert not os.path.exists("/var/run/dpdk/vdp-demo")
    assert not glob.glob("/dev/hugepages/vdp-demo*")
