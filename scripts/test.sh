#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# Install what is missing, build with -Werror, and run every test suite:
# the unit tests (meson test --suite unit), the integration tests
# (pytest, vdp against dpdk-testpmd virtio-user peers, --no-huge), the
# end-to-end tests (pytest, Linux guests under QEMU TCG through vdp; the
# guest is built from Debian packages by tests/e2e/build-guest.sh and
# cached in build-guest/), the fault tests (pytest, a hostile vhost-user
# frontend, peer churn, SIGTERM under traffic) and a bounded libFuzzer run
# over lib/virtq (scripts/fuzz.sh, FUZZ_SECONDS, default 120; 0 replays
# the corpus only), which counts as one test. A skipped test, or one marked
# xfail (a known bug), counts as failed.
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
meson test -C "$VDP_BUILD" --suite unit --print-errorlogs
# Count TAP cases, not programs: each "ok"/"not ok" line is one test; a
# program that failed without reporting a failing case counts as one.
read -r unit_pass unit_fail < <(/usr/bin/python3 - "$VDP_BUILD/meson-logs/testlog.json" <<'PY'
import json, re, sys
ok = bad = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for line in lines:
    t = json.loads(line)
    out = t.get("stdout") or ""
    o = len(re.findall(r"^ok ", out, re.M))
    n = len(re.findall(r"^not ok ", out, re.M))
    if t.get("result") != "OK" and n == 0:
        n = 1
    ok += o
    bad += n
print(ok, bad if lines else 1)
PY
)
passed=$((passed + unit_pass))
failed=$((failed + unit_fail))

vdp_log "integration, e2e and fault tests"
junit=$(mktemp /tmp/vdp-junit.XXXXXX.xml)
VDP_BUILD=$VDP_BUILD /usr/bin/python3 -m pytest -v -p no:cacheprovider \
	--junitxml="$junit" "$VDP_ROOT/tests/integration" \
	"$VDP_ROOT/tests/e2e" "$VDP_ROOT/tests/fault" "$@"
read -r it_pass it_fail < <(/usr/bin/python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1)
    sys.exit()
ok = bad = 0
for case in root.iter("testcase"):
    if (case.find("failure") is not None or case.find("error") is not None or
            case.find("skipped") is not None):
        bad += 1
    else:
        ok += 1
print(ok, bad)
PY
)
rm -f "$junit"
passed=$((passed + it_pass))
failed=$((failed + it_fail))

vdp_log "fuzz (${FUZZ_SECONDS:-120}s)"
if "$VDP_ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-120}"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
