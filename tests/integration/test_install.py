# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""meson install: the files and where they go, the man pages against the
help vdp and vdpctl print, the bash completion against a running vdp, and
the installed vdp's default topology lookup.

The install goes to a temporary --destdir. An installed vdp looks for its
default topology under the configured prefix, not under the destdir, so
the lookup is run in a private mount namespace with the destdir's etc and
share bound over the prefix's (root and a /usr/local prefix only; else
that part is skipped): nothing is installed on the machine itself.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from vdptest import BUILD, LCORES, ROOT, RUNTIME, VDP, Vdp, unique

EAL = ["--no-huge", "-m", "256", "--no-pci", "--log-level", "*:error"]
PREFIXES = []  # the EAL file prefixes of this module's runs, removed at its end


def eal_prefix():
    """A fresh EAL file prefix, its runtime directory removed at the end."""
    PREFIXES.append(unique("vdpinst"))
    return PREFIXES[-1]


@pytest.fixture(name="dest", scope="module")
def fixture_dest():
    """A destdir with the build installed into it, and the build's options."""
    d = tempfile.mkdtemp(prefix="vdp-inst-")
    res = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", d, "--no-rebuild",
                          "--quiet"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    res = subprocess.run(["meson", "introspect", "--buildoptions", BUILD],
                         capture_output=True, text=True, check=True)
    opts = {o["name"]: o["value"] for o in json.loads(res.stdout)}
    res = subprocess.run(["meson", "introspect", "--projectinfo", BUILD],
                         capture_output=True, text=True, check=True)
    opts["version"] = json.loads(res.stdout)["version"]
    yield d, opts
    shutil.rmtree(d, ignore_errors=True)
    for p in PREFIXES:
        shutil.rmtree(os.path.join(RUNTIME, p), ignore_errors=True)


def path(opts, key, *rest):
    """An installed path under the prefix: path(opts, "bindir", "vdp")."""
    return os.path.join(opts["prefix"], opts[key], *rest)


def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)
    return res.returncode, res.stdout, res.stderr


def vdp_version(binary):
    """What `vdp --version` prints: the version and the topology lookup order."""
    rc, out, err = run([binary] + EAL + ["--lcores", "0@0", "--file-prefix", eal_prefix(),
                        "--", "--version"])
    assert rc == 0, out + err
    # Alone, it needs no EAL options and no "--".
    rc, bare, err = run([binary, "--version"])
    assert rc == 0 and bare == out, bare + err
    return out


def man_text(page):
    """A man page's source with the font and escape markup taken out."""
    with open(page) as f:
        src = f.read()
    return re.sub(r"\\f[BIR]|\\:", "", src).replace("\\-", "-").replace("\\e", "\\")


def test_files_and_binaries(dest):
    d, opts = dest
    want = [path(opts, "bindir", "vdp"), path(opts, "bindir", "vdpctl"),
            path(opts, "datadir", "vdp", "default.ini"),
            path(opts, "datadir", "vdp", "example-l2.ini"),
            path(opts, "datadir", "vdp", "example-xconnect.ini"),
            path(opts, "datadir", "vdp", "vdp.conf"),
            os.path.join(opts["prefix"], "lib", "systemd", "system", "vdp.service"),
            path(opts, "mandir", "man8", "vdp.8"), path(opts, "mandir", "man8", "vdpctl.8"),
            path(opts, "datadir", "bash-completion", "completions", "vdpctl")]
    got = sorted("/" + os.path.relpath(os.path.join(r, f), d)
                 for r, _, files in os.walk(d) for f in files)
    assert got == sorted(want)
    for f in ("default.ini", "example-l2.ini", "example-xconnect.ini", "vdp.conf"):
        with open(os.path.join(ROOT, "config", f)) as a, \
                open(d + path(opts, "datadir", "vdp", f)) as b:
            assert a.read() == b.read(), f

    # The installed vdp is not in the build tree: its default topology is
    # the operator's, then the installed one; the build's is the source's.
    out = vdp_version(d + path(opts, "bindir", "vdp"))
    assert re.match(r"vdp \d+\.\d+\.\d+ ", out), out
    assert "default topology: %s %s\n" % (path(opts, "sysconfdir", "vdp", "topology.ini"),
                                          path(opts, "datadir", "vdp", "default.ini")) in out
    assert "default topology: %s\n" % os.path.join(ROOT, "config", "default.ini") in \
        vdp_version(VDP)
    rc, out, _ = run([d + path(opts, "bindir", "vdpctl"), "--help"])
    assert rc == 0 and "Usage: vdpctl" in out
    # The unit runs the installed vdp with the operator's files.
    with open(d + os.path.join(opts["prefix"], "lib", "systemd", "system", "vdp.service")) as f:
        unit = f.read()
    assert "\nExecStart=%s " % path(opts, "bindir", "vdp") in unit
    assert " --config %s " % path(opts, "sysconfdir", "vdp", "topology.ini") in unit
    assert "\nEnvironmentFile=-%s\n" % path(opts, "sysconfdir", "vdp", "vdp.conf") in unit


