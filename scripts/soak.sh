#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Soak test (not part of scripts/test.sh or CI): full-rate traffic through
# vdp between two dpdk-testpmd peers for a while, restarting the peers in
# turn, then a report of loss, leaks and the longest stall
# (scripts/soak.py says what each means). Exit status 0 when nothing was
# lost or leaked.
#
#   scripts/soak.sh [--minutes M] [--restart S]    (defaults: 10 minutes, 60 s)
set -u
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

vdp_install_deps || exit 1
vdp_build || exit 1
VDP_BUILD=$VDP_BUILD exec /usr/bin/python3 "$VDP_ROOT/scripts/soak.py" "$@"
