# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Fixtures of the fault tests: a private socket directory and cleanup of
every process started (the same as the integration tests')."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import vdpfixtures  # noqa: E402
from vdpfixtures import need_binary, procs  # noqa: E402,F401


sockdir = vdpfixtures.private_dir("sockdir", "vdp-ft-")
