# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""vdp under systemd: the sd_notify messages of Type=notify, received on a
socket of the test's own as $NOTIFY_SOCKET, and the unit file through
systemd-analyze verify.

The build must have libsystemd (CI installs it): without it vdp sends
nothing and the notify test fails.
"""

import os
import re
import shutil
import signal
import socket
import subprocess

from vdptest import BUILD, VDP, VDPCTL, Vdp


def notify_socket(sockdir):
    """A datagram socket bound in @sockdir, as systemd's notify socket."""
    path = os.path.join(sockdir, "notify")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    return s, path


def message(s):
    """The next notify message, as a dict of its assignments."""
    data = s.recv(4096).decode()
    return dict(line.split("=", 1) for line in data.splitlines() if line)


def test_notify(sockdir, procs):
    s, path = notify_socket(sockdir)
    try:
        vdp = Vdp(["--vhost", os.path.join(sockdir, "a.sock"),
                   "--vhost", os.path.join(sockdir, "b.sock")],
                  env={"NOTIFY_SOCKET": path})
        procs.append(vdp)
        vdp.wait_started()
        msg = message(s)
        assert msg == {"READY": "1", "STATUS": "forwarding: 2 ports, 1 workers"}, msg
        assert "forwarding started" in vdp.output()
        vdp.stop(signal.SIGTERM)
        assert vdp.proc.returncode == 0, vdp.output()
        msg = message(s)
        assert msg.get("STOPPING") == "1", msg
    finally:
        s.close()


def test_unit_verifies(sockdir):
    with open(os.path.join(BUILD, "vdp.service")) as f:
        unit = f.read()
    for line in ("Type=notify", "RuntimeDirectory=vdp", "Restart=on-failure",
                 "LimitMEMLOCK=infinity", "StandardError=journal"):
        assert "\n%s\n" % line in unit, line
    exec_start = re.search(r"^ExecStart=(\S+) (.*)$", unit, re.M)
    assert exec_start and exec_start.group(1).endswith("/bin/vdp"), unit
    assert " -- --config " in exec_start.group(2)
    exec_reload = re.search(r"^ExecReload=(\S+) \$VDPCTL_ARGS reload$", unit, re.M)
    assert exec_reload and exec_reload.group(1).endswith("/bin/vdpctl"), unit
    # systemd-analyze wants the programs to exist: the build's, not the
    # installed ones; the man pages are not installed either.
    copy = os.path.join(sockdir, "vdp.service")
    with open(copy, "w") as f:
        f.write(unit.replace("ExecStart=%s " % exec_start.group(1), "ExecStart=%s " % VDP)
                .replace("ExecReload=%s " % exec_reload.group(1), "ExecReload=%s " % VDPCTL))
    analyze = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
    res = subprocess.run([analyze, "verify", "--man=no", copy], capture_output=True,
                         text=True, timeout=60, cwd=sockdir)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert [ln for ln in out.splitlines() if "vdp.service" in ln] == [], out
