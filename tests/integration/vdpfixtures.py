# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures every pytest suite shares (integration, e2e, fault): a private
directory, cleanup of every process started, and a built vdp. A suite's
conftest.py imports them."""

import os
import shutil
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