def test_man_pages(dest, sockdir, procs):
    d, opts = dest
    man = {p: d + path(opts, "mandir", "man8", p + ".8") for p in ("vdp", "vdpctl")}
    # They are what the docs give now (a stale build would differ).
    for page, f in man.items():
        fresh = os.path.join(sockdir, page + ".8")
        rc, out, err = run([sys.executable, os.path.join(ROOT, "scripts", "mkman.py"),
                            page, os.path.join(ROOT, "docs"), opts["version"], fresh])
        assert rc == 0, out + err
        with open(f) as a, open(fresh) as b:
            assert a.read() == b.read(), "%s is stale: rebuild" % f
        rc, out, err = run(["groff", "-man", "-Tutf8", "-ww", "-z", f])
        assert rc == 0 and err == "", err
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SEE ALSO"):
            assert "\n.SH %s\n" % section in man_text(f), (page, section)
    vdp8 = man_text(man["vdp"])
    for section in ("CONFIG FILE", "FILES", "EXIT STATUS"):
        assert "\n.SH %s\n" % section in vdp8, section

    rc, out, err = run([d + path(opts, "bindir", "vdp")] + EAL + ["--lcores", "0@0",
                       "--file-prefix", eal_prefix(),
                       "--", "--help"])
    assert rc == 0, out + err
    for opt in sorted(set(re.findall(r"--[a-z][a-z0-9-]*", out))):
        assert re.search(r"(?<![\w-])%s(?![\w-])" % opt, vdp8), opt

    vdpctl8 = man_text(man["vdpctl"])
    rc, out, _ = run([d + path(opts, "bindir", "vdpctl"), "--help"])
    for opt in set(re.findall(r"(?<![\w-])--?[a-z][a-z-]*", out)):
        assert re.search(r"(?<![\w-])%s(?![\w-])" % opt, vdpctl8), opt
    vdp = Vdp(["--vhost", os.path.join(sockdir, "a.sock")])
    procs.append(vdp)
    vdp.wait_started()
    groups = vdp.ctl_json("help")["groups"]
    for g in groups:
        assert ".SS %s: %s\n" % (g["name"], g["help"]) in vdpctl8
        for c in g["commands"]:
            assert "\n.TP\n%s\n" % c["syntax"] in vdpctl8, c["syntax"]

    # The installed completion, asked as bash would ask it.
    comp = d + path(opts, "datadir", "bash-completion", "completions", "vdpctl")

    def complete(*words):
        script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); ' \
                 '_vdpctl; printf "%s\\n" "${COMPREPLY[@]}"'
        env = dict(os.environ, PATH=d + path(opts, "bindir") + ":" + os.environ["PATH"])
        rc, out, err = run(["bash", "-c", script, "bash", comp, "vdpctl", "-s", vdp.ctl_path]
                           + list(words), env=env)
        assert rc == 0 and err == "", err
        return out.split()

    assert complete("sh") == ["show"]
    assert "port" in complete("show", "") and "vhost" in complete("show", "")
    assert complete("show", "port", "stats", "") == ["all", "vhost0"]
    assert complete("set", "poll-mode", "") == ["adaptive", "busy"]
    assert complete("set", "auto-lb", "") == ["improvement-threshold", "interval",
                                              "load-threshold", "off", "on"]
    assert complete("set", "auto-lb", "interval", "") == []
    assert complete("rel") == ["reload"]
    assert complete("--j") == ["--json"]
    opt = complete("add", "vhost", "x", "/tmp/x.sock", "client", "")
    assert "queues=" in opt and "engine=" in opt and "rte" not in opt


def test_installed_default_topology(dest, sockdir):
    d, opts = dest
    if os.geteuid() != 0 or opts["prefix"] != "/usr/local" or shutil.which("unshare") is None:
        pytest.skip("needs root, unshare and the prefix /usr/local")
    etc = path(opts, "sysconfdir")
    share = path(opts, "datadir")
    if not (os.path.isdir(etc) and os.path.isdir(share)):
        pytest.skip("no %s or %s to bind over" % (etc, share))
    os.makedirs(d + etc, exist_ok=True)
    binds = "mount --bind %s%s %s && mount --bind %s%s %s && " % (d, etc, etc, d, share, share)

    def run_installed():
        cmd = [d + path(opts, "bindir", "vdp")] + EAL + [
            "--lcores", LCORES, "--file-prefix", eal_prefix(), "--",
            "--duration", "1", "--run-dir", sockdir, "--ctl-socket",
            os.path.join(sockdir, "ctl")]
        rc, out, err = run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            binds + 'exec "$@"', "sh"] + cmd)
        assert rc == 0, out + err
        return out

    out = run_installed()
    assert "no topology given, using %s\n" % path(opts, "datadir", "vdp", "default.ini") in out
    assert "port 1 vhost1 (vhost)" in out
    # The operator's topology comes first.
    os.makedirs(d + etc + "/vdp")
    with open(d + path(opts, "sysconfdir", "vdp", "topology.ini"), "w") as f:
        f.write("[port site0]\ntype = vhost\npath = site0.sock\n")
    out = run_installed()
    topo = path(opts, "sysconfdir", "vdp", "topology.ini")
    assert "no topology given, using %s\n" % topo in out
    assert "port 0 site0 (vhost)" in out and "vhost1" not in out
