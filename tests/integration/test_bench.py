# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""scripts/bench.sh --quick: a well-formed CSV with a rate for every DUT,
every table headed by its host line, and nothing left behind (processes,
sockets, namespaces), also on Ctrl-C or when it refuses its options.
Checks the harness, not the numbers (--no-huge, 1 s windows, any load)."""

import csv
import glob
import json
import os
import re
import signal
import subprocess
import time

import pytest

from vdptest import ROOT, wait_for

BENCH = os.path.join(ROOT, "scripts", "bench.sh")
DUTS = ["vdp", "vdp-rte", "testpmd"]


def env():
    return dict(os.environ, VDP_BUILD=os.environ.get("VDP_BUILD", os.path.join(ROOT, "build")))


def leftovers(pid):
    """What a bench.sh with this pid could have left behind."""
    tag = "vdpbench%d" % pid
    left = []
    ps = subprocess.run(["pgrep", "-af", tag], capture_output=True, text=True).stdout
    left += [l for l in ps.splitlines() if l.strip()]
    left += glob.glob("/var/run/dpdk/%s*" % tag)
    ns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    left += [l for l in ns.splitlines() if tag in l]
    link = subprocess.run(["ip", "link", "show", "vdpbt%d" % pid], capture_output=True)
    if link.returncode == 0:
        left.append("tap vdpbt%d" % pid)
    return left


def run_dirs():
    return set(glob.glob("/tmp/vdp-bench.*"))


def result_dirs():
    return set(glob.glob(os.path.join(ROOT, "bench-results", "*")))


HOST_LINE = re.compile(r"^host: (.+), TSC (\d+\.\d\d GHz(?: \(kernel\))?|~\d+\.\d\d GHz "
                       r"\(cpu MHz\)|unknown), AVX2 (yes|no), AVX-512 (yes|no), "
                       r"commit ([0-9a-f]{4,40}(?:-dirty)?)$")


def check_host_line(out, res_dir):
    """The host line heads the stdout table, summary.md and info.txt, and
    says what /proc/cpuinfo and git say; DPDK gave the TSC rate."""
    with open("/proc/cpuinfo") as f:
        first = f.read().split("\n\n")[0]
    model = re.search(r"^model name\s*: (.*)$", first, re.M)
    flags = re.search(r"^flags\s*: (.*)$", first, re.M).group(1).split()
    sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=True).stdout.strip()
    lines = out.splitlines()
    table = [i for i, l in enumerate(lines) if re.match(r"scenario +size +ring +dut ", l)][0]
    line = lines[table - 1]
    m = HOST_LINE.match(line)
    assert m, line
    assert m.group(1) == (" ".join(model.group(1).split()) if model else "unknown CPU")
    assert m.group(2).endswith(" GHz"), line  # DPDK's calibration, not a fallback
    assert m.group(3) == ("yes" if "avx2" in flags else "no")
    assert m.group(4) == ("yes" if "avx512f" in flags else "no")
    assert m.group(5).split("-")[0] == sha
    with open(os.path.join(res_dir, "summary.md")) as f:
        assert f.readline().rstrip("\n") == line
    with open(os.path.join(res_dir, "info.txt")) as f:
        info = f.read()
    assert info.splitlines()[0] == line
    assert re.search(r"^tsc: \d+ MHz, DPDK's calibration \(TSC frequency is ~\d+ KHz\)$",
                     info, re.M), info
    with open(os.path.join(res_dir, "host.json")) as f:
        host = json.load(f)
    assert host["line"] == line and host["tsc_source"] == "dpdk"
    # DPDK rounds its calibration to 10 MHz
    assert m.group(2) == "%.2f GHz" % (host["tsc_mhz"] / 1000)
    return info


def test_bench_quick_all_scenarios():
    before = run_dirs()
    # --quick, then S3 and S4 too (one 64-byte run of each DUT per scenario)
    proc = subprocess.Popen(["bash", BENCH, "--quick", "--no-huge", "--warmup", "0",
                             "--duration", "1", "--max-other", "0",
                             "--duts", ",".join(DUTS), "--scenarios", "S1,S2,S3,S4"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env())
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-4000:]
    m = re.search(r"^summary: +(\S+)$", out, re.M)
    assert m, out[-4000:]
    summary = m.group(1)
    res_dir = os.path.dirname(summary)
    with open(summary, newline="") as f:
        rows = list(csv.DictReader(f))
    for field in ("scenario", "size", "dut", "mpps", "mpps_min", "mpps_max", "gbps",
                  "busy_cyc_pkt", "loss_pct", "vs_testpmd", "vs_vdp_rte"):
        assert field in rows[0], field
    # split rings only, by default
    assert {r["ring"] for r in rows} == {"split"}
    got = {(r["scenario"], r["size"], r["dut"]): r for r in rows}
    for sc in ("S1", "S2", "S3", "S4"):
        for dut in DUTS:
            r = got[(sc, "64", dut)]
            assert float(r["mpps"]) > 0, r
            assert float(r["gbps"]) > 0, r
            assert float(r["busy_cyc_pkt"]) > 0, r
            assert r["loss_pct"] != "", r
        assert float(got[(sc, "64", "vdp")]["vs_testpmd"]) > 0
        assert float(got[(sc, "64", "vdp")]["vs_vdp_rte"]) > 0
    with open(os.path.join(res_dir, "runs.csv"), newline="") as f:
        runs = list(csv.DictReader(f))
    assert all(r["generator"] == "testpmd" for r in runs)
    # the layout asked for, the generator's virtio PMD ran and vdp negotiated
    assert all(r["ring"] == "split" and r["gen_ring_seen"] == "split" for r in runs)
    assert {r["dut"]: r["ring_seen"] for r in runs} == {"vdp": "split", "vdp-rte": "split",
                                                         "testpmd": ""}
    assert os.path.exists(os.path.join(res_dir, "logs", "r1-S3-64-split-vdp-a1.dut.log"))
    # the vdp DUTs ran the engine they are named after
    engines = {r["dut"]: r["vdp_engine"] for r in runs if not r["error"]}
    assert engines["vdp"] == "virtq" and engines["vdp-rte"] == "rte"
    # vdp's default zero-copy mode; the rte engine has none
    zcopy = {r["dut"]: r["vdp_zcopy"] for r in runs if not r["error"]}
    assert zcopy["vdp"] == "auto" and zcopy["vdp-rte"] == "" and zcopy["testpmd"] == ""
    assert os.path.getsize(os.path.join(res_dir, "summary.md")) > 0
    assert "S3" in out and "vs testpmd" in out
    # no vdp-copy in this run: no column for it
    assert "vs vdp-copy" not in out
    info = check_host_line(out, res_dir)
    assert "vdp-vhost-opts: none" in info
    assert "rings: split (packed: packed_vq=1 on the generator's virtio-user vdevs)" in info
    assert "vdp: --vhost PATH,engine=virtq\n" in info
    assert "vdp-rte: --vhost PATH,engine=rte\n" in info
    try:
        import matplotlib  # noqa: F401
        with open(os.path.join(res_dir, "mpps.png"), "rb") as f:
            assert f.read(4) == b"\x89PNG"
    except ImportError:
        pass
    assert leftovers(proc.pid) == []
    assert run_dirs() == before


def test_bench_rings():
    """--rings split,packed: every case runs on both layouts, packed with
    packed_vq=1 on the generator's vdevs; each run records what the
    generator and vdp negotiated; the summary has one row per DUT and
    layout, its ratios inside one. (--latency's vdp-latency takes the same
    vdevs; test_bench_parse.py reads its packed output.)"""
    before = run_dirs()
    proc = subprocess.Popen(["bash", BENCH, "--quick", "--no-huge", "--warmup", "0",
                             "--duration", "1", "--max-other", "0", "--scenarios", "S3",
                             "--duts", "vdp,testpmd", "--rings", "split,packed"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env())
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-4000:]
    summary = re.search(r"^summary: +(\S+)$", out, re.M).group(1)
    res_dir = os.path.dirname(summary)
    with open(summary, newline="") as f:
        rows = list(csv.DictReader(f))
    # split first, then packed; each with its own ratio
    assert [(r["ring"], r["dut"]) for r in rows] == [
        ("split", "vdp"), ("split", "testpmd"), ("packed", "vdp"), ("packed", "testpmd")]
    for r in rows:
        assert float(r["mpps"]) > 0 and r["rounds"] == "1", r
    got = {(r["ring"], r["dut"]): r for r in rows}
    for ring in ("split", "packed"):
        assert float(got[(ring, "vdp")]["vs_testpmd"]) == pytest.approx(
            float(got[(ring, "vdp")]["mpps"]) / float(got[(ring, "testpmd")]["mpps"]),
            rel=2e-3)
    with open(os.path.join(res_dir, "runs.csv"), newline="") as f:
        runs = list(csv.DictReader(f))
    assert sorted((r["ring"], r["dut"]) for r in runs) == [
        ("packed", "testpmd"), ("packed", "vdp"), ("split", "testpmd"), ("split", "vdp")]
    for r in runs:
        assert r["error"] == "" and r["gen_ring_seen"] == r["ring"], r
        assert r["ring_seen"] == (r["ring"] if r["dut"] == "vdp" else ""), r
    logs = os.path.join(res_dir, "logs")
    with open(os.path.join(logs, "r1-S3-64-packed-vdp-a1.gen.log")) as f:
        assert "using packed ring" in f.read()
    with open(os.path.join(logs, "r1-S3-64-split-testpmd-a1.gen.log")) as f:
        assert "using packed ring" not in f.read()
    assert "rings: split packed" in open(os.path.join(res_dir, "info.txt")).read()
    assert leftovers(proc.pid) == []
    assert run_dirs() == before


def test_bench_rings_refused(tmp_path):
    """Bad --rings: refused before anything starts, in the bench's words."""
    assert "bench: error: --rings: 'ring' is not split or packed" in bench_refused(
        ["--rings", "split,ring"], tmp_path)
    assert "bench: error: --rings: empty" in bench_refused(["--rings", ","], tmp_path)
    assert "bench: error: --rings: 'packed' twice" in bench_refused(
        ["--rings", "packed,split,packed"], tmp_path)


