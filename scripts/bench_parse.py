#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Measurement and summary helper for scripts/bench.sh (python3 stdlib only).

  bench_parse.py measure --scenario S1|S2 --gen PREFIX --dut-kind vdp|testpmd
                         --dut PREFIX --warmup S --duration S
      Waits until the generator's counters move, waits the warm-up, then
      samples the generator's and the DUT's counters over their telemetry
      sockets at the start and end of the window. Prints one JSON object.

  bench_parse.py row --meas FILE --dut-log FILE --round N --scenario S
                     --size B --dut vdp|testpmd --order N --runs CSV
      Adds one run to the per-run CSV: the window's rates and cycles, plus
      testpmd's --record-core-cycles line from its exit output.

  bench_parse.py quiet --max-other P [--seconds N] [--timeout S]
      Waits until the CPUs have been busy less than P% of one CPU for N
      seconds in a row (nothing of bench.sh's runs then).

  bench_parse.py clean --runs CSV --round N --scenario S --size B --attempt N
                       --max-other P
      Exit 0 when both runs of that pair attempt worked and other processes
      took at most P% of a CPU during their windows.

  bench_parse.py summary --runs CSV --out CSV [--markdown FILE]
      Pairs the runs of each round, prints the table and writes the summary.
"""

import argparse
import csv
import json
import math
import os
import re
import signal
import socket
import statistics
import sys
import time

RUNTIME = "/var/run/dpdk"


def telemetry(prefix, cmd, timeout=5.0):
    """One command on a DPDK process's telemetry socket; its JSON value."""
    path = os.path.join(RUNTIME, prefix, "dpdk_telemetry.v2")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.recv(16384)
        s.send(cmd.encode())
        reply = json.loads(s.recv(1 << 20).decode())
    finally:
        s.close()
    return reply[cmd.split(",")[0]]


def gen_stats(prefix):
    st = telemetry(prefix, "/ethdev/stats,0")
    return {k: st[k] for k in ("ipackets", "opackets", "ibytes", "obytes")}


def dut_sample(kind, prefix):
    """The DUT's packet counters and, for vdp, its worker's cycles."""
    if kind == "vdp":
        port = telemetry(prefix, "/vdp/port,0")
        lcores = telemetry(prefix, "/vdp/lcores")
        busy = sum(c["busy_cycles"] for c in lcores.values())
        idle = sum(c["idle_cycles"] for c in lcores.values())
        pkts = sum(c["packets"] for c in lcores.values())
        return {"rx": port["rx_packets"], "tx": port["tx_packets"],
                "busy": busy, "idle": idle, "pkts": pkts}
    st = telemetry(prefix, "/ethdev/stats,0")
    return {"rx": st["ipackets"], "tx": st["opackets"]}


def sample(args):
    """Generator first, timestamped right after its reply, then the DUT."""
    g = gen_stats(args.gen)
    t = time.monotonic()
    d = dut_sample(args.dut_kind, args.dut)
    return t, g, d


def proc_ticks(pid):
    """utime + stime of a process (all its threads), in clock ticks."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def busy_ticks():
    """CPU time all CPUs spent running anything (not idle, iowait, steal)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq


def cpu_snapshot(pids):
    return busy_ticks(), sum(proc_ticks(p) for p in pids + ["self"])


def cmd_measure(args):
    key = "opackets" if args.scenario == "S1" else "ipackets"
    deadline = time.monotonic() + args.timeout
    first = None
    while True:
        try:
            g = gen_stats(args.gen)
            dut_sample(args.dut_kind, args.dut)
            if first is None:
                first = g[key]
            elif g[key] > first:
                break
        except (OSError, ValueError, KeyError):
            pass
        if time.monotonic() > deadline:
            print(json.dumps({"error": "no traffic at the generator (%s) within %ss"
                              % (key, args.timeout)}))
            return 1
        time.sleep(0.2)
    time.sleep(args.warmup)
    pids = args.pids.split()
    c0 = cpu_snapshot(pids)
    t0, g0, d0 = sample(args)
    time.sleep(args.duration)
    t1, g1, d1 = sample(args)
    c1 = cpu_snapshot(pids)
    win = t1 - t0
    # CPU time that went to anything but the generator and the DUT, in % of
    # one CPU: the two pollers alone keep both CPUs busy, so this is time
    # other processes took from them.
    other = (c1[0] - c0[0]) - (c1[1] - c0[1])
    out = {"window_s": win,
           "other_cpu_pct": max(0.0, 100.0 * other / os.sysconf("SC_CLK_TCK") / win)}
    for k in g0:
        out["gen_" + k] = g1[k] - g0[k]
    for k in d0:
        out["dut_" + k] = d1[k] - d0[k]
    if args.dut_kind == "vdp":
        out["dut_run_busy"] = d1["busy"]
        out["dut_run_pkts"] = d1["pkts"]
    print(json.dumps(out))
    return 0


TESTPMD_CYCLES = re.compile(
    r"CPU cycles/packet=([0-9.]+) \(total cycles=(\d+) / total \w+ packets=(\d+)\)"
    r" at (\d+) MHz Clock")


def fmt(v, digits=3):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return "%.*f" % (digits, v)


RUN_FIELDS = ["round", "scenario", "size", "dut", "order", "window_s",
              "mpps", "gbps", "gen_tx_mpps", "gen_rx_mpps", "dut_rx_mpps",
              "dut_tx_mpps", "busy_cyc_pkt", "run_busy_cyc_pkt", "lcore_cyc_pkt",
              "tsc_mhz", "other_cpu_pct", "attempt", "vdp_engine", "error"]


def cmd_row(args):
    row = {f: "" for f in RUN_FIELDS}
    row.update(round=args.round, scenario=args.scenario, size=args.size,
               dut=args.dut, order=args.order, attempt=args.attempt)
    try:
        with open(args.meas) as f:
            m = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError) as e:
        m = {"error": "no measurement: %s" % e}
    log = ""
    try:
        with open(args.dut_log, errors="replace") as f:
            log = f.read()
    except OSError:
        pass
    if "error" in m:
        row["error"] = m["error"]
    else:
        w = m["window_s"]
        row["window_s"] = fmt(w)
        row["other_cpu_pct"] = fmt(m["other_cpu_pct"], 1)
        rate_pkts = m["gen_opackets"] if args.scenario == "S1" else m["gen_ipackets"]
        rate_bytes = m["gen_obytes"] if args.scenario == "S1" else m["gen_ibytes"]
        row["mpps"] = fmt(rate_pkts / w / 1e6, 4)
        row["gbps"] = fmt(rate_bytes * 8 / w / 1e9, 4)
        row["gen_tx_mpps"] = fmt(m["gen_opackets"] / w / 1e6, 4)
        row["gen_rx_mpps"] = fmt(m["gen_ipackets"] / w / 1e6, 4)
        row["dut_rx_mpps"] = fmt(m["dut_rx"] / w / 1e6, 4)
        row["dut_tx_mpps"] = fmt(m["dut_tx"] / w / 1e6, 4)
        if args.dut == "vdp":
            e = re.search(r"^\s*engine: (\S+)", log, re.M)
            row["vdp_engine"] = e.group(1) if e else ""
            if m["dut_pkts"] > 0:
                row["busy_cyc_pkt"] = fmt(m["dut_busy"] / m["dut_pkts"], 1)
                row["lcore_cyc_pkt"] = fmt((m["dut_busy"] + m["dut_idle"]) / m["dut_pkts"], 1)
            if m["dut_run_pkts"] > 0:
                row["run_busy_cyc_pkt"] = fmt(m["dut_run_busy"] / m["dut_run_pkts"], 1)
        else:
            c = TESTPMD_CYCLES.search(log)
            if c:
                busy, pkts = int(c.group(2)), int(c.group(3))
                row["tsc_mhz"] = c.group(4)
                if pkts > 0:
                    row["run_busy_cyc_pkt"] = fmt(busy / pkts, 1)
                    row["busy_cyc_pkt"] = row["run_busy_cyc_pkt"]
            else:
                row["error"] = "no 'CPU cycles/packet' line in testpmd's output"
    new = not os.path.exists(args.runs) or os.path.getsize(args.runs) == 0
    with open(args.runs, "a", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=RUN_FIELDS)
        if new:
            wr.writeheader()
        wr.writerow(row)
    if row["error"]:
        print("  %s %s %sB %s: error: %s" % (args.round, args.scenario, args.size,
                                             args.dut, row["error"]))
    else:
        print("  round %s %s %4sB %-7s %7s Mpps %8s Gbps  busy %6s cyc/pkt"
              "  other CPU %5s%%" %
              (args.round, args.scenario, args.size, args.dut, row["mpps"],
               row["gbps"], row["busy_cyc_pkt"] or "-", row["other_cpu_pct"]))
    return 0


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def cmd_quiet(args):
    """Wait until the CPUs have been nearly idle for a few seconds in a row
    (nothing of ours runs between pairs); exit 1 on timeout."""
    deadline = time.monotonic() + args.timeout
    hz = os.sysconf("SC_CLK_TCK")
    calm = 0
    waited = False
    while time.monotonic() < deadline:
        b0, t0 = busy_ticks(), time.monotonic()
        time.sleep(1.0)
        pct = 100.0 * (busy_ticks() - b0) / hz / (time.monotonic() - t0)
        calm = calm + 1 if pct <= args.max_other else 0
        if calm >= args.seconds:
            return 0
        if not waited and calm == 0:
            print("[%s] waiting for other processes to leave the CPUs (%.0f%% of a CPU busy)"
                  % (time.strftime("%H:%M:%S"), pct), file=sys.stderr)
            waited = True
    return 1


