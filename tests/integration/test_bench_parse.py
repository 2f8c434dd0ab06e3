# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""scripts/bench_parse.py against recorded generator and DUT output, and its
summary arithmetic on a hand-made runs.csv (no processes, no traffic)."""

import csv
import importlib.util
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


def test_pktgen_two_ports():
    p = bp.parse_pktgen(text("pktgen-s3-2ports.log"))
    assert p["version"] == "23.03.1"
    assert p["ports"] == [0, 1]
    assert p["window_s"] == pytest.approx(5.0)
    assert p["rx"] == (81403904 - 41852416) + (81397760 - 41849088)
    assert p["tx"] == (81431552 - 41876992) + (81426432 - 41873920)
    assert p["rx_mpps"] == pytest.approx(15.820032)
    assert p["tx_mpps"] == pytest.approx(15.8214144)
    assert p["rx_gbps"] == pytest.approx(15.820032 * 60 * 8 / 1000)


def test_pktgen_window_not_finished():
    p = bp.parse_pktgen(text("pktgen-s1-1port-unfinished.log"))
    assert p == {"version": "23.03.1"}


def test_gen_output_cli():
    res = subprocess.run([sys.executable, SCRIPT, "gen-output", "--generator", "pktgen",
                          os.path.join(DATA, "pktgen-s3-2ports.log")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert '"rx": 79100160' in res.stdout


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


def run(rnd, dut, mpps, cyc, attempt=1, other=1.0, error=""):
    return {"round": rnd, "scenario": "S1", "size": 64, "dut": dut, "attempt": attempt,
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
                     (3, "pktgen-s3-2ports.log")):  # the last has no result line
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
