# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The Debian package: debian/ builds vdp_VERSION_ARCH.deb with the files
meson installs, in Debian's places, and lintian finds no error in it.

The package is built once for the module (dpkg-buildpackage -us -uc -b,
DEB_BUILD_OPTIONS="nocheck parallel=2") from a copy of the source tree,
into a temporary directory, and unpacked there with dpkg-deb -x: nothing
is installed on the machine. The build tools (build-essential, debhelper,
dpkg-dev, lintian; scripts/lib.sh installs them) must be present: without
them the tests fail, they are not skipped.
"""

import gzip
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from vdptest import ROOT, RUNTIME, unique

TOOLS = ("dpkg-buildpackage", "dpkg-checkbuilddeps", "dpkg-deb", "dh", "lintian")
# Directories of a source tree that are not source.
NOT_SOURCE = {".git", ".pytest_cache", "__pycache__", "bench-results"}
EAL = ["--no-huge", "-m", "256", "--no-pci", "--lcores", "0@0", "--log-level", "*:error"]
FILES = ["lib/systemd/system/vdp.service", "usr/bin/vdp", "usr/bin/vdpctl",
         "usr/share/bash-completion/completions/vdpctl",
         "usr/share/doc/vdp/changelog.gz", "usr/share/doc/vdp/copyright",
         "usr/share/lintian/overrides/vdp",
         "usr/share/man/man8/vdp.8.gz", "usr/share/man/man8/vdpctl.8.gz",
         "usr/share/vdp/default.ini", "usr/share/vdp/example-l2.ini",
         "usr/share/vdp/example-xconnect.ini", "usr/share/vdp/vdp.conf"]


@pytest.fixture(autouse=True)
def need_binary():
    """The package is built from the source: no build tree needed."""


def run(cmd, timeout=60, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    return res.returncode, res.stdout, res.stderr


def project_version():
    with open(os.path.join(ROOT, "meson.build")) as f:
        return re.search(r"^project\(.*?\bversion:\s*'([^']+)'", f.read(), re.M | re.S).group(1)


def copy_source(dest):
    """The source tree as it is (uncommitted changes included), without
    build directories: git's tracked and untracked-but-not-ignored files,
    or, outside a git checkout, the tree less meson build directories."""
    rc, out, _ = run(["git", "-C", ROOT, "ls-files", "-z", "-c", "-o", "--exclude-standard"])
    if rc == 0 and out:
        for rel in out.split("\0"):
            src = os.path.join(ROOT, rel)
            if not rel or not os.path.lexists(src) or os.path.isdir(src):
                continue
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel), follow_symlinks=False)
        return

    def ignore(d, names):
        return [n for n in names if n in NOT_SOURCE or n.startswith("obj-")
                or os.path.isdir(os.path.join(d, n, "meson-private"))]
    shutil.copytree(ROOT, dest, symlinks=True, ignore=ignore, dirs_exist_ok=True)


@pytest.fixture(name="deb", scope="module")
def fixture_deb():
    """The built package: (the .deb, the directory it is unpacked in)."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    assert not missing, ("missing %s: install build-essential debhelper dpkg-dev lintian "
                         "(scripts/lib.sh does)" % " ".join(missing))
    top = tempfile.mkdtemp(prefix="vdp-deb-")
    src = os.path.join(top, "vdp")
    os.mkdir(src)
    copy_source(src)
    try:
        rc, out, err = run(["dpkg-checkbuilddeps"], cwd=src)
        assert rc == 0, "build dependencies missing (scripts/lib.sh installs them):\n" + \
            out + err
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
        rc, out, err = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                           timeout=1200)
        assert rc == 0, "dpkg-buildpackage failed:\n" + (out + err)[-6000:]
        debs = [f for f in os.listdir(top) if re.match(r"vdp_.*\.deb$", f)]
        assert len(debs) == 1, os.listdir(top)
        deb = os.path.join(top, debs[0])
        root = os.path.join(top, "root")
        rc, out, err = run(["dpkg-deb", "-x", deb, root])
        assert rc == 0, out + err
        yield deb, root
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_version(deb):
    """The packaged vdp runs, says the project's version, and looks for its
    default topology in the installed places."""
    _, root = deb
    prefix = unique("vdpdeb")
    try:
        rc, out, err = run([root + "/usr/bin/vdp"] + EAL + ["--file-prefix", prefix,
                                                           "--", "--version"])
    finally:
        shutil.rmtree(os.path.join(RUNTIME, prefix), ignore_errors=True)
    assert rc == 0, out + err
    assert out.startswith("vdp %s (DPDK " % project_version()), out
    assert "default topology: /etc/vdp/topology.ini /usr/share/vdp/default.ini\n" in out
    # The same without EAL options or "--", as an operator would first try.
    rc, bare, err = run([root + "/usr/bin/vdp", "--version"])
    assert rc == 0 and bare == out, bare + err
    rc, out, err = run([root + "/usr/bin/vdpctl", "--help"])
    assert rc == 0 and "Usage: vdpctl" in out, out + err


