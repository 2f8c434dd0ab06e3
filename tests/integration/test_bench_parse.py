# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""scripts/bench_parse.py against recorded generator and DUT output, and its
summary arithmetic on a hand-made runs.csv (no processes, no traffic)."""

import csv
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from vdptest import ROOT

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
SCRIPT = os.path.join(ROOT, "scripts", "bench_parse.py")

_spec = importlib.util.spec_from_file_location("bench_parse", SCRIPT)
bp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bp)


def text(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def test_testpmd_generator_one_port():
    t = bp.parse_testpmd_gen(text("testpmd-gen-txonly-1port.log"))
    assert t["rx"] == 0
    assert t["tx"] == 6649344
    assert t["tx_dropped"] == 59284608
    assert "cyc_pkt" not in t  # the generator does not record cycles


def test_testpmd_generator_two_ports():
    t = bp.parse_testpmd_gen(text("testpmd-gen-flowgen-2ports.log"))
    # the accumulated block, not one port's
    assert (t["rx"], t["tx"], t["tx_dropped"]) == (7618784, 7631456, 12801248)


def test_testpmd_generator_without_accumulated_block():
    # per-port blocks only (an output cut short): their sum
    cut = text("testpmd-gen-flowgen-2ports.log").split("  +++++++++++++++ Accumulated")[0]
    t = bp.parse_testpmd_gen(cut)
    assert (t["rx"], t["tx"]) == (3809216 + 3809568, 3815680 + 3815776)


def test_testpmd_dut_cycles():
    t = bp.parse_testpmd_gen(text("testpmd-dut-io-2ports.log"))
    assert t["cyc_pkt"] == pytest.approx(419.84)
    assert (t["cycles"], t["cyc_packets"], t["tsc_mhz"]) == (3203980887, 7631456, 2100)


# Real pktgen-dpdk 23.06.1 output, captured from bench.sh runs
# (tests/integration/data/README.md).

def test_pktgen_two_ports_with_latency():
    p = bp.parse_pktgen(text("pktgen-s3-64-2ports-latency.log"))
    assert p["version"] == "23.06.1"
    assert p["ports"] == [0, 1]
    assert p["window_s"] == pytest.approx(5.0)
    rx = (16243127 - 6105835) + (16241925 - 6104773)
    tx = (16258516 - 6118315) + (16258516 - 6118248)
    assert (p["rx"], p["tx"]) == (rx, tx)
    assert p["rx_mpps"] == pytest.approx(rx / 5e6)
    assert p["tx_mpps"] == pytest.approx(tx / 5e6)
    ib = (974632764 - 366364776) + (974533308 - 366296784)
    assert p["rx_gbps"] == pytest.approx(ib * 8 / 5e9)
    # pktgen's latency packets, over both ports
    assert p["lat_pkts"] == 3589 + 790
    assert p["lat_min_us"] == pytest.approx(34.5)
    assert p["lat_avg_us"] == pytest.approx((3589 * 423.642 + 790 * 474.093) / 4379)
    assert p["lat_max_us"] == pytest.approx(8450.75)


def test_pktgen_one_port():
    p = bp.parse_pktgen(text("pktgen-s1-64-1port.log"))
    assert p["version"] == "23.06.1" and p["ports"] == [0]
    assert p["tx"] == 78233152 - 28362176 and p["rx"] == 0
    assert p["tx_mpps"] == pytest.approx((78233152 - 28362176) / 5e6)
    assert "lat_pkts" not in p


def test_pktgen_no_traffic():
    """pktgen sent (and then stalled) while nothing came back: a window of
    no packets received, which the rate of S2 and S3 is."""
    p = bp.parse_pktgen(text("pktgen-s2-no-traffic.log"))
    assert p["version"] == "23.06.1"
    assert (p["rx"], p["tx"], p["rx_mpps"]) == (0, 0, 0.0)


def test_pktgen_window_not_finished():
    """Stopped before the window's end (SIGINT, as bench.sh did before it
    waited for the script's last line): no rates, only the version."""
    p = bp.parse_pktgen(text("pktgen-s3-64-unfinished.log"))
    assert p == {"version": "23.06.1"}


