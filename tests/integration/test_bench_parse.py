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
    assert hdr[-5:] == ["busy%", "bound", "capacity_Mpps", "other_cpu%", "rounds"]
    vdp = [l for l in res.stdout.splitlines() if l.split()[2:3] == ["vdp"]][0].split()
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
    vdp_line = [l for l in res.stdout.splitlines() if l.split()[2:3] == ["vdp"]][0]
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