def test_bench_ctrl_c_cleans_up():
    before = run_dirs()
    proc = subprocess.Popen(["bash", BENCH, "--quick", "--no-huge", "--max-other", "0",
                             "--duration", "30", "--duts", "vdp,testpmd", "--scenarios", "S4"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env(), start_new_session=True)
    try:
        # interrupt in the middle of a run: the DUT and the generator are up
        wait_for(lambda: len(glob.glob("/var/run/dpdk/vdpbench%d-*-gen" % proc.pid)) > 0,
                 120, what="a generator of the benchmark")
        time.sleep(2)
        # Ctrl-C: SIGINT to the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, out[-3000:]
    assert "interrupted" in out
    assert leftovers(proc.pid) == []
    assert run_dirs() == before


def test_bench_refuses_taken_socket(tmp_path):
    (tmp_path / "vhost0.sock").write_text("")
    res = subprocess.run(["bash", BENCH, "--quick", "--no-huge", "--run-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, env=env())
    assert res.returncode == 2
    assert "socket path %s is taken" % (tmp_path / "vhost0.sock") in res.stderr



def test_bench_vdp_b(tmp_path):
    """--vdp-b: a second vdp binary runs as DUT vdp-b, and vdp's row has its
    ratios to it; vdp-b without --vdp-b, or a path that is no program, is
    refused before anything starts."""
    import shutil
    from vdptest import BUILD
    other = tmp_path / "vdp-other"
    shutil.copy(os.path.join(BUILD, "app", "vdp", "vdp"), other)
    res = subprocess.run(["bash", BENCH, "--quick", "--no-huge", "--warmup", "0",
                          "--duration", "1", "--max-other", "0", "--scenarios", "S2",
                          "--duts", "vdp,vdp-b", "--vdp-b", str(other)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=600, env=env())
    assert res.returncode == 0, res.stdout[-4000:]
    assert "vs vdp-b (median, min..max)" in res.stdout
    summary = re.search(r"^summary: +(\S+)$", res.stdout, re.M).group(1)
    with open(summary, newline="") as f:
        got = {r["dut"]: r for r in csv.DictReader(f)}
    assert float(got["vdp-b"]["mpps"]) > 0
    assert float(got["vdp"]["vs_vdp_b"]) > 0
    info = open(os.path.join(os.path.dirname(summary), "info.txt")).read()
    assert "vdp-b" in info
    res = subprocess.run(["bash", BENCH, "--quick", "--no-huge", "--duts", "vdp,vdp-b"],
                         capture_output=True, text=True, timeout=60, env=env())
    assert res.returncode == 2
    assert "vdp-b needs --vdp-b PATH" in res.stderr
    res = subprocess.run(["bash", BENCH, "--quick", "--no-huge", "--duts", "vdp,vdp-b",
                          "--vdp-b", str(tmp_path / "nothing")],
                         capture_output=True, text=True, timeout=60, env=env())
    assert res.returncode == 2
    assert "is not an executable file" in res.stderr

def test_bench_vdp_copy_and_vhost_opts():
    """vdp-copy runs vdp with zcopy=off on its vhost ports, and vdp's row has
    its ratios to it; --vdp-vhost-opts goes to vdp's ports only (here: zero-
    copy from 200 bytes, so 256-byte frames are zero-copied)."""
    before = run_dirs()
    proc = subprocess.Popen(["bash", BENCH, "--quick", "--no-huge", "--warmup", "0",
                             "--duration", "1", "--max-other", "0", "--scenarios", "S2",
                             "--sizes", "256", "--duts", "vdp-copy,vdp,testpmd",
                             "--vdp-vhost-opts", "zcopy=on,zcopy-min=200"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env())
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-4000:]
    assert "vs vdp-copy (median, min..max)" in out and "cyc vs vdp-copy" in out
    summary = re.search(r"^summary: +(\S+)$", out, re.M).group(1)
    res_dir = os.path.dirname(summary)
    with open(summary, newline="") as f:
        rows = list(csv.DictReader(f))
    # the table's order, whatever --duts said
    assert [r["dut"] for r in rows] == ["vdp", "vdp-copy", "testpmd"]
    got = {r["dut"]: r for r in rows}
    assert float(got["vdp-copy"]["mpps"]) > 0
    assert float(got["vdp-copy"]["vs_testpmd"]) > 0
    assert got["vdp-copy"]["vs_vdp_copy"] == ""
    v = got["vdp"]
    assert float(v["vs_vdp_copy"]) > 0 and float(v["cyc_vs_vdp_copy"]) > 0
    assert float(v["vs_vdp_copy"]) == pytest.approx(float(got["vdp"]["mpps"]) /
                                                    float(got["vdp-copy"]["mpps"]), rel=2e-3)
    with open(os.path.join(res_dir, "runs.csv"), newline="") as f:
        runs = {r["dut"]: r for r in csv.DictReader(f) if not r["error"]}
    assert runs["vdp"]["vdp_zcopy"] == "on" and int(runs["vdp"]["vdp_zc_pkts"]) > 0
    assert runs["vdp-copy"]["vdp_zcopy"] == "off" and runs["vdp-copy"]["vdp_zc_pkts"] == "0"
    assert runs["vdp-copy"]["vdp_engine"] == "virtq"
    info = check_host_line(out, res_dir)
    assert "vdp-vhost-opts: zcopy=on,zcopy-min=200 (DUTs vdp and vdp-b)" in info
    assert "vdp: --vhost PATH,engine=virtq,zcopy=on,zcopy-min=200\n" in info
    assert "vdp-copy: --vhost PATH,engine=virtq,zcopy=off\n" in info
    assert leftovers(proc.pid) == []
    assert run_dirs() == before


def bench_refused(args, tmp_path):
    """bench.sh with args: it refuses (exit 2) before any run and leaves
    nothing behind, not even a results directory; its stderr."""
    before, results = run_dirs(), result_dirs()
    proc = subprocess.Popen(["bash", BENCH, "--quick", "--no-huge"] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    assert "round 1" not in out
    assert leftovers(proc.pid) == []
    assert run_dirs() == before and result_dirs() == results
    return err


def test_bench_vdp_vhost_opts_refused(tmp_path):
    """Bad --vdp-vhost-opts stop the bench before the first run: its own
    checks (empty, not KEY=VALUE, keys the bench sets), then vdp's, in vdp's
    words; a vdp that does not take a DUT's options (here a stand-in for an
    old build as vdp-b) too."""
    assert "--vdp-vhost-opts: empty" in bench_refused(["--vdp-vhost-opts", ""], tmp_path)
    err = bench_refused(["--vdp-vhost-opts", "zcopy=on,,zcopy-min=256"], tmp_path)
    assert "--vdp-vhost-opts: 'zcopy=on,,zcopy-min=256' has an empty option" in err
    err = bench_refused(["--vdp-vhost-opts", "zcopy =on"], tmp_path)
    assert "--vdp-vhost-opts: 'zcopy =on' is not KEY or KEY=VALUE" in err
    for key in ("engine=rte", "name=x", "client"):
        err = bench_refused(["--vdp-vhost-opts", "zcopy=on," + key], tmp_path)
        assert "--vdp-vhost-opts: '%s': the bench sets %s itself" % (key, key.split("=")[0]) \
            in err
    err = bench_refused(["--vdp-vhost-opts", "zcopy=bogus", "--duts", "vdp,testpmd"], tmp_path)
    assert "--vdp-vhost-opts: vdp (%s) does not take 'zcopy=bogus': vdp: error:" \
        % os.path.join(env()["VDP_BUILD"], "app", "vdp", "vdp") in err
    assert "'bogus'" in err.split("vdp: error:")[1]
    old = tmp_path / "vdp-old"
    old.write_text("#!/bin/sh\necho \"vdp: error: --vhost: unknown key 'zcopy=on'\" >&2\nexit 2\n")
    old.chmod(0o755)
    err = bench_refused(["--duts", "vdp,vdp-b", "--vdp-b", str(old),
                         "--vdp-vhost-opts", "zcopy=on"], tmp_path)
    assert ("--vdp-vhost-opts: vdp-b (%s) does not take 'zcopy=on': vdp: error: --vhost: "
            "unknown key 'zcopy=on'" % old) in err
    err = bench_refused(["--duts", "vdp,vdp-b", "--vdp-b", str(old)], tmp_path)
    assert "vdp-b: %s does not take --vhost PATH,engine=virtq: vdp: error:" % old in err


def bench_pktgen_refused(pktgen, tmp_path):
    env_ = env()
    env_["PKTGEN"] = str(pktgen)
    before, results = run_dirs(), result_dirs()
    proc = subprocess.Popen(["bash", BENCH, "--quick", "--no-huge", "--duts", "vdp"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    assert "round 1" not in out
    assert leftovers(proc.pid) == []
    assert run_dirs() == before and result_dirs() == results
    return [l for l in err.splitlines() if l.startswith("bench: error:")]


def test_bench_refuses_bad_pktgen(tmp_path):
    """A PKTGEN that is not an executable file, or that exits at once (as
    pktgen does without a terminal, or built without Lua), stops the bench
    before the first run with one line that says why, quoting it."""
    assert bench_pktgen_refused(tmp_path / "nothing", tmp_path) == [
        "bench: error: PKTGEN=%s is not an executable file" % (tmp_path / "nothing")]
    assert bench_pktgen_refused(tmp_path, tmp_path) == [
        "bench: error: PKTGEN=%s is not an executable file" % tmp_path]
    quits = tmp_path / "pktgen"
    quits.write_text("#!/bin/sh\necho 'EAL: Detected CPU lcores: 2'\n"
                     "echo 'scrn_constructor: tcgetattr failed'\nexit 1\n")
    quits.chmod(0o755)
    assert bench_pktgen_refused(quits, tmp_path) == [
        "bench: error: PKTGEN=%s did not start and run a Lua script (pktgen built with "
        "-Denable_lua=true?); its last lines: EAL: Detected CPU lcores: 2 | "
        "scrn_constructor: tcgetattr failed" % quits]


def test_bench_refuses_one_cpu():
    res = subprocess.run(["taskset", "-c", "0", "bash", BENCH, "--quick", "--no-huge"],
                         capture_output=True, text=True, timeout=60, env=env())
    assert res.returncode == 1
    assert "needs 2 CPUs" in res.stderr


def test_latency_tool_through_vdp(sockdir, procs):
    """tools/latency's vdp-latency: every packet it sends through vdp's
    macswap comes back and gets a sample; percentiles in order."""
    from vdptest import BUILD, Vdp, unique
    sock = os.path.join(sockdir, "v0.sock")
    vdp = Vdp(["--vhost", sock, "--fwd", "macswap"])
    procs.append(vdp)
    vdp.wait_started()
    prefix = unique("vdplat")
    res = subprocess.run([os.path.join(BUILD, "tools", "latency", "vdp-latency"), "--no-huge",
                          "-m", "256", "--single-file-segments", "--no-pci", "--lcores", "0@0",
                          "--file-prefix", prefix, "--log-level", "*:notice",
                          "--vdev", "net_virtio_user0,path=%s,queue_size=1024" % sock, "--",
                          "--rate", "2000", "--duration", "1", "--warmup", "0.5",
                          "--size", "128"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    m = re.search(r"^latency: (.*)$", res.stdout, re.M)
    assert m, res.stdout
    lat = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    assert lat["samples"] > 0 and lat["foreign"] == 0
    # (vdp may drop a few when the generator is descheduled with its rx ring full)
    assert lat["received"] >= 0.9 * lat["sent"]
    assert 0 < lat["min_ns"] <= lat["p50_ns"] <= lat["p99_ns"] <= lat["p999_ns"]
    assert lat["p999_ns"] <= lat["max_ns"] + 1000
    wait_for(lambda: vdp.port("vhost0")["rx_packets"] == lat["sent"], 10,
             what="vdp to count every packet sent")


def test_latency_tool_wake_mode(sockdir, procs):
    """vdp-latency --idle-ms: COUNT single round trips, each after the idle
    time, through an adaptive vdp that sleeps in between and is woken by
    the guest's kick; the latency: line of the paced mode plus idle_ms,
    count and lost, and the same figures in microseconds."""
    from vdptest import BUILD, Vdp, unique
    sock = os.path.join(sockdir, "v0.sock")
    vdp = Vdp(["--vhost", sock, "--fwd", "macswap", "--poll-mode", "adaptive"])
    procs.append(vdp)
    vdp.wait_started()
    res = subprocess.run([os.path.join(BUILD, "tools", "latency", "vdp-latency"), "--no-huge",
                          "-m", "256", "--single-file-segments", "--no-pci", "--lcores", "0@0",
                          "--file-prefix", unique("vdplat"), "--log-level", "*:notice",
                          "--vdev", "net_virtio_user0,path=%s,queue_size=1024" % sock, "--",
                          "--idle-ms", "50", "--count", "5"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    lat = {k: float(v) for k, v in (kv.split("=") for kv in
                                    re.search(r"^latency: (.*)$", res.stdout, re.M)
                                    .group(1).split())}
    assert lat["samples"] == 5 and lat["count"] == 5 and lat["lost"] == 0, lat
    assert lat["idle_ms"] == 50 and lat["sent"] == 5
    assert 0 < lat["min_ns"] <= lat["p50_ns"] <= lat["p99_ns"] <= lat["max_ns"] + 10
    us = re.search(r"^vdp-latency: wake-up round trips after 50 ms idle: 5 of 5 back, "
                   r"p50 ([0-9.]+) us, p99 ([0-9.]+) us, max ([0-9.]+) us$", res.stdout, re.M)
    assert us, res.stdout
    assert float(us.group(3)) == pytest.approx(lat["max_ns"] / 1000, abs=0.01)
    # each round trip found the worker asleep (50 ms >> 200 us) and a kick woke it
    lc = list(vdp.telemetry("/vdp/lcores").values())[0]
    assert lc["sleeps"] >= 5 and lc["wake_kick"] >= 5, lc
    # bad arguments: no --rate and no --idle-ms, or --count 0
    for extra in ([], ["--idle-ms", "10", "--count", "0"]):
        res = subprocess.run([os.path.join(BUILD, "tools", "latency", "vdp-latency"),
                              "--no-huge", "-m", "64", "--no-pci", "--lcores", "0@0",
                              "--file-prefix", unique("vdplat"), "--log-level", "*:error",
                              "--vdev", "net_null0", "--"] + extra,
                             capture_output=True, text=True, timeout=60)
        assert res.returncode == 2 and "--idle-ms MS" in res.stdout, extra


BENCH_POLL = os.path.join(ROOT, "scripts", "bench_poll.sh")


def test_bench_poll_help_and_bad_options():
    """scripts/bench_poll.sh --help says what it measures and exits 0; an
    unknown option or a bad value is refused at once (exit 2, one error
    line in the script's words), before it needs root, builds or starts
    anything, and without a results directory."""
    res = subprocess.run(["bash", BENCH_POLL, "--help"], capture_output=True, text=True,
                         timeout=60, env=env())
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Usage: scripts/bench_poll.sh")
    for opt in ("--parts", "--duts", "--idle-seconds", "--idle-ms", "--count", "--rounds",
                "--duration", "--quick"):
        assert opt in res.stdout, opt
    results = result_dirs()
    for args, msg in ((["--bogus"], "unknown option '--bogus'"),
                      (["--parts", "idle,sleep"], "--parts: 'sleep' is not idle, wake, load or "
                                                  "latency"),
                      (["--duts", "vdp"], "--duts: 'vdp' is not vdp-busy, vdp-adaptive or "
                                          "testpmd"),
                      (["--duts", "testpmd,testpmd"], "--duts: 'testpmd' twice"),
                      (["--count", "0"], "--count: need a whole number >= 1"),
                      (["--idle-seconds", "x"], "--idle-seconds: need whole seconds >= 1")):
        res = subprocess.run(["bash", BENCH_POLL] + args, capture_output=True, text=True,
                             timeout=60, env=env())
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        errors = [l for l in res.stderr.splitlines() if l.startswith("bench_poll: error:")]
        assert errors == ["bench_poll: error: " + msg], (args, res.stderr)
        assert res.stdout == ""
    assert result_dirs() == results
