# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures of the fault tests: a private socket directory and cleanup of
every process started (the same as the integration tests')."""

import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import vdptest  # noqa: E402


@pytest.fixture
def sockdir():
    d = tempfile.mkdtemp(prefix="vdp-ft-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def procs():
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
