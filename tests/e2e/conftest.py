# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures of the e2e tests: the guest image (built once per run), a
private directory, and cleanup of every process and namespace started."""

import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import guest  # noqa: E402
import vdptest  # noqa: E402


@pytest.fixture(scope="session")
def image():
    return guest.build_image()


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="vdp-e2e-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


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
