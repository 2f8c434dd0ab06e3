# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures: a private socket directory and cleanup of every process started."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vdpfixtures  # noqa: E402
from vdpfixtures import need_binary, netns, procs  # noqa: E402,F401


sockdir = vdpfixtures.private_dir("sockdir", "vdp-it-")
