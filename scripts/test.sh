#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Install what is missing, build with -Werror, and run every test suite:
# the unit tests (meson test --suite unit) and the integration tests
# (pytest, vdp against dpdk-testpmd virtio-user peers, --no-huge).
# Ends with one line "N passed, N failed". Extra arguments go to pytest
# (for example -k l2).
set -u
. "$(dirname "$0")/lib.sh"

vdp_install_deps || exit 1
VDP_BUILD=${VDP_BUILD:-$VDP_ROOT/build}
if [ -f "$VDP_BUILD/build.ninja" ]; then
	meson configure "$VDP_BUILD" -Ddeveloper_mode=true -Dtests=true >/dev/null
fi
vdp_build -Ddeveloper_mode=true -Dtests=true || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0

vdp_log "unit tests"
meson test -C "$VDP_BUILD" --suite unit --print-errorlogs 2>&1 | tee /tmp/vdp-unit.log
unit_ok=$(awk '/^Ok:/ {print $2}' /tmp/vdp-unit.log)
unit_fail=$(awk '/^(Fail|Unexpected Pass|Timeout):/ {s += $2} END {print s + 0}' /tmp/vdp-unit.log)
passed=$((passed + ${unit_ok:-0}))
failed=$((failed + ${unit_fail:-0}))
[ -n "$unit_ok" ] || failed=$((failed + 1))

vdp_log "integration tests"
junit=$(mktemp /tmp/vdp-junit.XXXXXX.xml)
VDP_BUILD=$VDP_BUILD /usr/bin/python3 -m pytest -v -p no:cacheprovider \
	--junitxml="$junit" "$VDP_ROOT/tests/integration" "$@"
read -r it_pass it_fail < <(/usr/bin/python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1)
    sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f + sk)
PY
)
rm -f "$junit"
passed=$((passed + it_pass))
failed=$((failed + it_fail))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