def cmd_clean(args):
    """Exit 0 when both runs of this pair attempt worked on a quiet machine."""
    with open(args.runs, newline="") as f:
        pair = [r for r in csv.DictReader(f)
                if (r["round"], r["scenario"], r["size"], r["attempt"]) ==
                (args.round, args.scenario, args.size, args.attempt)]
    ok = len(pair) == 2 and all(
        not r["error"] and num(r["other_cpu_pct"]) is not None and
        num(r["other_cpu_pct"]) <= args.max_other for r in pair)
    return 0 if ok else 1


SUMMARY_FIELDS = ["scenario", "size", "rounds", "vdp_mpps", "testpmd_mpps",
                  "vdp_gbps", "testpmd_gbps", "ratio_median", "ratio_min",
                  "ratio_max", "vdp_busy_cyc_pkt", "testpmd_busy_cyc_pkt", "cyc_ratio_median",
                  "vdp_busy_pct", "testpmd_busy_pct", "vdp_run_busy_cyc_pkt",
                  "vdp_lcore_cyc_pkt", "tsc_mhz", "other_cpu_pct_max", "attempts"]


def cmd_summary(args):
    with open(args.runs, newline="") as f:
        runs = [{k: r.get(k) or "" for k in RUN_FIELDS} for r in csv.DictReader(f)]
    # A pair that failed or ran while other processes took CPU time was run
    # again: of each round's attempts, the one whose two runs worked and saw
    # the least CPU taken by others counts.
    pairs = {}
    for r in runs:
        k = (r["scenario"], r["size"], r["round"], r["attempt"] or "1")
        pairs.setdefault(k, []).append(r)
    best = {}
    for k, pair in pairs.items():
        ok = len(pair) == 2 and not any(r["error"] for r in pair)
        other = max(num(r["other_cpu_pct"]) or 0.0 for r in pair)
        score = (0 if ok else 1, other, int(k[3]))
        if k[:3] not in best or score < best[k[:3]][0]:
            best[k[:3]] = (score, k[3])
    all_runs = runs
    runs = [r for r in runs
            if best[(r["scenario"], r["size"], r["round"])][1] == (r["attempt"] or "1")]
    # testpmd prints the TSC rate EAL uses; vdp counts the same TSC.
    tsc_mhz = med(num(r["tsc_mhz"]) for r in runs)
    cases = []
    for r in runs:
        c = (r["scenario"], int(r["size"]))
        if c not in cases:
            cases.append(c)
    rows = []
    for sc, size in cases:
        by = {"vdp": {}, "testpmd": {}}
        for r in runs:
            if (r["scenario"], int(r["size"])) == (sc, size) and not r["error"] \
                    and num(r["mpps"]):
                by[r["dut"]][r["round"]] = r
        ratios = [num(by["vdp"][k]["mpps"]) / num(by["testpmd"][k]["mpps"])
                  for k in by["vdp"] if k in by["testpmd"]]
        cyc_ratios = [num(by["vdp"][k]["busy_cyc_pkt"]) / num(by["testpmd"][k]["busy_cyc_pkt"])
                      for k in by["vdp"] if k in by["testpmd"]
                      and num(by["vdp"][k]["busy_cyc_pkt"])
                      and num(by["testpmd"][k]["busy_cyc_pkt"])]

        def col(dut, field):
            return med(num(r[field]) for r in by[dut].values())

        def busy_pct(dut):
            # share of the DUT worker's TSC cycles spent in iterations that
            # moved packets, over the window: busy cycles/packet x rate
            if not tsc_mhz:
                return None
            return med(100.0 * num(r["busy_cyc_pkt"]) * num(r["dut_rx_mpps"]) / tsc_mhz
                       for r in by[dut].values()
                       if num(r["busy_cyc_pkt"]) is not None)

        rows.append({
            "scenario": sc, "size": size, "rounds": len(ratios),
            "vdp_mpps": col("vdp", "mpps"), "testpmd_mpps": col("testpmd", "mpps"),
            "vdp_gbps": col("vdp", "gbps"), "testpmd_gbps": col("testpmd", "gbps"),
            "ratio_median": med(ratios), "ratio_min": min(ratios) if ratios else None,
            "ratio_max": max(ratios) if ratios else None,
            "vdp_busy_cyc_pkt": col("vdp", "busy_cyc_pkt"),
            "testpmd_busy_cyc_pkt": col("testpmd", "busy_cyc_pkt"),
            "cyc_ratio_median": med(cyc_ratios),
            "vdp_busy_pct": busy_pct("vdp"), "testpmd_busy_pct": busy_pct("testpmd"),
            "vdp_run_busy_cyc_pkt": col("vdp", "run_busy_cyc_pkt"),
            "vdp_lcore_cyc_pkt": col("vdp", "lcore_cyc_pkt"),
            "tsc_mhz": tsc_mhz,
            "other_cpu_pct_max": max([num(r["other_cpu_pct"]) for d in by.values()
                                      for r in d.values()
                                      if num(r["other_cpu_pct"]) is not None] or [None]),
            "attempts": sum(1 for r in all_runs
                            if (r["scenario"], int(r["size"])) == (sc, size)) // 2,
        })
    with open(args.out, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=SUMMARY_FIELDS)
        wr.writeheader()
        for r in rows:
            wr.writerow({k: (fmt(v, 4) if isinstance(v, float) else v)
                         for k, v in r.items()})

    hdr = ("scenario", "size", "vdp_Mpps", "testpmd_Mpps", "vdp_Gbps", "testpmd_Gbps",
           "ratio(median, min..max)", "vdp_cyc/pkt", "testpmd_cyc/pkt", "cyc_ratio", "vdp_busy%",
           "testpmd_busy%", "other_cpu%")
    lines = [hdr]
    for r in rows:
        if r["ratio_median"] is None:
            ratio = "n/a"
        else:
            ratio = "%.3f (%.3f..%.3f)" % (r["ratio_median"], r["ratio_min"], r["ratio_max"])
        lines.append((r["scenario"], str(r["size"]), fmt(r["vdp_mpps"], 2),
                      fmt(r["testpmd_mpps"], 2), fmt(r["vdp_gbps"], 2),
                      fmt(r["testpmd_gbps"], 2), ratio, fmt(r["vdp_busy_cyc_pkt"], 1),
                      fmt(r["testpmd_busy_cyc_pkt"], 1), fmt(r["cyc_ratio_median"], 3),
                      fmt(r["vdp_busy_pct"], 0),
                      fmt(r["testpmd_busy_pct"], 0), fmt(r["other_cpu_pct_max"], 0)))
    widths = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
    for l in lines:
        print("  ".join(v.ljust(widths[i]) if i in (0, 6) else v.rjust(widths[i])
                        for i, v in enumerate(l)).rstrip())
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("| " + " | ".join(hdr) + " |\n")
            f.write("|" + "|".join("---" if i in (0, 6) else "--:"
                                   for i in range(len(hdr))) + "|\n")
            for l in lines[1:]:
                f.write("| " + " | ".join(l) + " |\n")
    return 0 if rows and all(r["rounds"] >= 1 for r in rows) else 1


