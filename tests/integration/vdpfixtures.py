# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures every pytest suite shares (integration, e2e, fault): a private
directory, cleanup of every process started, a built vdp and a network
namespace. A suite's conftest.py imports them."""

import os
import shutil
import subprocess
import tempfile

import pytest

import vdptest


def private_dir(name, prefix):
    """A fixture called @name: a fresh directory under /tmp, removed after."""
    @pytest.fixture(name=name)
    def fixture():
        d = tempfile.mkdtemp(prefix=prefix)
        yield d
        shutil.rmtree(d, ignore_errors=True)
    return fixture


@pytest.fixture
def procs():
    """Collects Vdp, Peer and Guest objects and stops whatever is left."""
    started = []
    yield started
    for p in reversed(started):
        if isinstance(p, vdptest.Peer):
            p.kill()
        else:
            p.stop()


@pytest.fixture(autouse=True)
def need_binary():
    assert os.access(vdptest.VDP, os.X_OK), "build vdp first: %s" % vdptest.VDP


@pytest.fixture
def netns():
    """A network namespace of the test's own (its name ends in 8 hex digits,
    for interface names), deleted at the end."""
    name = vdptest.unique("vdpns")
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    yield name
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