def test_files(deb):
    """What the package holds, and nothing else: no conffiles in /etc (the
    two files there are the operator's, docs/deploy.md)."""
    _, root = deb
    got = sorted(os.path.relpath(os.path.join(r, f), root)
                 for r, _, files in os.walk(root) for f in files)
    assert got == sorted(FILES)
    for f in ("default.ini", "example-l2.ini", "example-xconnect.ini", "vdp.conf"):
        with open(os.path.join(ROOT, "config", f)) as a, \
                open(os.path.join(root, "usr/share/vdp", f)) as b:
            assert a.read() == b.read(), f
    with open(os.path.join(ROOT, "scripts", "vdpctl-completion.bash")) as a, \
            open(os.path.join(root, "usr/share/bash-completion/completions/vdpctl")) as b:
        assert a.read() == b.read()
    for page in ("vdp", "vdpctl"):
        with gzip.open(os.path.join(root, "usr/share/man/man8", page + ".8.gz"), "rt") as f:
            text = f.read()
        assert '\n.TH %s 8 "" "vdp %s"' % (page.upper(), project_version()) in text, page
        assert "\n.SH NAME\n" in text, page
        rc, out, err = run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=text)
        assert rc == 0 and err == "", (page, err)


def test_unit(deb, tmp_path):
    """The unit runs the packaged vdp with the operator's files, and
    systemd-analyze verify accepts it (vdp and vdpctl in Exec*= lines
    pointed at the unpacked ones, and the man pages)."""
    _, root = deb
    with open(os.path.join(root, "lib/systemd/system/vdp.service")) as f:
        unit = f.read()
    assert "\nExecStart=/usr/bin/vdp $VDP_EAL_ARGS -- --config /etc/vdp/topology.ini " in unit
    assert "\nEnvironmentFile=-/etc/vdp/vdp.conf\n" in unit
    copy = tmp_path / "vdp.service"
    copy.write_text(unit.replace("=/usr/bin/vdp", "=%s/usr/bin/vdp" % root))
    rc, out, err = run(["systemd-analyze", "verify", str(copy)],
                       env=dict(os.environ, MANPATH=os.path.join(root, "usr/share/man")))
    assert rc == 0, out + err


def test_control(deb, tmp_path):
    """The package's fields, and its maintainer scripts: the unit is neither
    enabled nor started on install, nor stopped on upgrade; it is stopped on
    removal."""
    path, _ = deb
    rc, info, err = run(["dpkg-deb", "-I", path])
    assert rc == 0, err
    assert re.search(r"^ Package: vdp$", info, re.M), info
    assert re.search(r"^ Version: %s$" % re.escape(project_version()), info, re.M), \
        "debian/changelog's version is not meson.build's:\n" + info
    depends = re.search(r"^ Depends: (.*)$", info, re.M).group(1)
    assert "dpdk" in [re.split(r"[ (]", d.strip())[0] for d in depends.split(",")], depends
    ctl = str(tmp_path / "control")
    rc, _, err = run(["dpkg-deb", "-e", path, ctl])
    assert rc == 0, err
    with open(os.path.join(ctl, "postinst")) as f:
        postinst = f.read()
    # dh_installsystemd --no-enable: enable only what the operator enabled.
    assert "if deb-systemd-helper debian-installed 'vdp.service'; then" in postinst
    assert "restart" not in postinst
    assert not os.path.exists(os.path.join(ctl, "preinst"))
    with open(os.path.join(ctl, "prerm")) as f:
        assert "[ \"$1\" = remove ]" in f.read()


def test_lintian(deb):
    """lintian reports no error (E:); debian/vdp.lintian-overrides holds the
    tags that stay, each with its reason."""
    path, _ = deb
    rc, out, err = run(["lintian", "--no-tag-display-limit", path], timeout=300)
    errors = [line for line in out.splitlines() if line.startswith("E:")]
    assert not errors, out + err
    assert rc == 0, out + err
