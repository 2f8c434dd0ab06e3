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

  bench_parse.py summary --runs CSV --out CSV
      Pairs the runs of each round, prints the table and writes the summary.
"""

import argparse
import csv
import json
import math
import os
import re
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
    t0, g0, d0 = sample(args)
    time.sleep(args.duration)
    t1, g1, d1 = sample(args)
    win = t1 - t0
    out = {"window_s": win}
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
              "dut_tx_mpps", "busy_cyc_pkt", "total_cyc_pkt", "run_busy_cyc_pkt",
              "error"]


def cmd_row(args):
    row = {f: "" for f in RUN_FIELDS}
    row.update(round=args.round, scenario=args.scenario, size=args.size,
               dut=args.dut, order=args.order)
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
        rate_pkts = m["gen_opackets"] if args.scenario == "S1" else m["gen_ipackets"]
        rate_bytes = m["gen_obytes"] if args.scenario == "S1" else m["gen_ibytes"]
        row["mpps"] = fmt(rate_pkts / w / 1e6, 4)
        row["gbps"] = fmt(rate_bytes * 8 / w / 1e9, 4)
        row["gen_tx_mpps"] = fmt(m["gen_opackets"] / w / 1e6, 4)
        row["gen_rx_mpps"] = fmt(m["gen_ipackets"] / w / 1e6, 4)
        row["dut_rx_mpps"] = fmt(m["dut_rx"] / w / 1e6, 4)
        row["dut_tx_mpps"] = fmt(m["dut_tx"] / w / 1e6, 4)
        if args.dut == "vdp":
            if m["dut_pkts"] > 0:
                row["busy_cyc_pkt"] = fmt(m["dut_busy"] / m["dut_pkts"], 1)
                row["total_cyc_pkt"] = fmt((m["dut_busy"] + m["dut_idle"]) / m["dut_pkts"], 1)
            if m["dut_run_pkts"] > 0:
                row["run_busy_cyc_pkt"] = fmt(m["dut_run_busy"] / m["dut_run_pkts"], 1)
        else:
            c = TESTPMD_CYCLES.search(log)
            if c:
                busy, pkts, mhz = int(c.group(2)), int(c.group(3)), int(c.group(4))
                if pkts > 0:
                    row["run_busy_cyc_pkt"] = fmt(busy / pkts, 1)
                    row["busy_cyc_pkt"] = row["run_busy_cyc_pkt"]
                if m["dut_rx"] > 0:
                    row["total_cyc_pkt"] = fmt(w * mhz * 1e6 / m["dut_rx"], 1)
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
        print("  round %s %s %4sB %-7s %7s Mpps %7s Gbps  busy %6s cyc/pkt" %
              (args.round, args.scenario, args.size, args.dut, row["mpps"],
               row["gbps"], row["busy_cyc_pkt"] or "-"))
    return 0


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


SUMMARY_FIELDS = ["scenario", "size", "rounds", "vdp_mpps", "testpmd_mpps",
                  "vdp_gbps", "testpmd_gbps", "ratio_median", "ratio_min",
                  "ratio_max", "vdp_busy_cyc_pkt", "testpmd_busy_cyc_pkt",
                  "vdp_total_cyc_pkt", "testpmd_total_cyc_pkt",
                  "vdp_run_busy_cyc_pkt"]


def cmd_summary(args):
    with open(args.runs, newline="") as f:
        runs = list(csv.DictReader(f))
    cases = []
    for r in runs:
        c = (r["scenario"], int(r["size"]))
        if c not in cases:
            cases.append(c)
    rows = []
    for sc, size in cases:
        mine = [r for r in runs if r["scenario"] == sc and int(r["size"]) == size]
        by = {"vdp": {}, "testpmd": {}}
        for r in mine:
            if not r["error"] and num(r["mpps"]):
                by[r["dut"]][r["round"]] = r
        ratios = [num(by["vdp"][k]["mpps"]) / num(by["testpmd"][k]["mpps"])
                  for k in by["vdp"] if k in by["testpmd"]]

        def col(dut, field):
            return med(num(r[field]) for r in by[dut].values())

        rows.append({
            "scenario": sc, "size": size, "rounds": len(ratios),
            "vdp_mpps": col("vdp", "mpps"), "testpmd_mpps": col("testpmd", "mpps"),
            "vdp_gbps": col("vdp", "gbps"), "testpmd_gbps": col("testpmd", "gbps"),
            "ratio_median": med(ratios), "ratio_min": min(ratios) if ratios else None,
            "ratio_max": max(ratios) if ratios else None,
            "vdp_busy_cyc_pkt": col("vdp", "busy_cyc_pkt"),
            "testpmd_busy_cyc_pkt": col("testpmd", "busy_cyc_pkt"),
            "vdp_total_cyc_pkt": col("vdp", "total_cyc_pkt"),
            "testpmd_total_cyc_pkt": col("testpmd", "total_cyc_pkt"),
            "vdp_run_busy_cyc_pkt": col("vdp", "run_busy_cyc_pkt"),
        })
    with open(args.out, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=SUMMARY_FIELDS)
        wr.writeheader()
        for r in rows:
            wr.writerow({k: (fmt(v, 4) if isinstance(v, float) else v)
                         for k, v in r.items()})

    hdr = ("scenario", "size", "vdp_Mpps", "testpmd_Mpps", "vdp_Gbps", "testpmd_Gbps",
           "ratio(median, min..max)", "vdp_cyc/pkt", "testpmd_cyc/pkt")
    lines = [hdr]
    for r in rows:
        if r["ratio_median"] is None:
            ratio = "n/a"
        else:
            ratio = "%.3f (%.3f..%.3f)" % (r["ratio_median"], r["ratio_min"], r["ratio_max"])
        lines.append((r["scenario"], str(r["size"]), fmt(r["vdp_mpps"], 2),
                      fmt(r["testpmd_mpps"], 2), fmt(r["vdp_gbps"], 2),
                      fmt(r["testpmd_gbps"], 2), ratio, fmt(r["vdp_busy_cyc_pkt"], 1),
                      fmt(r["testpmd_busy_cyc_pkt"], 1)))
    widths = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
    for l in lines:
        print("  ".join(v.ljust(widths[i]) if i in (0, 6) else v.rjust(widths[i])
                        for i, v in enumerate(l)).rstrip())
    bad = [r for r in rows if r["rounds"] < 1]
    return 1 if bad or not rows else 0


def main():
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
    r = sub.add_parser("row")
    for a in ("--meas", "--dut-log", "--round", "--scenario", "--size", "--dut",
              "--order", "--runs"):
        r.add_argument(a, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--runs", required=True)
    s.add_argument("--out", required=True)
    args = ap.parse_args()
    return {"measure": cmd_measure, "row": cmd_row, "summary": cmd_summary}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