def test_gen_output_cli():
    res = subprocess.run([sys.executable, SCRIPT, "gen-output", "--generator", "pktgen",
                          os.path.join(DATA, "pktgen-s3-64-2ports-latency.log")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert '"rx": %d' % ((16243127 - 6105835) + (16241925 - 6104773)) in res.stdout


def test_ovs_pmd_counters():
    stats = """pmd thread numa_id 0 core_id 1:
  packets received: 1000
  packet recirculations: 0
  avg. datapath passes per packet: 1.00
  idle cycles: 5000 (1.00%)
  processing cycles: 250000 (99.00%)
  avg cycles per packet: 255.00 (255000/1000)
  avg processing cycles per packet: 250.00 (250000/1000)
main thread:
  packets received: 0
  idle cycles: 0 (0.00%)
  processing cycles: 0 (0.00%)
"""
    assert bp.parse_pmd_stats(stats) == {"busy": 250000, "idle": 5000, "pkts": 1000}
    perf = "  Rx packets:             3932160  (3932 Kpps, 508 cycles/pkt)\n"
    assert bp.parse_ovs_perf(perf) == {"pkts": 3932160, "cyc_pkt": 508.0}


def write_runs(path, rows):
    with open(path, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=bp.RUN_FIELDS, restval="")
        wr.writeheader()
        for r in rows:
            wr.writerow(r)


def run(rnd, dut, mpps, cyc, attempt=1, other=1.0, error="", ring="split"):
    return {"round": rnd, "scenario": "S1", "size": 64, "ring": ring, "dut": dut,
            "attempt": attempt,
            "mpps": mpps, "gbps": mpps * 0.48, "busy_cyc_pkt": cyc, "dut_rx_mpps": mpps,
            "loss_pct": 0.0, "other_cpu_pct": other, "tsc_mhz": 2100 if dut == "testpmd" else "",
            "error": error}


def summarize(tmp_path, runs):
    """bench_parse.py summary over @runs (written to tmp_path/runs.csv,
    summary.csv and s.md there): its output and summary.csv's rows by DUT."""
    rp, sp = tmp_path / "runs.csv", tmp_path / "summary.csv"
    write_runs(rp, runs)
    res = subprocess.run([sys.executable, SCRIPT, "summary", "--runs", str(rp), "--out", str(sp),
                          "--markdown", str(tmp_path / "s.md")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    with open(sp, newline="") as f:
        return res, {r["dut"]: r for r in csv.DictReader(f)}


def test_summary_ratios(tmp_path):
    runs = [
        run(1, "vdp", 12.0, 150), run(1, "vdp-rte", 10.0, 170), run(1, "testpmd", 10.0, 180),
        run(2, "vdp-rte", 20.0, 100), run(2, "testpmd", 25.0, 90), run(2, "vdp", 30.0, 80),
        # round 3's first attempt was disturbed by another process and run again
        run(3, "testpmd", 1.0, 999, attempt=1, other=90.0),
        run(3, "vdp", 1.0, 999, attempt=1, other=90.0),
        run(3, "vdp-rte", 1.0, 999, attempt=1, other=90.0),
        run(3, "testpmd", 8.0, 200, attempt=2), run(3, "vdp", 12.0, 160, attempt=2),
        run(3, "vdp-rte", 8.0, 190, attempt=2),
    ]
    res, rows = summarize(tmp_path, runs)
    assert set(rows) == {"vdp", "vdp-rte", "testpmd"}
    v, r, t = rows["vdp"], rows["vdp-rte"], rows["testpmd"]
    assert v["rounds"] == "3" and t["rounds"] == "3"
    assert float(v["mpps"]) == 12.0 and float(v["mpps_min"]) == 12.0
    assert float(v["mpps_max"]) == 30.0
    # per-round vdp/testpmd: 1.2, 1.2, 1.5
    assert float(v["vs_testpmd"]) == pytest.approx(1.2)
    assert float(v["vs_testpmd_min"]) == pytest.approx(1.2)
    assert float(v["vs_testpmd_max"]) == pytest.approx(1.5)
    # per-round vdp/vdp-rte: 1.2, 1.5, 1.5
    assert float(v["vs_vdp_rte"]) == pytest.approx(1.5)
    assert float(v["vs_vdp_rte_min"]) == pytest.approx(1.2)
    # cycles: 150/180, 80/90, 160/200 -> median 0.8333
    assert float(v["cyc_vs_testpmd"]) == pytest.approx(150 / 180, abs=1e-4)
    # vdp-rte/testpmd: 1.0, 0.8, 1.0
    assert float(r["vs_testpmd"]) == pytest.approx(1.0)
    assert r["vs_vdp_rte"] == ""
    assert t["vs_testpmd"] == "" and t["vs_vdp_rte"] == ""
    assert v["attempts"] == "4"
    assert "1.200 (1.200..1.500)" in res.stdout
    # no vdp-copy, no vdp-b in the run: none of their columns, and no host line
    assert v["vs_vdp_copy"] == "" and v["vs_vdp_b"] == ""
    assert "vs vdp-copy" not in res.stdout and "vs vdp-b" not in res.stdout
    assert not res.stdout.startswith("host:")


def test_summary_bound_and_capacity(tmp_path):
    """bound: dut from 90% busy, gen below; capacity_Mpps: the TSC rate
    over the DUT's busy cycles per packet (testpmd's 2100 MHz here)."""
    runs = [run(1, "testpmd", 10.0, 200),      # 10 x 200 / 2100: 95.2% busy
            run(1, "vdp", 12.0, 150),          # 85.7%
            run(1, "vdp-rte", 10.0, 189)]      # 90.0%
    res, rows = summarize(tmp_path, runs)
    assert float(rows["testpmd"]["busy_pct"]) == pytest.approx(100 * 10 * 200 / 2100, abs=1e-3)
    assert [rows[d]["bound"] for d in ("testpmd", "vdp", "vdp-rte")] == ["dut", "gen", "dut"]
    assert float(rows["vdp"]["capacity_Mpps"]) == pytest.approx(2100 / 150, abs=1e-4)
    assert float(rows["testpmd"]["capacity_Mpps"]) == pytest.approx(10.5, abs=1e-4)
    hdr = res.stdout.splitlines()[0].split()
    assert hdr[:4] == ["scenario", "size", "ring", "dut"]
    assert hdr[-5:] == ["busy%", "bound", "capacity_Mpps", "other_cpu%", "rounds"]
    vdp = [l for l in res.stdout.splitlines() if l.split()[3:4] == ["vdp"]][0].split()
    assert vdp[-5:] == ["86", "gen", "14.00", "1", "1"]
    # no TSC rate: neither
    res, rows = summarize(tmp_path, [dict(run(1, "vdp", 12.0, 150))])
    assert rows["vdp"]["bound"] == "" and rows["vdp"]["capacity_Mpps"] == ""


def test_summary_vdp_b(tmp_path):
    """With a second vdp build (vdp-b), vdp's row gives the ratios to it,
    the table gets their columns, and nobody else's row has them."""
    runs = [
        run(1, "vdp", 12.0, 150), run(1, "vdp-b", 10.0, 180),
        run(2, "vdp-b", 20.0, 100), run(2, "vdp", 22.0, 90),
        run(3, "vdp", 9.0, 200), run(3, "vdp-b", 10.0, 190),
    ]
    res, rows = summarize(tmp_path, runs)
    assert set(rows) == {"vdp", "vdp-b"}
    v, b = rows["vdp"], rows["vdp-b"]
    # per-round vdp/vdp-b: 1.2, 1.1, 0.9
    assert float(v["vs_vdp_b"]) == pytest.approx(1.1)
    assert float(v["vs_vdp_b_min"]) == pytest.approx(0.9)
    assert float(v["vs_vdp_b_max"]) == pytest.approx(1.2)
    # cycles: 150/180, 90/100, 200/190 -> median 0.9
    assert float(v["cyc_vs_vdp_b"]) == pytest.approx(0.9)
    assert b["vs_vdp_b"] == "" and v["vs_vdp_rte"] == ""
    assert "vs vdp-b (median, min..max)" in res.stdout
    assert "1.100 (0.900..1.200)" in res.stdout
    md = (tmp_path / "s.md").read_text().splitlines()
    assert md[0].count("|") == md[2].count("|")


def test_summary_vdp_copy(tmp_path):
    """With vdp-copy (vdp with zcopy=off) in the run, vdp's row gives its
    ratios to it, the table gets their columns, vdp-copy's row has its
    ratio to testpmd like any DUT, and nobody else's row has the new ones."""
    runs = [
        run(1, "vdp", 12.0, 150), run(1, "vdp-copy", 10.0, 180), run(1, "testpmd", 8.0, 200),
        run(2, "vdp-copy", 20.0, 100), run(2, "testpmd", 16.0, 110), run(2, "vdp", 22.0, 90),
        run(3, "testpmd", 12.5, 160), run(3, "vdp", 9.0, 200), run(3, "vdp-copy", 10.0, 190),
    ]
    res, rows = summarize(tmp_path, runs)
    with open(tmp_path / "summary.csv", newline="") as f:
        assert [r["dut"] for r in csv.DictReader(f)] == ["vdp", "vdp-copy", "testpmd"]
    v, c, t = rows["vdp"], rows["vdp-copy"], rows["testpmd"]
    # per-round vdp/vdp-copy: 1.2, 1.1, 0.9
    assert float(v["vs_vdp_copy"]) == pytest.approx(1.1)
    assert float(v["vs_vdp_copy_min"]) == pytest.approx(0.9)
    assert float(v["vs_vdp_copy_max"]) == pytest.approx(1.2)
    # cycles: 150/180, 90/100, 200/190 -> median 0.9
    assert float(v["cyc_vs_vdp_copy"]) == pytest.approx(0.9)
    # vdp-copy/testpmd: 1.25, 1.25, 0.8
    assert float(c["vs_testpmd"]) == pytest.approx(1.25)
    assert float(c["vs_testpmd_min"]) == pytest.approx(0.8)
    assert c["vs_vdp_copy"] == "" and t["vs_vdp_copy"] == "" and c["cyc_vs_vdp_copy"] == ""
    assert c["vs_vdp_rte"] == "" and v["vs_vdp_b"] == ""
    assert "vs vdp-copy (median, min..max)" in res.stdout and "cyc vs vdp-copy" in res.stdout
    assert "vs vdp-b" not in res.stdout
    vdp_line = [l for l in res.stdout.splitlines() if l.split()[3:4] == ["vdp"]][0]
    assert "1.100 (0.900..1.200)" in vdp_line
    md = (tmp_path / "s.md").read_text().splitlines()
    assert "vs vdp-copy (median, min..max)" in md[0]
    assert md[0].count("|") == md[2].count("|") == md[1].count("|")


def test_row_vdp_zcopy(tmp_path):
    """runs.csv records the zero-copy mode vdp reported for its first vhost
    port and the packets its ports zero-copied over the run."""
    meas = tmp_path / "m.json"
    meas.write_text(json.dumps({
        "window_s": 1.0, "other_cpu_pct": 1.0, "gen_opackets": 600000, "gen_ipackets": 590000,
        "gen_obytes": 908400000, "gen_ibytes": 893260000, "dut_rx": 600000, "dut_tx": 590000,
        "dut_busy": 2400000000, "dut_idle": 1000, "dut_pkts": 600000,
        "dut_run_busy": 4000000000, "dut_run_pkts": 1143232}) + "\n")
    rp = tmp_path / "runs.csv"
    cut = tmp_path / "cut.log"
    cut.write_text(text("vdp-dut-s3-zcopy-on.log").split("vdp: stopping")[0])
    for dut, log in (("vdp", os.path.join(DATA, "vdp-dut-s3-zcopy-on.log")),
                     ("vdp-copy", str(cut)),
                     ("testpmd", os.path.join(DATA, "testpmd-dut-io-2ports.log"))):
        res = subprocess.run([sys.executable, SCRIPT, "row", "--meas", str(meas), "--dut-log", log,
                              "--round", "1", "--scenario", "S3", "--size", "1518", "--dut", dut,
                              "--order", "1", "--attempt", "1", "--runs", str(rp)],
                             capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr
    with open(rp, newline="") as f:
        rows = {r["dut"]: r for r in csv.DictReader(f)}
    assert rows["vdp"]["vdp_engine"] == "virtq"
    assert rows["vdp"]["vdp_zcopy"] == "on"
    # both ports' exit counters: 571616 each
    assert rows["vdp"]["vdp_zc_pkts"] == str(2 * 571616)
    # a DUT that did not get to print its summary: the mode, no count
    assert rows["vdp-copy"]["vdp_zcopy"] == "on" and rows["vdp-copy"]["vdp_zc_pkts"] == ""
    assert rows["testpmd"]["vdp_zcopy"] == "" and rows["testpmd"]["vdp_zc_pkts"] == ""


CPU_XEON = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
cpu MHz\t\t: 2699.998
flags\t\t: fpu vme tsc msr sse4_2 avx avx2 bmi2 avx512f avx512dq constant_tsc

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
cpu MHz\t\t: 2699.998
flags\t\t: fpu vme tsc msr sse4_2 avx avx2 bmi2 avx512f avx512dq constant_tsc
"""
# the earlier host's: model name "AMD EPYC", AVX2 without AVX-512; only the
# first processor's fields count
CPU_EPYC = """processor\t: 0
model name\t: AMD   EPYC
cpu MHz\t\t: 2096.060
flags\t\t: fpu tsc avx avx2 bmi2 constant_tsc

processor\t: 1
model name\t: AMD EPYC 9B14
flags\t\t: fpu tsc avx avx2 avx512f
"""
DMESG = """[    0.000000] tsc: Detected 2096.060 MHz processor
[    0.271572] clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x233fc4eb620
[    1.234567] tsc: Refined TSC clocksource calibration: 2095.998 MHz
"""


def test_host_line():
    """DPDK's own TSC calibration wins over the kernel's and cpu MHz."""
    h = bp.host_info(CPU_XEON, text("vdp-probe-eal-debug.log"), DMESG, "abc1234")
    assert h["line"] == ("host: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz, TSC 2.45 GHz,"
                         " AVX2 yes, AVX-512 yes, commit abc1234")
    assert (h["tsc_mhz"], h["tsc_source"]) == (2450.0, "dpdk")
    assert h["avx2"] is True and h["avx512f"] is True


def test_host_tsc_fallbacks():
    # no DPDK line: the kernel's refined calibration, not its first guess
    h = bp.host_info(CPU_EPYC, "EAL: Detected CPU lcores: 2\n", DMESG, "abc1234-dirty")
    assert h["line"] == ("host: AMD EPYC, TSC 2.10 GHz (kernel), AVX2 yes, AVX-512 no,"
                         " commit abc1234-dirty")
    assert (h["tsc_mhz"], h["tsc_source"]) == (2095.998, "kernel")
    h = bp.host_info(CPU_EPYC, "", DMESG.splitlines()[0], "x")
    assert h["tsc_mhz"] == 2096.06
    # neither: the CPU's clock, marked as such
    h = bp.host_info(CPU_EPYC, "", "", "x")
    assert "TSC ~2.10 GHz (cpu MHz)," in h["line"] and h["tsc_source"] == "cpu MHz"
    h = bp.host_info("processor\t: 0\n", "", "", "unknown")
    assert h["line"] == "host: unknown CPU, TSC unknown, AVX2 no, AVX-512 no, commit unknown"


def test_host_commit(tmp_path):
    def git(*a):
        return subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t",
                               "-c", "user.email=t@example.org"] + list(a),
                              capture_output=True, text=True, check=True).stdout.strip()

    assert bp.host_commit(str(tmp_path)) == "unknown"
    git("init", "-q")
    (tmp_path / "a.c").write_text("int a;\n")
    git("add", "a.c")
    git("commit", "-q", "-m", "a")
    sha = git("rev-parse", "--short", "HEAD")
    assert bp.host_commit(str(tmp_path)) == sha
    (tmp_path / "new.c").write_text("")  # untracked: not a change of the tree
    assert bp.host_commit(str(tmp_path)) == sha
    (tmp_path / "a.c").write_text("int b;\n")
    assert bp.host_commit(str(tmp_path)) == sha + "-dirty"
    git("add", "a.c")  # staged, not committed
    assert bp.host_commit(str(tmp_path)) == sha + "-dirty"


def test_host_cli_heads_the_tables(tmp_path):
    """bench_parse.py host writes host.json; the summary and the latency
    table beside it start with its line, on stdout and in markdown, and
    without testpmd the summary takes DPDK's TSC rate for busy%."""
    cpuinfo, dmesg = tmp_path / "cpuinfo", tmp_path / "dmesg"
    cpuinfo.write_text(CPU_XEON)
    dmesg.write_text(DMESG)
    hj = tmp_path / "host.json"
    res = subprocess.run([sys.executable, SCRIPT, "host", "--cpuinfo", str(cpuinfo),
                          "--eal-log", os.path.join(DATA, "vdp-probe-eal-debug.log"),
                          "--dmesg", str(dmesg), "--commit", "abc1234", "--json", str(hj)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    line = ("host: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz, TSC 2.45 GHz, AVX2 yes,"
            " AVX-512 yes, commit abc1234")
    out = res.stdout.splitlines()
    assert out[0] == line
    assert out[1] == "tsc: 2450 MHz, DPDK's calibration (TSC frequency is ~2450000 KHz)"
    assert out[2].startswith("isa: avx2 yes, avx512f yes")
    h = json.loads(hj.read_text())
    assert h["line"] == line and h["tsc_mhz"] == 2450.0 and h["commit"] == "abc1234"

    # summary: host.json beside runs.csv is found without --host
    res, rows = summarize(tmp_path, [run(1, "vdp", 12.0, 150), run(1, "vdp-copy", 10.0, 180)])
    assert res.stdout.splitlines()[0] == line
    assert res.stdout.splitlines()[1].startswith("scenario")
    md = (tmp_path / "s.md").read_text().splitlines()
    assert md[0] == line and md[1] == "" and md[2].startswith("| scenario")
    assert float(rows["vdp"]["tsc_mhz"]) == 2450.0
    # busy%: 150 cycles/packet x 12 Mpps / 2450 MHz
    assert float(rows["vdp"]["busy_pct"]) == pytest.approx(100 * 150 * 12 / 2450, abs=1e-3)

    # a TSC from cpu MHz is no TSC rate: no busy% from it
    hj.write_text(json.dumps(bp.host_info(CPU_XEON, "", "", "abc1234")))
    res, rows = summarize(tmp_path, [run(1, "vdp", 12.0, 150), run(1, "vdp-copy", 10.0, 180)])
    assert "(cpu MHz)" in res.stdout.splitlines()[0]
    assert rows["vdp"]["busy_pct"] == "" and rows["vdp"]["tsc_mhz"] == ""

    # the latency table, with --host given
    lat = tmp_path / "lat" / "latency.csv"
    lat.parent.mkdir()
    res = subprocess.run([sys.executable, SCRIPT, "latency-row", "--log",
                          os.path.join(DATA, "vdp-latency-s2.log"), "--round", "1",
                          "--scenario", "S2", "--size", "64", "--dut", "vdp-copy", "--load", "50",
                          "--max-pps", "381898", "--out", str(lat)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([sys.executable, SCRIPT, "latency-summary", "--csv", str(lat),
                          "--host", str(hj), "--markdown", str(tmp_path / "lat.md")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout
    assert res.stdout.splitlines()[0].startswith("host: Intel(R) Xeon(R)")
    assert "vdp-copy" in res.stdout.splitlines()[2]
    assert (tmp_path / "lat.md").read_text().startswith("host: Intel(R) Xeon(R)")


def test_clean_needs_every_dut(tmp_path):
    rp = tmp_path / "runs.csv"
    write_runs(rp, [run(1, "vdp", 10.0, 100), run(1, "testpmd", 10.0, 100)])

    def clean(nduts, max_other=25):
        return subprocess.run([sys.executable, SCRIPT, "clean", "--runs", str(rp), "--round", "1",
                               "--scenario", "S1", "--size", "64", "--attempt", "1",
                               "--nduts", str(nduts), "--max-other", str(max_other)],
                              timeout=30).returncode

    assert clean(2) == 0
    assert clean(3) == 1
    assert clean(2, max_other=0) == 1


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    sp = tmp_path / "summary.csv"
    with open(sp, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=bp.SUMMARY_FIELDS, restval="")
        wr.writeheader()
        for sc in ("S1", "S3"):
            for size in (64, 1518, 9000):
                for dut, m in (("vdp", 10.0), ("testpmd", 8.0)):
                    wr.writerow({"scenario": sc, "size": size, "dut": dut, "mpps": m * 64 / size,
                                 "mpps_min": m * 60 / size, "mpps_max": m * 70 / size})
    out = tmp_path / "mpps.png"
    res = subprocess.run([sys.executable, SCRIPT, "plot", "--summary", str(sp), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_latency_output_and_tables(tmp_path):
    lat = bp.parse_latency(text("vdp-latency-s2.log"))
    assert lat["offered_pps"] == 190949 and lat["samples"] == 59657
    assert (lat["p50_ns"], lat["p99_ns"], lat["p999_ns"]) == (22542500, 43787500, 46765500)
    out = tmp_path / "latency.csv"
    for rnd, log in ((1, "vdp-latency-s2.log"), (2, "vdp-latency-s2.log"),
                     (3, "pktgen-s3-64-2ports-latency.log")):  # the last has no result line
        res = subprocess.run([sys.executable, SCRIPT, "latency-row", "--log",
                              os.path.join(DATA, log), "--round", str(rnd), "--scenario", "S2",
                              "--size", "64", "--dut", "vdp", "--load", "50",
                              "--max-pps", "381898", "--out", str(out)],
                             capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["p99_us"] == "43787.50" and rows[0]["tx_mpps"] == "0.0298"
    assert rows[2]["error"].startswith("no latency samples")
    res = subprocess.run([sys.executable, SCRIPT, "latency-summary", "--csv", str(out)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout
    assert "22542.50" in res.stdout and res.stdout.rstrip().endswith("2")


def test_max_pps(tmp_path):
    meas = tmp_path / "m.json"
    meas.write_text('{"window_s": 2.0, "gen_ipackets": 4000000, "gen_opackets": 4100000}\n')
    res = subprocess.run([sys.executable, SCRIPT, "max-pps", "--meas", str(meas),
                          "--scenario", "S3", "--ports", "2"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0 and res.stdout.strip() == "1000000"


# Ring layouts (bench.sh --rings): the runs of a case are grouped by
# scenario, size and ring layout; runs.csv and latency.csv from before the
# ring column are split rings.

def summary_rows(tmp_path):
    with open(tmp_path / "summary.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_summary_groups_by_ring(tmp_path):
    """Ratios only between DUTs of one round, case and ring layout; each
    layout's attempts on their own (round 2's packed group was run again,
    its split group not); split rows before packed ones."""
    runs = [
        run(1, "vdp", 12.0, 150), run(1, "testpmd", 10.0, 180),
        run(1, "vdp", 9.0, 160, ring="packed"), run(1, "testpmd", 10.0, 170, ring="packed"),
        run(2, "testpmd", 25.0, 90), run(2, "vdp", 30.0, 80),
        run(2, "testpmd", 1.0, 999, ring="packed", other=90.0),
        run(2, "vdp", 1.0, 999, ring="packed", other=90.0),
        run(2, "testpmd", 20.0, 100, ring="packed", attempt=2),
        run(2, "vdp", 22.0, 90, ring="packed", attempt=2),
        run(3, "vdp", 15.0, 140), run(3, "testpmd", 10.0, 200),
        run(3, "vdp", 10.0, 150, ring="packed"), run(3, "testpmd", 8.0, 160, ring="packed"),
    ]
    res, _ = summarize(tmp_path, runs)
    rows = summary_rows(tmp_path)
    assert [(r["ring"], r["dut"]) for r in rows] == [
        ("split", "vdp"), ("split", "testpmd"), ("packed", "vdp"), ("packed", "testpmd")]
    got = {(r["ring"], r["dut"]): r for r in rows}
    s, p = got[("split", "vdp")], got[("packed", "vdp")]
    # split vdp/testpmd: 1.2, 1.2, 1.5; packed: 0.9, 1.1, 1.25
    assert float(s["vs_testpmd"]) == pytest.approx(1.2)
    assert float(s["vs_testpmd_max"]) == pytest.approx(1.5)
    assert float(p["vs_testpmd"]) == pytest.approx(1.1)
    assert float(p["vs_testpmd_min"]) == pytest.approx(0.9)
    assert float(p["vs_testpmd_max"]) == pytest.approx(1.25)
    # cycles, packed: 160/170, 90/100, 150/160
    assert float(p["cyc_vs_testpmd"]) == pytest.approx(150 / 160, abs=1e-4)
    assert float(p["mpps"]) == 10.0 and float(p["mpps_min"]) == 9.0
    assert s["rounds"] == p["rounds"] == "3"
    assert s["attempts"] == "3" and p["attempts"] == "4"
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["scenario", "size", "ring", "dut"]
    assert [l.split()[2:4] for l in lines[1:]] == [
        ["split", "vdp"], ["split", "testpmd"], ["packed", "vdp"], ["packed", "testpmd"]]
    assert "1.100 (0.900..1.250)" in lines[3]
    md = (tmp_path / "s.md").read_text().splitlines()
    assert md[0].startswith("| scenario | size | ring | dut |")
    assert md[0].count("|") == md[1].count("|") == md[2].count("|")
    assert md[4].startswith("| S1 | 64 | packed | vdp |")


def test_summary_old_runs_without_ring(tmp_path):
    """A runs.csv written before the ring column (and before ring_seen and
    gen_ring_seen): split rings, summarised and cleaned as before."""
    old = [f for f in bp.RUN_FIELDS if f not in ("ring", "ring_seen", "gen_ring_seen")]
    rp = tmp_path / "runs.csv"
    with open(rp, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=old, restval="")
        wr.writeheader()
        for r in (run(1, "vdp", 12.0, 150), run(1, "testpmd", 10.0, 180),
                  run(2, "vdp", 11.0, 150), run(2, "testpmd", 10.0, 180)):
            del r["ring"]
            wr.writerow(r)
    sp = tmp_path / "summary.csv"
    res = subprocess.run([sys.executable, SCRIPT, "summary", "--runs", str(rp), "--out", str(sp)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    rows = summary_rows(tmp_path)
    assert [(r["ring"], r["dut"]) for r in rows] == [("split", "vdp"), ("split", "testpmd")]
    assert float(rows[0]["vs_testpmd"]) == pytest.approx(1.15)
    assert res.stdout.splitlines()[1].split()[:4] == ["S1", "64", "split", "vdp"]
    for ring, rc in (("split", 0), ("packed", 1)):
        assert subprocess.run([sys.executable, SCRIPT, "clean", "--runs", str(rp), "--round", "1",
                               "--scenario", "S1", "--size", "64", "--ring", ring,
                               "--attempt", "1", "--nduts", "2", "--max-other", "25"],
                              timeout=30).returncode == rc


def test_gen_rings():
    """The layout a generator's virtio ports ran, from the PMD's rx/tx path
    lines (bench.sh runs the generators with pmd.net.virtio.init at info):
    testpmd's and vdp-latency's, captured from bench.sh --rings split,packed."""
    assert bp.gen_rings(text("testpmd-gen-s3-packed.log")) == {0: "packed", 1: "packed"}
    assert bp.gen_rings(text("testpmd-gen-s3-split.log")) == {0: "split", 1: "split"}
    assert bp.gen_rings(text("vdp-latency-s3-packed.log")) == {0: "packed", 1: "packed"}
    # logs from before the bench asked for those lines: nothing to say
    assert bp.gen_rings(text("testpmd-gen-flowgen-2ports.log")) == {}
    assert bp.gen_rings(text("pktgen-s1-64-1port.log")) == {}
    mixed = ("set_rxtx_funcs(): virtio: using packed ring standard Tx path on port 0\n"
             "set_rxtx_funcs(): virtio: using mergeable buffer Rx path on port 0\n"
             "set_rxtx_funcs(): virtio: using vectorized Rx path on port 1\n"
             "set_rxtx_funcs(): virtio: using standard Tx path on port 1\n")
    assert bp.gen_rings(mixed) == {0: "mixed", 1: "split"}
    assert bp.one_layout(bp.gen_rings(mixed)) == "mixed"
    assert bp.one_layout({}) == ""
    res = subprocess.run([sys.executable, SCRIPT, "gen-output", "--generator", "testpmd",
                          os.path.join(DATA, "testpmd-gen-s3-packed.log")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rings"] == {"0": "packed", "1": "packed"}


def test_vdp_rings(monkeypatch):
    """A vdp's layout per connected vhost port: VIRTIO_F_RING_PACKED (bit
    34) in the features /vdp/vhost reports."""
    reply = {"vhost0": {"connected": 1, "features": 0xD50008000},
             "vhost1": {"connected": 1, "features": 0x950008000},
             "vhost2": {"connected": 0, "features": 0}}
    monkeypatch.setattr(bp, "telemetry", lambda prefix, cmd: reply if cmd == "/vdp/vhost"
                        else None)
    assert bp.vdp_rings("p") == {"vhost0": "packed", "vhost1": "split"}


def write_meas(path, dut_rings=None):
    m = {"window_s": 1.0, "other_cpu_pct": 1.0, "gen_opackets": 600000,
         "gen_ipackets": 590000, "gen_obytes": 38400000, "gen_ibytes": 37760000,
         "dut_rx": 600000, "dut_tx": 590000, "dut_busy": 240000000, "dut_idle": 1000,
         "dut_pkts": 600000, "dut_run_busy": 400000000, "dut_run_pkts": 1143232}
    if dut_rings is not None:
        m["dut_rings"] = dut_rings
    path.write_text(json.dumps(m) + "\n")


def add_row(tmp_path, dut, ring, gen_log, dut_rings=None, attempt=1):
    meas = tmp_path / "m.json"
    write_meas(meas, dut_rings)
    dut_log = "vdp-dut-s3-zcopy-on.log" if dut.startswith("vdp") else "testpmd-dut-io-2ports.log"
    res = subprocess.run([sys.executable, SCRIPT, "row", "--meas", str(meas), "--dut-log",
                          os.path.join(DATA, dut_log), "--gen-log", os.path.join(DATA, gen_log),
                          "--round", "1", "--scenario", "S3", "--size", "64", "--ring", ring,
                          "--dut", dut, "--order", "1", "--attempt", str(attempt),
                          "--runs", str(tmp_path / "runs.csv")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    return res.stdout


def clean(tmp_path, ring, attempt=1, nduts=2):
    return subprocess.run([sys.executable, SCRIPT, "clean", "--runs", str(tmp_path / "runs.csv"),
                           "--round", "1", "--scenario", "S3", "--size", "64", "--ring", ring,
                           "--attempt", str(attempt), "--nduts", str(nduts),
                           "--max-other", "25"], timeout=30).returncode


def test_row_ring_seen(tmp_path):
    """runs.csv records the layout asked for, the one vdp's vhost ports
    negotiated (ring_seen) and the one the generator ran (gen_ring_seen); a
    run that got another one is an error, which clean does not run again
    (another attempt gets the same), and the summary leaves out."""
    both = {"vhost0": "packed", "vhost1": "packed"}
    add_row(tmp_path, "vdp", "packed", "testpmd-gen-s3-packed.log", both)
    add_row(tmp_path, "testpmd", "packed", "testpmd-gen-s3-packed.log")
    add_row(tmp_path, "vdp", "split", "testpmd-gen-s3-split.log",
            {"vhost0": "split", "vhost1": "split"})
    add_row(tmp_path, "testpmd", "split", "testpmd-gen-s3-split.log")
    with open(tmp_path / "runs.csv", newline="") as f:
        rows = {(r["ring"], r["dut"]): r for r in csv.DictReader(f)}
    for (ring, dut), r in rows.items():
        assert r["error"] == "", r
        assert r["gen_ring_seen"] == ring
        assert r["ring_seen"] == (ring if dut == "vdp" else "")
    assert clean(tmp_path, "packed") == 0 and clean(tmp_path, "split") == 0

    # an old vdp-b without packed rings: the generator asked, vdp-b said no
    out = add_row(tmp_path, "vdp-b", "packed", "testpmd-gen-s3-split.log",
                  {"vhost0": "split", "vhost1": "split"}, attempt=2)
    add_row(tmp_path, "vdp", "packed", "testpmd-gen-s3-packed.log", both, attempt=2)
    msg = ("ring layout: asked for packed rings, but vdp-b's vhost ports negotiated vhost0 "
           "split, vhost1 split (/vdp/vhost); the generator's virtio PMD runs port 0 split, "
           "port 1 split")
    assert "1 S3 64B packed vdp-b: error: " + msg in out
    # a generator that ran split for a testpmd DUT asked for packed
    add_row(tmp_path, "testpmd", "packed", "testpmd-gen-s3-split.log", attempt=3)
    with open(tmp_path / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[4]["error"] == msg and rows[4]["ring_seen"] == "split"
    assert rows[6]["error"] == ("ring layout: asked for packed rings, but the generator's "
                                "virtio PMD runs port 0 split, port 1 split")
    # a ring mismatch is final: its group is not run again
    assert clean(tmp_path, "packed", attempt=2) == 0
    # any other error is a reason to
    add_row(tmp_path, "vdp", "packed", "testpmd-gen-s3-packed.log", both, attempt=4)
    meas = tmp_path / "m.json"
    meas.write_text('{"error": "no traffic at gen_rx within 30s"}\n')
    subprocess.run([sys.executable, SCRIPT, "row", "--meas", str(meas), "--dut-log",
                    os.path.join(DATA, "testpmd-dut-io-2ports.log"), "--round", "1",
                    "--scenario", "S3", "--size", "64", "--ring", "packed", "--dut", "testpmd",
                    "--order", "2", "--attempt", "4", "--runs", str(tmp_path / "runs.csv")],
                   capture_output=True, timeout=30, check=True)
    assert clean(tmp_path, "packed", attempt=4) == 1


def test_latency_ring(tmp_path):
    """latency.csv has the layout asked for and the one vdp-latency ran;
    its table one row per layout; a latency.csv without the column is split."""
    out = tmp_path / "latency.csv"
    for ring, log in (("packed", "vdp-latency-s3-packed.log"), ("split", "vdp-latency-s2.log"),
                      ("split", "vdp-latency-s3-packed.log")):
        res = subprocess.run([sys.executable, SCRIPT, "latency-row", "--log",
                              os.path.join(DATA, log), "--round", "1", "--scenario", "S3",
                              "--size", "64", "--ring", ring, "--dut", "vdp", "--load", "50",
                              "--max-pps", "590004", "--out", str(out)],
                             capture_output=True, text=True, timeout=30)
        assert res.returncode == 0, res.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["ring"], r["gen_ring_seen"]) for r in rows] == [
        ("packed", "packed"), ("split", ""), ("split", "packed")]
    assert rows[0]["error"] == "" and rows[0]["p50_us"] == "3310.50"
    assert rows[1]["error"] == ""  # a log from before the path lines: no check
    assert rows[2]["error"] == ("ring layout: asked for split rings, but the generator's "
                                "virtio PMD runs port 0 packed, port 1 packed")
    res = subprocess.run([sys.executable, SCRIPT, "latency-summary", "--csv", str(out),
                          "--markdown", str(tmp_path / "lat.md")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["scenario", "size", "ring", "dut"]
    assert [l.split()[2] for l in lines[1:]] == ["split", "packed"]
    assert lines[2].split()[7] == "3310.50"
    assert "| S3 | 64 | packed | vdp | 50 |" in (tmp_path / "lat.md").read_text()
    # from before the ring column
    old = tmp_path / "old.csv"
    with open(old, "w", newline="") as f:
        fields = [k for k in bp.LAT_FIELDS if k not in ("ring", "gen_ring_seen")]
        wr = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        wr.writeheader()
        wr.writerow(rows[0])
    res = subprocess.run([sys.executable, SCRIPT, "latency-summary", "--csv", str(old)],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout
    assert res.stdout.splitlines()[1].split()[:5] == ["S3", "64", "split", "vdp", "50"]


def test_plot_rings(tmp_path):
    """Both layouts in one plot: a line per DUT and layout."""
    pytest.importorskip("matplotlib")
    sp = tmp_path / "summary.csv"
    with open(sp, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=bp.SUMMARY_FIELDS, restval="")
        wr.writeheader()
        for ring, k in (("split", 1.0), ("packed", 1.1)):
            for size in (64, 1518):
                for dut, m in (("vdp", 10.0), ("testpmd", 8.0)):
                    wr.writerow({"scenario": "S2", "size": size, "ring": ring, "dut": dut,
                                 "mpps": k * m * 64 / size, "mpps_min": k * m * 60 / size,
                                 "mpps_max": k * m * 70 / size})
    out = tmp_path / "mpps.png"
    res = subprocess.run([sys.executable, SCRIPT, "plot", "--summary", str(sp), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_poll_summary(tmp_path):
    """bench_poll.sh's table: idle CPU and wake-up figures per DUT, the
    adaptive / busy Mpps ratio as the median of the per-round ratios, busy
    cycles per packet and latency under load from bench.sh's CSVs; each
    target met or not, exit 3 when one was missed."""
    def write(name, fields, rows):
        with open(tmp_path / name, "w", newline="") as f:
            wr = csv.DictWriter(f, fieldnames=fields, restval="")
            wr.writeheader()
            wr.writerows(rows)
    write("idle.csv", bp.IDLE_FIELDS, [
        {"dut": "vdp-busy", "window_s": "10.0", "cpu_pct": "99.8", "other_cpu_pct": "1",
         "sleeps": "0", "sleep_pct": "0.00"},
        {"dut": "vdp-adaptive", "window_s": "10.0", "cpu_pct": "0.4", "other_cpu_pct": "1",
         "sleeps": "0", "sleep_pct": "100.00"},
        {"dut": "testpmd", "window_s": "10.0", "cpu_pct": "100.1", "other_cpu_pct": "2"}])
    write("wake.csv", bp.WAKE_FIELDS, [
        {"dut": d, "idle_ms": 1000, "count": 30, "samples": 30, "lost": 0, "p50_us": p50,
         "p99_us": p99, "max_us": p99} for d, p50, p99 in
        (("vdp-busy", "9.1", "12.0"), ("vdp-adaptive", "30.5", "48.0"), ("testpmd", "11", "15"))])
    runs = []
    for rnd, busy, adaptive in ((1, 10.0, 9.9), (2, 10.0, 9.0), (3, 11.0, 11.0)):
        for dut, mpps in (("vdp", busy), ("vdp-adaptive", adaptive)):
            r = run(rnd, dut, mpps, 80 if dut == "vdp" else 82)
            r["scenario"] = "S2"
            runs.append(r)
    write_runs(tmp_path / "runs.csv", runs)
    write("latency.csv", bp.LAT_FIELDS, [
        {"round": 1, "scenario": "S2", "size": 64, "ring": "split", "dut": d, "load_pct": 10,
         "p50_us": p50, "p99_us": p99} for d, p50, p99 in
        (("vdp", "1.0", "2.0"), ("vdp-adaptive", "1.5", "30.0"))])

    def summary(*extra):
        res = subprocess.run([sys.executable, SCRIPT, "poll-summary",
                              "--idle", str(tmp_path / "idle.csv"),
                              "--wake", str(tmp_path / "wake.csv"),
                              "--latency", str(tmp_path / "latency.csv"),
                              "--out", str(tmp_path / "poll.csv"),
                              "--markdown", str(tmp_path / "poll.md"),
                              "--command", "scripts/bench_poll.sh --rounds 3"] + list(extra),
                             capture_output=True, text=True, timeout=30)
        rows = {l.split(" | ")[0].lstrip("| "): l.strip(" |").split(" | ")
                for l in res.stdout.splitlines() if l.startswith("| ")}
        return res, rows

    res, rows = summary("--runs", str(tmp_path / "runs.csv"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "`scripts/bench_poll.sh --rounds 3`" in res.stdout
    assert open(tmp_path / "poll.md").read() == res.stdout
    assert rows["measure"] == ["measure", "vdp-busy", "vdp-adaptive", "testpmd", "target", "met"]
    idle = rows["idle CPU, % of one core (10 s, 2 idle peers)"]
    assert idle[1:4] == ["99.8", "0.4", "100.1"]
    assert idle[5] == "busy yes, adaptive yes, testpmd yes"
    p99 = rows["wake-up round trip after 1000 ms idle (30 trips, S2 64 B), p99 us"]
    assert p99[1:4] == ["12.0", "48.0", "15"] and p99[5] == "yes"
    # the per-round ratios 0.99, 0.90, 1.00: their median, not the ratio of medians
    ratio = rows["S2 64 B Mpps adaptive / busy (median of rounds, min..max)"]
    assert ratio[2] == "0.990 (0.900..1.000)" and ratio[5] == "yes"
    assert rows["S2 64 B Mpps (median, 3 rounds)"][1:4] == ["10.000", "9.900", "-"]
    assert rows["S2 64 B busy cycles/packet (telemetry)"][1:3] == ["80.0", "82.0"]
    assert rows["S2 64 B latency at 10% load, p50 / p99 us"][1:3] == ["1.00 / 2.00",
                                                                       "1.50 / 30.00"]
    # a round where adaptive fell short pulls the median under 0.98
    for r in runs:
        if r["round"] == 3 and r["dut"] == "vdp-adaptive":
            r["mpps"] = 10.0
    write_runs(tmp_path / "runs.csv", runs)
    res, rows = summary("--runs", str(tmp_path / "runs.csv"))
    assert res.returncode == 3
    ratio = rows["S2 64 B Mpps adaptive / busy (median of rounds, min..max)"]
    assert ratio[2] == "0.909 (0.900..0.990)" and ratio[5] == "NO"
