# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures of the e2e tests: the guest image (built once per run), a
private directory, and cleanup of every process and namespace started."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import guest  # noqa: E402
import vdpfixtures  # noqa: E402
from vdpfixtures import need_binary, netns, procs  # noqa: E402,F401


@pytest.fixture(scope="session")
def image():
    return guest.build_image()


workdir = vdpfixtures.private_dir("workdir", "vdp-e2e-")
