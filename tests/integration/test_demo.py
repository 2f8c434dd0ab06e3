# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The README's first command: scripts/demo.sh runs and cleans up."""

import glob
import os
import re
import subprocess

from vdptest import ROOT


def test_demo_runs_and_cleans_up():
    env = dict(os.environ, VDP_BUILD=os.environ.get("VDP_BUILD", os.path.join(ROOT, "build")))
    proc = subprocess.Popen(["bash", os.path.join(ROOT, "scripts", "demo.sh"), "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    try:
        out, _ = proc.communicate(timeout=600)
    finally:
        proc.kill()
    prefix = "vdp-demo-%d" % proc.pid
    assert proc.returncode == 0, out[-3000:]
    assert "Rx-pps" in out
    # vdpctl asked the running vdp through its control socket.
    assert "vhost port 0 (vhost0)" in out and "state: connected since" in out
    m = re.search(r"port 0 \(vhost0, vhost\): rx (\d+) pkts .* tx (\d+) pkts", out)
    assert m, out[-3000:]
    assert int(m.group(1)) > 0 and int(m.group(2)) > 0
    # Turned adaptive, the idle worker went to sleep.
    assert "lcore 1: poll mode adaptive" in out
    assert re.search(r"adaptive: asleep; sleeps [1-9]", out), out[-3000:]
    assert "exited cleanly" in out
    # Nothing of this run left behind: processes (its EAL file prefixes
    # carry the script's pid), run directory, EAL runtime dirs.
    ps = subprocess.run(["pgrep", "-f", "file-prefix %s" % prefix],
                        capture_output=True, text=True)
    assert ps.stdout.strip() == ""
    run_dir = re.search(r"flowgen on (/tmp/vdp-demo\.\w+)/vhost0\.sock", out)
    assert run_dir, out[-3000:]
    assert not os.path.exists(run_dir.group(1))
    assert not glob.glob("/var/run/dpdk/%s*" % prefix)
    assert not glob.glob("/dev/hugepages/%s*" % prefix)
