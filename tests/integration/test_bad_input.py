# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Every bad input ends with one clear line on stderr and exit status 2."""

import os
import socket
import subprocess

import pytest

from vdptest import VDP, unique


def run(args, eal=None, lcores="0@0,1@1"):
    cmd = [VDP, "--no-huge", "-m", "256", "--no-pci", "--lcores", lcores,
           "--file-prefix", unique("bad"), "--log-level", "*:error"]
    cmd += (eal or []) + ["--"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def check(res, message):
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    assert res.returncode == 2, res.stdout + res.stderr
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("vdp: error: ")
    assert message in lines[0]


@pytest.mark.parametrize("args,message", [
    (["--bogus"], "unknown option '--bogus'"),
    (["--burst", "0"], "--burst: bad value '0'"),
    (["--burst", "12x"], "--burst: bad value '12x'"),
    (["--stats-period", "-1"], "--stats-period: bad value"),
    (["--fwd", "teleport"], "--fwd: unknown mode 'teleport'"),
    (["--vhost", "/tmp/x.sock,queues=99"], "--vhost: queues=99: bad value '99'"),
    (["--vhost", "/tmp/x.sock,colour=blue"], "--vhost: unknown key 'colour=blue'"),
    (["--vhost", "/tmp/x.sock,zcopy=maybe"],
     "--vhost: zcopy=maybe: bad value 'maybe' (auto, on or off)"),
    (["--vhost", "/tmp/x.sock,zcopy-min=70000"], "--vhost: zcopy-min=70000: bad value '70000'"),
    (["--port-pair", "vhost0"], "bad port pair 'vhost0'"),
    (["--config", "/nonexistent/vdp.ini"], "cannot read config file '/nonexistent/vdp.ini'"),
    (["--fwd"], "option '--fwd' needs a value"),
])
def test_bad_option(args, message):
    check(run(args), message)


@pytest.mark.parametrize("text,message", [
    ("[port p]\ntype = teleport\n", "unknown type 'teleport'"),
    ("[port p]\ntype = vhost\n", "[port p] needs a path"),
    ("[port p]\ntype = vhost\npath = p.sock\nqueues = 0\n", "queues: bad value '0'"),
    ("[port p]\ntype = vhost\npath = p.sock\nzcopy = fast\n",
     "[port p] zcopy: bad value 'fast' (auto, on or off)"),
    ("[port p]\ntype = vhost\npath = p.sock\nzcopy-min = -5\n", "zcopy-min: bad value '-5'"),
    ("[fwd]\nmode = io\nspeed = 11\n", "unknown key 'speed'"),
    ("[bridge]\nx = 1\n", "unknown section [bridge]"),
    ("[port a]\ntype = vhost\npath = a.sock\n[port a]\ntype = vhost\npath = b.sock\n",
     "duplicate port name 'a'"),
    ("this is not an ini file\n", "invalid config file"),
])
def test_bad_config(tmp_path, text, message):
    cfg = tmp_path / "bad.ini"
    cfg.write_text(text)
    check(run(["--config", str(cfg), "--run-dir", str(tmp_path)]), message)


def test_duplicate_port_name(tmp_path):
    res = run(["--vhost", "%s/a.sock,name=x" % tmp_path, "--vhost", "%s/b.sock,name=x" % tmp_path])
    check(res, "duplicate port name 'x'")


def test_socket_path_in_use(tmp_path):
    path = str(tmp_path / "busy.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    try:
        check(run(["--vhost", path]), "socket path %s is in use by another process" % path)
        assert os.path.exists(path)
    finally:
        srv.close()


def test_unknown_xconnect_port(tmp_path):
    check(run(["--vhost", "%s/a.sock" % tmp_path, "--port-pair", "vhost0:nope"]),
          "no port 'nope'")


def test_too_few_lcores():
    check(run(["--vhost", "/tmp/%s.sock" % unique("x")], lcores="0@0"), "too few lcores")


def test_stale_socket_is_replaced(tmp_path):
    # A socket file nobody listens on (its process died) is not "in use".
    path = str(tmp_path / "stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()
    res = run(["--vhost", path, "--duration", "1"])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "forwarding started" in res.stdout
    assert not os.path.exists(path)


def test_control_socket_in_use(tmp_path):
    path = str(tmp_path / "ctl.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    try:
        check(run(["--vhost", "%s/a.sock" % tmp_path, "--ctl-socket", path]),
              "control socket %s: in use by another process" % path)
    finally:
        srv.close()


def test_missing_cmdline_file(tmp_path):
    check(run(["--vhost", "%s/a.sock" % tmp_path, "--cmdline-file", "/nonexistent/cmds"]),
          "--cmdline-file /nonexistent/cmds: No such file or directory")