def main():
    # Die of Ctrl-C rather than handle it, so that bench.sh sees it too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--scenario", required=True, choices=["S1", "S2"])
    m.add_argument("--gen", required=True)
    m.add_argument("--dut-kind", required=True, choices=["vdp", "testpmd"])
    m.add_argument("--dut", required=True)
    m.add_argument("--warmup", type=float, default=2.0)
    m.add_argument("--duration", type=float, default=5.0)
    m.add_argument("--timeout", type=float, default=30.0)
    m.add_argument("--pids", default="", help="the generator's and the DUT's pids")
    r = sub.add_parser("row")
    for a in ("--meas", "--dut-log", "--round", "--scenario", "--size", "--dut",
              "--order", "--attempt", "--runs"):
        r.add_argument(a, required=True)
    q = sub.add_parser("quiet")
    q.add_argument("--max-other", type=float, required=True)
    q.add_argument("--seconds", type=int, default=3)
    q.add_argument("--timeout", type=float, default=300)
    c = sub.add_parser("clean")
    for a in ("--runs", "--round", "--scenario", "--size", "--attempt"):
        c.add_argument(a, required=True)
    c.add_argument("--max-other", type=float, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--runs", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--markdown", metavar="FILE", help="also write the table as markdown")
    args = ap.parse_args()
    return {"measure": cmd_measure, "row": cmd_row, "clean": cmd_clean, "quiet": cmd_quiet,
            "summary": cmd_summary}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
