#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Measurement and summary helper for scripts/bench.sh (python3 stdlib;
matplotlib for the plot only).

  bench_parse.py measure --scenario S1..S4 --gen PREFIX [--gen-ports N]
                         --dut-kind vdp|testpmd|ovs --dut PREFIX|OVSDIR
                         [--dut-ports N] [--netns NS --tap DEV]
                         --warmup S --duration S
      Waits until the measured counter moves, waits the warm-up, then
      samples the generator's, the DUT's (and for S4 the tap's kernel)
      counters at the start and end of the window; a vdp DUT's vhost
      ports' ring layouts (/vdp/vhost). Prints one JSON object; when no
      traffic came (or the --gen-pid exited first), an error that quotes
      the last lines of --gen-log.

  bench_parse.py row --meas FILE --dut-log FILE --gen-log FILE --generator
                     testpmd|pktgen --round N --scenario S --size B
                     [--ring split|packed] --dut NAME --order N --attempt N
                     --runs CSV
      Adds one run to the per-run CSV: the window's rates, loss and cycles,
      testpmd's --record-core-cycles line (or OVS's pmd-perf-show), the
      generator's own totals from its output, and the ring layout asked
      for, the one the DUT (vdp) and the generator's virtio PMD ran: a run
      that got another than asked for is an error ("ring layout: ...").

  bench_parse.py quiet --max-other P [--seconds N] [--timeout S]
      Waits until the CPUs have been busy less than P% of one CPU for N
      seconds in a row (nothing of bench.sh's runs then).

  bench_parse.py clean --runs CSV --round N --scenario S --size B
                       [--ring split|packed] --attempt N --nduts N --max-other P
      Exit 0 when every run of that round's attempt worked (or failed only
      for getting another ring layout than asked, which another attempt
      would not change) and other processes took at most P% of a CPU
      during their windows.

  bench_parse.py summary --runs CSV --out CSV [--markdown FILE] [--host JSON]
      Groups the runs of each round per case (scenario, size, ring layout),
      prints the table and writes the summary, both headed by the host line
      (from JSON, by default host.json beside the runs CSV, when there is
      one). A runs CSV without a ring column (older runs) is split rings.

  bench_parse.py host [--cpuinfo FILE] [--eal-log FILE] [--dmesg FILE]
                      [--root DIR | --commit REV] [--json FILE]
      The machine and tree a run measured: CPU model, TSC rate (DPDK's
      calibration from an EAL debug log, else the kernel's from dmesg, else
      /proc/cpuinfo's "cpu MHz"), AVX2 and AVX-512F, the git commit
      (-dirty with uncommitted changes). Prints the host line and how each
      part was found; JSON gets it all for summary --host.

  bench_parse.py plot --summary CSV --out PNG
      Mpps against frame size, one panel per scenario, one line per DUT
      and ring layout (packed dashed).

  bench_parse.py gen-output --generator testpmd|pktgen|latency FILE
      What the parser reads from a generator's output, as JSON.

  bench_parse.py last-lines [-n N] FILE
      The last N (3) non-empty lines of FILE, joined by " | ".

  bench_parse.py pty --log FILE -- COMMAND [ARGS...]
      Runs COMMAND on a pseudo-terminal of its own (pktgen needs one), its
      output into FILE without terminal escapes; SIGTERM and SIGINT go on
      to it. Exits with its status.

  bench_parse.py max-pps --meas FILE --scenario S [--ports N]
      The packet rate a run measured, per direction: the offered load the
      latency runs scale.

  bench_parse.py latency-row --log FILE --round N --scenario S --size B
                             [--ring split|packed] --dut NAME --load P
                             --max-pps R --out CSV
  bench_parse.py latency-summary --csv CSV [--markdown FILE] [--host JSON]
      One latency run (vdp-latency's output) into a CSV; the medians over
      the rounds as a table.

  bench_parse.py idle-cpu --pid PID --dut-kind vdp|testpmd --dut PREFIX
                          [--dut-ports N] --gen PREFIX [--gen-ports N]
                          [--gen-pid PID] [--seconds S] --name NAME --out CSV
      bench_poll.sh: once the peers' and the DUT's links are up, the DUT's
      utime + stime (all its threads, /proc/PID/stat) over the window in %
      of one core, and a vdp's sleeps, kick wake-ups and time asleep
      (/vdp/lcores); an error when any packet moved.

  bench_parse.py wake-row --log FILE --name NAME --idle-ms MS --count N
                          [--dut-kind vdp --dut PREFIX] --out CSV
      One vdp-latency --idle-ms run into a CSV (and a vdp's sleeps).

  bench_parse.py poll-summary [--idle CSV] [--wake CSV] [--runs CSV]
                              [--latency CSV] --out CSV [--markdown FILE]
                              [--host JSON] [--command CMD]
      bench_poll.sh's table, one column per DUT (vdp-busy, vdp-adaptive,
      testpmd), each measure's target and whether it was met; bench.sh's
      vdp is vdp-busy. Exit 3 when a target was missed.
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
import subprocess
import sys
import time

RUNTIME = "/var/run/dpdk"
SCENARIOS = ("S1", "S2", "S3", "S4")
# Where the rate is measured: S1 the packets the generator got onto its tx
# queue (the DUT's dequeue rate), S2 and S3 the packets the generator got
# back, S4 the packets the tap's kernel end received.
RATE_AT = {"S1": "gen_tx", "S2": "gen_rx", "S3": "gen_rx", "S4": "tap_rx"}
# Virtqueue layouts, in the tables' order; a row without one (runs.csv
# from before the ring column) is split.
RINGS = ("split", "packed")
VIRTIO_F_RING_PACKED = 34
# The error of a run that got another ring layout than it asked for: the
# same again on another attempt, so not a reason for one.
RING_ERROR = "ring layout: "


def append_row(path, fields, row):
    """Append row to the CSV file at path, with the header first when the
    file is new or empty."""
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=fields)
        if new:
            wr.writeheader()
        wr.writerow(row)


def dut_kind(name):
    """vdp, vdp-rte, vdp-copy, vdp-b, vdp-adaptive -> vdp; testpmd; ovs."""
    return "vdp" if name.startswith("vdp") else name


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


def gen_stats(prefix, nports):
    """The generator's ethdev counters, summed over its ports."""
    out = {"ipackets": 0, "opackets": 0, "ibytes": 0, "obytes": 0}
    for p in range(nports):
        st = telemetry(prefix, "/ethdev/stats,%d" % p)
        for k in out:
            out[k] += st[k]
    return out


def ovs_appctl(ovsdir, *cmd):
    return subprocess.run(["ovs-appctl", "-t", os.path.join(ovsdir, "ovs-vswitchd.ctl")]
                          + list(cmd), capture_output=True, text=True, timeout=10,
                          check=True).stdout


OVS_PMD = {"busy": re.compile(r"processing cycles:\s+(\d+)"),
           "idle": re.compile(r"idle cycles:\s+(\d+)"),
           "pkts": re.compile(r"packets received:\s+(\d+)")}


def parse_pmd_stats(text):
    """ovs-appctl dpif-netdev/pmd-stats-show, summed over the PMD threads."""
    return {k: sum(int(v) for v in r.findall(text)) for k, r in OVS_PMD.items()}


def dut_sample(kind, prefix, nports):
    """The DUT's packet counters and its polling core's cycles (when known)."""
    if kind == "vdp":
        rx = tx = 0
        for p in range(nports):
            port = telemetry(prefix, "/vdp/port,%d" % p)
            rx += port["rx_packets"]
            tx += port["tx_packets"]
        lcores = telemetry(prefix, "/vdp/lcores")
        return {"rx": rx, "tx": tx,
                "busy": sum(c["busy_cycles"] for c in lcores.values()),
                "idle": sum(c["idle_cycles"] for c in lcores.values()),
                "pkts": sum(c["packets"] for c in lcores.values())}
    if kind == "ovs":
        s = parse_pmd_stats(ovs_appctl(prefix, "dpif-netdev/pmd-stats-show"))
        return {"rx": s["pkts"], "tx": 0, "busy": s["busy"], "idle": s["idle"],
                "pkts": s["pkts"]}
    rx = tx = 0
    for p in range(nports):
        st = telemetry(prefix, "/ethdev/stats,%d" % p)
        rx += st["ipackets"]
        tx += st["opackets"]
    return {"rx": rx, "tx": tx}


def vdp_rings(prefix):
    """The ring layout each connected vhost-user port of a vdp negotiated,
    by port name: VIRTIO_F_RING_PACKED in its features (/vdp/vhost), which
    is what show vhost's per-vring layout says too."""
    ports = telemetry(prefix, "/vdp/vhost")
    return {name: ("packed" if int(p["features"]) >> VIRTIO_F_RING_PACKED & 1 else "split")
            for name, p in ports.items() if p.get("connected")}


# The virtio PMD's lines (pmd.net.virtio.init at info) naming the rx and tx
# path of each port it starts: "virtio: using packed ring standard Tx path
# on port 0", "virtio: using inorder Rx path on port 1".
VIRTIO_PATH = re.compile(r"virtio: using (packed ring )?[\w ]*?(Rx|Tx) path on port (\d+)")


def gen_rings(text):
    """The ring layout each virtio port of a generator ran, by port, from
    its PMD's path lines (the last of each direction; "mixed" when rx and
    tx differ); {} without such lines."""
    last = {}
    for packed, d, port in VIRTIO_PATH.findall(text):
        last[(int(port), d)] = "packed" if packed else "split"
    out = {}
    for (port, _), layout in sorted(last.items()):
        out[port] = layout if out.get(port, layout) == layout else "mixed"
    return out


def one_layout(views):
    """The layout all of views (name -> layout) agree on, "mixed" when they
    do not, "" without any."""
    seen = set(views.values())
    if not seen:
        return ""
    return seen.pop() if len(seen) == 1 else "mixed"


def tap_stats(netns, dev):
    """The kernel's counters of the tap interface: its rx is what the DUT wrote."""
    out = subprocess.run(["ip", "-n", netns, "-j", "-s", "link", "show", "dev", dev],
                         capture_output=True, text=True, timeout=10, check=True).stdout
    st = json.loads(out)[0]["stats64"]
    return {"packets": st["rx"]["packets"], "bytes": st["rx"]["bytes"],
            "dropped": st["rx"]["dropped"]}


def sample(args):
    """Generator first, timestamped right after its reply, then the others."""
    g = gen_stats(args.gen, args.gen_ports)
    t = time.monotonic()
    d = dut_sample(args.dut_kind, args.dut, args.dut_ports)
    k = tap_stats(args.netns, args.tap) if args.scenario == "S4" else None
    return t, g, d, k


def rate_counter(args, g, k):
    at = RATE_AT[args.scenario]
    if at == "tap_rx":
        return k["packets"]
    return g["opackets"] if at == "gen_tx" else g["ipackets"]


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


def with_children(pids):
    """pids and all their descendants (a generator run through the pty
    wrapper is its child)."""
    out, todo = [], list(pids)
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.append(p)
        try:
            for t in os.listdir("/proc/%s/task" % p):
                with open("/proc/%s/task/%s/children" % (p, t)) as f:
                    todo += f.read().split()
        except OSError:
            pass
    return out


def cpu_snapshot(pids):
    return busy_ticks(), sum(proc_ticks(p) for p in with_children(pids) + ["self"])


def last_lines(path, n=3):
    """The last n non-empty lines of a log, joined by ' | '; '' without one."""
    if not path:
        return ""
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f.read().splitlines() if l.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-n:])


def cmd_last_lines(args):
    print(last_lines(args.file, args.n) or "(no output)")
    return 0


def alive(pid):
    """Whether process pid is still there (and not a zombie)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def no_traffic(args, why):
    """The measure error: why, then what the generator said last."""
    tail = last_lines(args.gen_log)
    if args.gen_log:
        why += "; the generator's last lines: " + (tail or "(none)")
    print(json.dumps({"error": why}))
    return 1


def cmd_measure(args):
    deadline = time.monotonic() + args.timeout
    first = None
    while True:
        if args.gen_pid and not alive(args.gen_pid):
            return no_traffic(args, "the generator exited before any traffic at %s"
                              % RATE_AT[args.scenario])
        try:
            _, g, _, k = sample(args)
            c = rate_counter(args, g, k)
            if first is None:
                first = c
            elif c > first:
                break
        except (OSError, ValueError, KeyError, IndexError, subprocess.SubprocessError):
            pass
        if time.monotonic() > deadline:
            return no_traffic(args, "no traffic at %s within %ss"
                              % (RATE_AT[args.scenario], args.timeout))
        time.sleep(0.2)
    time.sleep(args.warmup)
    pids = args.pids.split()
    c0 = cpu_snapshot(pids)
    t0, g0, d0, k0 = sample(args)
    time.sleep(args.duration)
    t1, g1, d1, k1 = sample(args)
    c1 = cpu_snapshot(pids)
    win = t1 - t0
    # CPU time that went to anything but the generator and the DUT, in % of
    # one CPU: the two pollers alone keep both CPUs busy, so this is time
    # other processes took from them. (S4: the kernel's share of the tap
    # writes runs in the DUT's context and counts as the DUT's.)
    other = (c1[0] - c0[0]) - (c1[1] - c0[1])
    out = {"window_s": win,
           "other_cpu_pct": max(0.0, 100.0 * other / os.sysconf("SC_CLK_TCK") / win)}
    for k in g0:
        out["gen_" + k] = g1[k] - g0[k]
    for k in d0:
        out["dut_" + k] = d1[k] - d0[k]
    if k0 is not None:
        for k in k0:
            out["tap_rx_" + k] = k1[k] - k0[k]
    if "busy" in d1:
        out["dut_run_busy"] = d1["busy"]
        out["dut_run_pkts"] = d1["pkts"]
    if args.dut_kind == "vdp":
        # with the generator still connected: the layout vdp serves
        try:
            out["dut_rings"] = vdp_rings(args.dut)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    print(json.dumps(out))
    return 0


# testpmd --record-core-cycles, at exit (the accumulated block for all ports).
TESTPMD_CYCLES = re.compile(
    r"CPU cycles/packet=([0-9.]+) \(total cycles=(\d+) / total \w+ packets=(\d+)\)"
    r" at (\d+) MHz Clock")
TESTPMD_ACCUM = re.compile(
    r"Accumulated forward statistics for all ports\s*\+*\s*"
    r"RX-packets:\s*(\d+)\s+RX-dropped:\s*(\d+)\s+RX-total:\s*(\d+)\s*"
    r"TX-packets:\s*(\d+)\s+TX-dropped:\s*(\d+)\s+TX-total:\s*(\d+)")
# vdp's vhost port summary: "zcopy MODE: N zero-copied, ..."
VDP_ZC = re.compile(r"^\s*zcopy \S+: (\d+) zero-copied", re.M)
# ovs-appctl dpif-netdev/pmd-perf-show: "Rx packets: N (K Kpps, C cycles/pkt)"
OVS_PERF = re.compile(r"Rx packets:\s+(\d+)\s+\(\s*([0-9.]+) Kpps,\s*([0-9.]+) cycles/pkt\)")
OVS_PERF_CYCLES = re.compile(r"Used TSC cycles:\s+(\d+)")
# The lines the Lua script bench.sh gives pktgen prints (pktgen_lua()).
PKTGEN_SAMPLE = re.compile(
    r"^vdp-bench (start|end) port=(\d+) ms=(\d+) ipackets=(\d+) opackets=(\d+)"
    r" ibytes=(\d+) obytes=(\d+)", re.M)
PKTGEN_LATENCY = re.compile(
    r"^vdp-bench latency port=(\d+) pkts=(\d+) min_us=([0-9.]+) avg_us=([0-9.]+)"
    r" max_us=([0-9.]+)", re.M)
# pktgen's status line: "Pktgen 23.06.1 (DPDK 22.11.11)"
PKTGEN_VERSION = re.compile(r"Pktgen (\d+\.\d+(?:\.\d+)?) \(DPDK")


def parse_testpmd_gen(text):
    """A testpmd's totals at exit: packets received, sent and dropped by its
    tx queue being full (all ports), and its cycles line when recorded."""
    out = {}
    m = TESTPMD_ACCUM.search(text)
    if not m:
        # one port: testpmd prints only that port's block
        blocks = re.findall(r"Forward statistics for port \d+\s*-*\s*"
                            r"RX-packets:\s*(\d+)\s+RX-dropped:\s*(\d+)\s+RX-total:\s*(\d+)\s*"
                            r"TX-packets:\s*(\d+)\s+TX-dropped:\s*(\d+)\s+TX-total:\s*(\d+)",
                            text)
        if blocks:
            v = [sum(int(b[i]) for b in blocks) for i in range(6)]
            out.update(rx=v[0], tx=v[3], tx_dropped=v[4])
    else:
        out.update(rx=int(m.group(1)), tx=int(m.group(4)), tx_dropped=int(m.group(5)))
    c = TESTPMD_CYCLES.search(text)
    if c:
        out.update(cyc_pkt=float(c.group(1)), cycles=int(c.group(2)),
                   cyc_packets=int(c.group(3)), tsc_mhz=int(c.group(4)))
    return out


def parse_pktgen(text):
    """pktgen's own view of the window: its port counters at the start and
    end, printed by the Lua script; rates summed over its ports."""
    ports = {}
    for tag, port, ms, ip, op, ib, ob in PKTGEN_SAMPLE.findall(text):
        ports.setdefault(int(port), {})[tag] = [int(ms), int(ip), int(op), int(ib), int(ob)]
    out = {}
    v = PKTGEN_VERSION.search(text)
    if v:
        out["version"] = v.group(1)
    lat = [(int(n), float(lo), float(avg), float(hi))
           for _, n, lo, avg, hi in PKTGEN_LATENCY.findall(text)]
    lat = [x for x in lat if x[0] > 0]
    if lat:
        # pktgen's latency packets, over its ports: since the start of the
        # run (warm-up included)
        n = sum(x[0] for x in lat)
        out.update(lat_pkts=n, lat_min_us=min(x[1] for x in lat),
                   lat_avg_us=sum(x[0] * x[2] for x in lat) / n,
                   lat_max_us=max(x[3] for x in lat))
    done = {p: s for p, s in ports.items() if "start" in s and "end" in s}
    if not done:
        return out
    win = max((s["end"][0] - s["start"][0]) for s in done.values()) / 1000.0
    if win <= 0:
        return out
    d = [sum(s["end"][i] - s["start"][i] for s in done.values()) for i in range(1, 5)]
    out.update(ports=sorted(done), window_s=win, rx=d[0], tx=d[1],
               rx_mpps=d[0] / win / 1e6, tx_mpps=d[1] / win / 1e6,
               rx_gbps=d[2] * 8 / win / 1e9, tx_gbps=d[3] * 8 / win / 1e9)
    return out


def parse_ovs_perf(text):
    m = OVS_PERF.search(text)
    if not m:
        return {}
    return {"pkts": int(m.group(1)), "cyc_pkt": float(m.group(3))}


LATENCY_LINE = re.compile(r"^latency: (.*)$", re.M)


def parse_latency(text):
    """vdp-latency's result line: its key=value pairs as numbers."""
    m = LATENCY_LINE.findall(text)
    if not m:
        return {}
    out = {}
    for kv in m[-1].split():
        k, _, v = kv.partition("=")
        try:
            out[k] = float(v) if "." in v else int(v)
        except ValueError:
            pass
    return out


# DPDK's EAL at debug level, once it has calibrated the TSC (rte_get_tsc_hz()).
EAL_TSC = re.compile(r"TSC frequency is ~(\d+) KHz")
# The kernel's TSC rate: its refined calibration when it made one, else the
# rate it started with.
KERNEL_TSC = (re.compile(r"tsc: Refined TSC clocksource calibration: ([0-9.]+) MHz"),
              re.compile(r"tsc: Detected ([0-9.]+) MHz (?:processor|TSC)"))


def cpuinfo_fields(text):
    """The first processor's fields of /proc/cpuinfo."""
    out = {}
    for line in text.splitlines():
        if not line.strip():
            if out:
                break
            continue
        k, sep, v = line.partition(":")
        if sep:
            out.setdefault(k.strip(), v.strip())
    return out


def host_tsc(eal_log, dmesg, cpuinfo):
    """(MHz, source, evidence): DPDK's own calibration, else the kernel's,
    else the CPU's current clock ("cpu MHz", which need not be the TSC's)."""
    m = EAL_TSC.search(eal_log or "")
    if m:
        return int(m.group(1)) / 1000.0, "dpdk", m.group(0)
    for r in KERNEL_TSC:
        found = list(r.finditer(dmesg or ""))
        if found:
            return float(found[-1].group(1)), "kernel", found[-1].group(0)
    mhz = num(cpuinfo_fields(cpuinfo).get("cpu MHz"))
    if mhz:
        return mhz, "cpu MHz", "cpu MHz: %s" % cpuinfo_fields(cpuinfo)["cpu MHz"]
    return None, None, ""


def host_commit(root):
    """The tree's short commit, -dirty when tracked files differ from it
    (as git describe --dirty counts it); "unknown" outside a git tree."""
    def git(*a):
        return subprocess.run(["git", "-C", root] + list(a), capture_output=True,
                              text=True, timeout=30, check=True).stdout
    try:
        sha = git("rev-parse", "--short", "HEAD").strip()
        dirty = git("status", "--porcelain", "--untracked-files=no").strip() != ""
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def host_info(cpuinfo, eal_log, dmesg, commit):
    """What a results table says of its host, and the single line for it:
    host: CPU, TSC N.NN GHz, AVX2 yes|no, AVX-512 yes|no, commit REV"""
    f = cpuinfo_fields(cpuinfo)
    flags = set(f.get("flags", "").split())
    cpu = " ".join(f.get("model name", "").split()) or "unknown CPU"
    mhz, src, evidence = host_tsc(eal_log, dmesg, cpuinfo)
    if mhz is None:
        tsc = "TSC unknown"
    elif src == "dpdk":
        tsc = "TSC %.2f GHz" % (mhz / 1000)
    elif src == "kernel":
        tsc = "TSC %.2f GHz (kernel)" % (mhz / 1000)
    else:
        tsc = "TSC ~%.2f GHz (cpu MHz)" % (mhz / 1000)
    yes = {True: "yes", False: "no"}
    info = {"cpu": cpu, "tsc_mhz": mhz, "tsc_source": src, "tsc_evidence": evidence,
            "avx2": "avx2" in flags, "avx512f": "avx512f" in flags, "commit": commit}
    info["line"] = "host: %s, %s, AVX2 %s, AVX-512 %s, commit %s" % (
        cpu, tsc, yes[info["avx2"]], yes[info["avx512f"]], commit)
    return info


def load_host(path, beside):
    """The host JSON bench_parse.py host wrote: at path, else host.json in
    the directory of file beside; {} when there is none."""
    if path is None:
        path = os.path.join(os.path.dirname(os.path.abspath(beside)), "host.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def cmd_host(args):
    dmesg = read_text(args.dmesg) if args.dmesg else None
    if dmesg is None:
        try:
            dmesg = subprocess.run(["dmesg"], capture_output=True, text=True,
                                   timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            dmesg = ""
    commit = args.commit or host_commit(args.root)
    info = host_info(read_text(args.cpuinfo), read_text(args.eal_log), dmesg, commit)
    src = {"dpdk": "DPDK's calibration", "kernel": "the kernel's calibration (no DPDK log)",
           "cpu MHz": "/proc/cpuinfo's cpu MHz, the CPU's clock: not necessarily the TSC's"}
    print(info["line"])
    if info["tsc_mhz"] is None:
        print("tsc: unknown (no DPDK log line, kernel line or cpu MHz)")
    else:
        print("tsc: %g MHz, %s (%s)" % (info["tsc_mhz"], src[info["tsc_source"]],
                                       info["tsc_evidence"]))
    print("isa: avx2 %s, avx512f %s (%s flags)" % ("yes" if info["avx2"] else "no",
                                                 "yes" if info["avx512f"] else "no",
                                                 args.cpuinfo))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(info, f, indent=1, sort_keys=True)
            f.write("\n")
    return 0


def fmt(v, digits=3):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return "%.*f" % (digits, v)


RUN_FIELDS = ["round", "scenario", "size", "ring", "dut", "order", "window_s",
              "mpps", "gbps", "sent_mpps", "loss_pct", "gen_tx_mpps", "gen_rx_mpps",
              "dut_rx_mpps", "dut_tx_mpps", "busy_cyc_pkt", "run_busy_cyc_pkt",
              "lcore_cyc_pkt", "tsc_mhz", "other_cpu_pct", "attempt", "vdp_engine",
              "vdp_zcopy", "vdp_zc_pkts", "generator", "gen_run_tx", "gen_run_rx",
              "gen_run_tx_dropped", "gen_reported_mpps", "gen_lat_pkts", "gen_lat_min_us",
              "gen_lat_avg_us", "gen_lat_max_us", "ring_seen", "gen_ring_seen", "error"]


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except (OSError, TypeError):
        return ""


def ring_mismatch(ring, dut, dut_rings, gen):
    """The error of a run asked for ring layout ring whose DUT (dut_rings:
    a vdp's vhost ports) or generator (gen: its virtio ports) ran another;
    "" when none did (or nobody said)."""
    why = []
    if one_layout(dut_rings) not in ("", ring):
        why.append("%s's vhost ports negotiated %s (/vdp/vhost)" % (
            dut, ", ".join("%s %s" % kv for kv in sorted(dut_rings.items()))))
    if one_layout(gen) not in ("", ring):
        why.append("the generator's virtio PMD runs %s" % ", ".join(
            "port %d %s" % kv for kv in sorted(gen.items())))
    if not why:
        return ""
    return RING_ERROR + "asked for %s rings, but %s" % (ring, "; ".join(why))


def cmd_row(args):
    row = {f: "" for f in RUN_FIELDS}
    row.update(round=args.round, scenario=args.scenario, size=args.size, ring=args.ring,
               dut=args.dut, order=args.order, attempt=args.attempt,
               generator=args.generator)
    try:
        with open(args.meas) as f:
            m = json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError) as e:
        m = {"error": "no measurement: %s" % e}
    log = read_text(args.dut_log)
    gen_log = read_text(args.gen_log)
    kind = dut_kind(args.dut)
    if args.generator == "pktgen":
        p = parse_pktgen(gen_log)
        if "tx" in p:
            row["gen_run_tx"], row["gen_run_rx"] = p["tx"], p["rx"]
            rep = p["tx_mpps"] if RATE_AT[args.scenario] != "gen_rx" else p["rx_mpps"]
            row["gen_reported_mpps"] = fmt(rep, 4)
        if "lat_pkts" in p:
            row["gen_lat_pkts"] = p["lat_pkts"]
            for k in ("min", "avg", "max"):
                row["gen_lat_%s_us" % k] = fmt(p["lat_%s_us" % k], 3)
    else:
        t = parse_testpmd_gen(gen_log)
        if "tx" in t:
            row["gen_run_tx"], row["gen_run_rx"] = t["tx"], t["rx"]
            row["gen_run_tx_dropped"] = t["tx_dropped"]
    if "error" in m:
        row["error"] = m["error"]
    else:
        w = m["window_s"]
        at = RATE_AT[args.scenario]
        row["window_s"] = fmt(w)
        row["other_cpu_pct"] = fmt(m["other_cpu_pct"], 1)
        if at == "tap_rx":
            pkts, byts = m["tap_rx_packets"], m["tap_rx_bytes"]
        elif at == "gen_tx":
            pkts, byts = m["gen_opackets"], m["gen_obytes"]
        else:
            pkts, byts = m["gen_ipackets"], m["gen_ibytes"]
        row["mpps"] = fmt(pkts / w / 1e6, 4)
        row["gbps"] = fmt(byts * 8 / w / 1e9, 4)
        sent = m["gen_opackets"]
        row["sent_mpps"] = fmt(sent / w / 1e6, 4)
        # loss: packets the generator sent in the window that did not arrive
        # where the scenario measures (S1: at the DUT; packets in flight at
        # the window's edges make this a few ppm noisy, never negative here)
        arrived = m["dut_rx"] if at == "gen_tx" else pkts
        if sent > 0:
            row["loss_pct"] = fmt(max(0.0, 100.0 * (sent - arrived) / sent), 4)
        row["gen_tx_mpps"] = fmt(m["gen_opackets"] / w / 1e6, 4)
        row["gen_rx_mpps"] = fmt(m["gen_ipackets"] / w / 1e6, 4)
        row["dut_rx_mpps"] = fmt(m["dut_rx"] / w / 1e6, 4)
        if kind != "ovs":
            row["dut_tx_mpps"] = fmt(m["dut_tx"] / w / 1e6, 4)
        if kind in ("vdp", "ovs"):
            if m["dut_pkts"] > 0:
                row["busy_cyc_pkt"] = fmt(m["dut_busy"] / m["dut_pkts"], 1)
                row["lcore_cyc_pkt"] = fmt((m["dut_busy"] + m["dut_idle"]) / m["dut_pkts"], 1)
            if m["dut_run_pkts"] > 0:
                row["run_busy_cyc_pkt"] = fmt(m["dut_run_busy"] / m["dut_run_pkts"], 1)
        if kind == "vdp":
            e = re.search(r"^\s*engine: (\S+)", log, re.M)
            row["vdp_engine"] = e.group(1) if e else ""
            # the first vhost port's zero-copy mode, and the packets its
            # vhost ports zero-copied over the run (vdp's exit summary)
            z = re.search(r"^\s*zcopy (\S+):", log, re.M)
            row["vdp_zcopy"] = z.group(1) if z else ""
            end = log.split("vdp summary", 1)
            if z and len(end) == 2:
                row["vdp_zc_pkts"] = sum(int(n) for n in VDP_ZC.findall(end[1]))
        elif kind == "ovs":
            p = parse_ovs_perf(log)
            if p:
                row["run_busy_cyc_pkt"] = fmt(p["cyc_pkt"], 1)
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
        if not row["error"] and not num(row["mpps"]):
            row["error"] = "no packets at %s in the window" % at
    # the layout the run got: the DUT's view (vdp), the generator's
    dut_rings = m.get("dut_rings") or {}
    gen = gen_rings(gen_log)
    row["ring_seen"], row["gen_ring_seen"] = one_layout(dut_rings), one_layout(gen)
    if not row["error"]:
        row["error"] = ring_mismatch(args.ring, args.dut, dut_rings, gen)
    append_row(args.runs, RUN_FIELDS, row)
    if row["error"]:
        print("  %s %s %sB %s %s: error: %s" % (args.round, args.scenario, args.size,
                                                args.ring, args.dut, row["error"]))
    else:
        print("  round %s %s %4sB %-6s %-8s %7s Mpps %8s Gbps  loss %7s%%  busy %6s cyc/pkt"
              "  other CPU %5s%%" %
              (args.round, args.scenario, args.size, args.ring, args.dut, row["mpps"],
               row["gbps"], row["loss_pct"] or "-", row["busy_cyc_pkt"] or "-",
               row["other_cpu_pct"]))
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
    (nothing of ours runs between rounds); exit 1 on timeout."""
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
    """Exit 0 when every run of this round's attempt worked on a quiet machine."""
    with open(args.runs, newline="") as f:
        group = [r for r in csv.DictReader(f)
                 if (r["round"], r["scenario"], r["size"], r.get("ring") or "split",
                     r["attempt"]) ==
                 (args.round, args.scenario, args.size, args.ring, args.attempt)]
    ok = len(group) == args.nduts and all(
        (not r["error"] or r["error"].startswith(RING_ERROR)) and
        num(r["other_cpu_pct"]) is not None and
        num(r["other_cpu_pct"]) <= args.max_other for r in group)
    return 0 if ok else 1


SUMMARY_FIELDS = ["scenario", "size", "ring", "dut", "rounds", "mpps", "mpps_min", "mpps_max",
                  "gbps", "gbps_min", "gbps_max", "busy_cyc_pkt", "run_busy_cyc_pkt",
                  "loss_pct", "loss_pct_max", "vs_testpmd", "vs_testpmd_min",
                  "vs_testpmd_max", "cyc_vs_testpmd", "vs_vdp_rte", "vs_vdp_rte_min",
                  "vs_vdp_rte_max", "cyc_vs_vdp_rte", "vs_vdp_b", "vs_vdp_b_min",
                  "vs_vdp_b_max", "cyc_vs_vdp_b", "vs_vdp_copy", "vs_vdp_copy_min",
                  "vs_vdp_copy_max", "cyc_vs_vdp_copy", "busy_pct", "bound",
                  "capacity_Mpps", "tsc_mhz",
                  "other_cpu_pct_max", "attempts"]

# busy% from which a result says the DUT was the bound (column bound).
BOUND_DUT_PCT = 90

DUT_ORDER = ["vdp", "vdp-adaptive", "vdp-b", "vdp-copy", "vdp-rte", "testpmd", "ovs"]


def ratios(by, dut, ref, field):
    """Per-round ratios dut/ref of a field, over the rounds both have."""
    out = []
    for rnd, r in by.get(dut, {}).items():
        o = by.get(ref, {}).get(rnd)
        if o is not None and num(r[field]) and num(o[field]):
            out.append(num(r[field]) / num(o[field]))
    return out


def ring_key(ring):
    return RINGS.index(ring) if ring in RINGS else len(RINGS)


def load_runs(path):
    with open(path, newline="") as f:
        runs = [{k: r.get(k) or "" for k in RUN_FIELDS} for r in csv.DictReader(f)]
    for r in runs:
        r["ring"] = r["ring"] or "split"
    # A round's group of runs that failed or ran while other processes took
    # CPU time was run again: of each round's attempts, the one whose runs
    # all worked and saw the least CPU taken by others counts.
    groups = {}
    for r in runs:
        k = (r["scenario"], r["size"], r["ring"], r["round"], r["attempt"] or "1")
        groups.setdefault(k, []).append(r)
    nduts = {}
    for r in runs:
        nduts.setdefault((r["scenario"], r["size"], r["ring"]), set()).add(r["dut"])
    best = {}
    for k, group in groups.items():
        ok = len(group) == len(nduts[k[:3]]) and not any(r["error"] for r in group)
        other = max(num(r["other_cpu_pct"]) or 0.0 for r in group)
        score = (0 if ok else 1, other, int(k[4]))
        if k[:4] not in best or score < best[k[:4]][0]:
            best[k[:4]] = (score, k[4])
    used = [r for r in runs
            if best[(r["scenario"], r["size"], r["ring"], r["round"])][1] ==
            (r["attempt"] or "1")]
    return runs, used


def cmd_summary(args):
    all_runs, runs = load_runs(args.runs)
    host = load_host(args.host, args.runs)
    # testpmd prints the TSC rate EAL uses; vdp and OVS count the same TSC.
    # Without testpmd: the rate the bench had DPDK (or the kernel) report.
    tsc_mhz = med(num(r["tsc_mhz"]) for r in runs)
    if tsc_mhz is None and host.get("tsc_source") in ("dpdk", "kernel"):
        tsc_mhz = host["tsc_mhz"]
    # a case: scenario, size, ring layout; ratios only between runs of one
    cases = []
    duts = []
    for r in runs:
        c = (r["scenario"], int(r["size"]), r["ring"])
        if c not in cases:
            cases.append(c)
        if r["dut"] not in duts:
            duts.append(r["dut"])
    duts.sort(key=lambda d: (DUT_ORDER.index(d) if d in DUT_ORDER else 99, d))
    cases.sort(key=lambda c: (c[0], c[1], ring_key(c[2]), c[2]))

    def case(r):
        return (r["scenario"], int(r["size"]), r["ring"])

    rows = []
    for sc, size, ring in cases:
        by = {}
        for r in runs:
            if case(r) == (sc, size, ring) and not r["error"] and num(r["mpps"]):
                by.setdefault(r["dut"], {})[r["round"]] = r
        for dut in duts:
            mine = by.get(dut, {})
            if not mine and not any(r["dut"] == dut and case(r) == (sc, size, ring)
                                    for r in runs):
                continue

            def col(field, f=med):
                vals = [num(r[field]) for r in mine.values() if num(r[field]) is not None]
                return f(vals) if vals else None

            row = {"scenario": sc, "size": size, "ring": ring, "dut": dut, "rounds": len(mine),
                   "mpps": col("mpps"), "mpps_min": col("mpps", min),
                   "mpps_max": col("mpps", max), "gbps": col("gbps"),
                   "gbps_min": col("gbps", min), "gbps_max": col("gbps", max),
                   "busy_cyc_pkt": col("busy_cyc_pkt"),
                   "run_busy_cyc_pkt": col("run_busy_cyc_pkt"),
                   "loss_pct": col("loss_pct"), "loss_pct_max": col("loss_pct", max),
                   "tsc_mhz": tsc_mhz, "other_cpu_pct_max": col("other_cpu_pct", max),
                   "attempts": len({r["round"] + "/" + (r["attempt"] or "1")
                                    for r in all_runs if r["dut"] == dut and
                                    case(r) == (sc, size, ring)})}
            for ref, key in (("testpmd", "vs_testpmd"), ("vdp-rte", "vs_vdp_rte"),
                             ("vdp-b", "vs_vdp_b"), ("vdp-copy", "vs_vdp_copy")):
                if dut == ref or (ref != "testpmd" and dut != "vdp"):
                    continue
                rt = ratios(by, dut, ref, "mpps")
                if rt:
                    row[key], row[key + "_min"], row[key + "_max"] = med(rt), min(rt), max(rt)
                cr = ratios(by, dut, ref, "busy_cyc_pkt")
                row["cyc_" + key] = med(cr)
            if tsc_mhz:
                # share of the polling core's TSC cycles spent in iterations
                # that moved packets: busy cycles/packet x the DUT's rx rate
                row["busy_pct"] = med(100.0 * num(r["busy_cyc_pkt"]) * num(r["dut_rx_mpps"])
                                      / tsc_mhz for r in mine.values()
                                      if num(r["busy_cyc_pkt"]) is not None and
                                      num(r["dut_rx_mpps"]) is not None)
            # What bound the rate: the DUT when its polling core was busy
            # 90% of the time or more, else the generator (or the path
            # between). What the DUT could do with a whole core to itself:
            # the TSC rate over its busy cycles per packet.
            if row.get("busy_pct") is not None:
                row["bound"] = "dut" if row["busy_pct"] >= BOUND_DUT_PCT else "gen"
            if tsc_mhz and row["busy_cyc_pkt"]:
                row["capacity_Mpps"] = tsc_mhz / row["busy_cyc_pkt"]
            rows.append(row)
    with open(args.out, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=SUMMARY_FIELDS, restval="")
        wr.writeheader()
        for r in rows:
            wr.writerow({k: (fmt(v, 4) if isinstance(v, float) else
                             ("" if v is None else v)) for k, v in r.items()})

    def ratio(r, key):
        if r.get(key) is None:
            return "-"
        return "%.3f (%.3f..%.3f)" % (r[key], r[key + "_min"], r[key + "_max"])

    # vdp against another build of itself, and against itself without
    # zero-copy, only when there was one
    with_b = "vdp-b" in duts
    with_copy = "vdp-copy" in duts
    hdr = ["scenario", "size", "ring", "dut", "Mpps", "min..max", "Gbps", "cyc/pkt", "loss%",
           "vs testpmd (median, min..max)", "cyc vs testpmd", "vs vdp-rte (median, min..max)",
           "cyc vs vdp-rte"]
    if with_b:
        hdr += ["vs vdp-b (median, min..max)", "cyc vs vdp-b"]
    if with_copy:
        hdr += ["vs vdp-copy (median, min..max)", "cyc vs vdp-copy"]
    hdr += ["busy%", "bound", "capacity_Mpps", "other_cpu%", "rounds"]
    lines = [hdr]
    for r in rows:
        line = [r["scenario"], str(r["size"]), r["ring"], r["dut"], fmt(r["mpps"], 2),
                "%s..%s" % (fmt(r["mpps_min"], 2), fmt(r["mpps_max"], 2))
                if r["mpps"] is not None else "",
                fmt(r["gbps"], 2), fmt(r["busy_cyc_pkt"], 1), fmt(r["loss_pct"], 3),
                ratio(r, "vs_testpmd"), fmt(r.get("cyc_vs_testpmd"), 3) or "-",
                ratio(r, "vs_vdp_rte"), fmt(r.get("cyc_vs_vdp_rte"), 3) or "-"]
        if with_b:
            line += [ratio(r, "vs_vdp_b"), fmt(r.get("cyc_vs_vdp_b"), 3) or "-"]
        if with_copy:
            line += [ratio(r, "vs_vdp_copy"), fmt(r.get("cyc_vs_vdp_copy"), 3) or "-"]
        line += [fmt(r.get("busy_pct"), 0), r.get("bound") or "-",
                 fmt(r.get("capacity_Mpps"), 2) or "-", fmt(r["other_cpu_pct_max"], 0),
                 str(r["rounds"])]
        lines.append(line)
    left = [i for i, h in enumerate(hdr) if h in ("scenario", "ring", "dut") or "(median" in h]
    widths = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
    if host.get("line"):
        print(host["line"])
    for l in lines:
        print("  ".join(v.ljust(widths[i]) if i in left else v.rjust(widths[i])
                        for i, v in enumerate(l)).rstrip())
    if args.markdown:
        with open(args.markdown, "w") as f:
            if host.get("line"):
                f.write(host["line"] + "\n\n")
            f.write("| " + " | ".join(hdr) + " |\n")
            f.write("|" + "|".join("---" if i in left else "--:"
                                   for i in range(len(hdr))) + "|\n")
            for l in lines[1:]:
                f.write("| " + " | ".join(l) + " |\n")
    return 0 if rows and all(r["rounds"] >= 1 for r in rows) else 1


def cmd_plot(args):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench_parse: no plot: python3-matplotlib is not installed", file=sys.stderr)
        return 1
    with open(args.summary, newline="") as f:
        rows = [r for r in csv.DictReader(f) if num(r["mpps"])]
    for r in rows:
        r["ring"] = r.get("ring") or "split"
    rings = sorted({r["ring"] for r in rows}, key=ring_key)
    scenarios = sorted({r["scenario"] for r in rows})
    if not scenarios:
        print("bench_parse: no plot: no rates in %s" % args.summary, file=sys.stderr)
        return 1
    names = {"S1": "S1 sink", "S2": "S2 loopback", "S3": "S3 vm-to-vm", "S4": "S4 tap"}
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.5 * len(scenarios), 4),
                             squeeze=False)
    # one colour per DUT in every panel; packed rings dashed
    duts = sorted({r["dut"] for r in rows},
                  key=lambda d: (DUT_ORDER.index(d) if d in DUT_ORDER else 99, d))
    for ax, sc in zip(axes[0], scenarios):
        mine = [r for r in rows if r["scenario"] == sc]
        for i, dut in enumerate(duts):
            for ring in rings:
                pts = sorted((int(r["size"]), num(r["mpps"]), num(r["mpps_min"]),
                              num(r["mpps_max"])) for r in mine
                             if r["dut"] == dut and r["ring"] == ring)
                if not pts:
                    continue
                x = [p[0] for p in pts]
                y = [p[1] for p in pts]
                err = [[p[1] - (p[2] if p[2] is not None else p[1]) for p in pts],
                       [(p[3] if p[3] is not None else p[1]) - p[1] for p in pts]]
                ax.errorbar(x, y, yerr=err, marker="o", capsize=3, color="C%d" % (i % 10),
                            linestyle="--" if ring == "packed" else "-",
                            label=dut if len(rings) == 1 else "%s %s" % (dut, ring))
        ax.set_xscale("log")
        sizes = sorted({int(r["size"]) for r in mine})
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(s) for s in sizes])
        ax.minorticks_off()
        ax.set_xlabel("frame size (bytes)")
        ax.set_ylabel("Mpps (median, min..max)")
        ax.set_ylim(bottom=0)
        ax.set_title(names.get(sc, sc))
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    return 0


def cmd_max_pps(args):
    try:
        with open(args.meas) as f:
            m = json.loads(f.read().strip().splitlines()[-1])
        pkts = {"gen_tx": m["gen_opackets"], "gen_rx": m["gen_ipackets"],
                "tap_rx": m.get("tap_rx_packets", 0)}[RATE_AT[args.scenario]]
        pps = int(pkts / m["window_s"] / args.ports)
    except (OSError, ValueError, IndexError, KeyError, ZeroDivisionError):
        return 1
    print(pps)
    return 0 if pps > 0 else 1


LAT_FIELDS = ["round", "scenario", "size", "ring", "dut", "load_pct", "max_mpps",
              "offered_mpps", "tx_mpps", "rx_mpps", "loss_pct", "samples", "min_us", "p50_us",
              "p99_us", "p999_us", "max_us", "mean_us", "gen_ring_seen", "error"]


def cmd_latency_row(args):
    text = read_text(args.log)
    lat = parse_latency(text)
    gen = gen_rings(text)
    row = {f: "" for f in LAT_FIELDS}
    row.update(round=args.round, scenario=args.scenario, size=args.size, ring=args.ring,
               dut=args.dut, load_pct=args.load, max_mpps=fmt(args.max_pps / 1e6, 4),
               gen_ring_seen=one_layout(gen))
    if not lat.get("samples"):
        row["error"] = "no latency samples, see %s" % args.log
    else:
        # a run on another layout than asked keeps its figures, as an error
        row["error"] = ring_mismatch(args.ring, args.dut, {}, gen)
        row.update(offered_mpps=fmt(lat["offered_pps"] / 1e6, 4),
                   tx_mpps=fmt(lat["tx_pps"] / 1e6, 4), rx_mpps=fmt(lat["rx_pps"] / 1e6, 4),
                   samples=lat["samples"])
        if lat["tx_pps"] > 0:
            row["loss_pct"] = fmt(max(0.0, 100.0 * (1 - lat["rx_pps"] / lat["tx_pps"])), 4)
        for k in ("min", "p50", "p99", "p999", "max", "mean"):
            row[k + "_us"] = fmt(lat[k + "_ns"] / 1000.0, 2)
    append_row(args.out, LAT_FIELDS, row)
    if row["error"]:
        print("  %s %s %sB %s %s at %s%%: error: %s" % (args.round, args.scenario, args.size,
                                                     args.ring, args.dut, args.load,
                                                     row["error"]))
    else:
        print("  round %s %s %4sB %-6s %-8s %3s%% of %s Mpps: sent %s Mpps, p50 %s us,"
              " p99 %s us, p99.9 %s us" % (args.round, args.scenario, args.size, args.ring,
                                           args.dut, args.load, row["max_mpps"],
                                           row["tx_mpps"], row["p50_us"], row["p99_us"],
                                           row["p999_us"]))
    return 0


def cmd_latency_summary(args):
    with open(args.csv, newline="") as f:
        runs = [r for r in csv.DictReader(f)]
    host = load_host(args.host, args.csv)

    def key(r):
        # latency.csv from before the ring column: split rings
        return (r["scenario"], int(r["size"]), r.get("ring") or "split", r["dut"],
                int(r["load_pct"]))

    keys = []
    for r in runs:
        if key(r) not in keys:
            keys.append(key(r))
    keys.sort(key=lambda k: (k[0], k[1], ring_key(k[2]), k[2],
                             DUT_ORDER.index(k[3]) if k[3] in DUT_ORDER else 99, k[4]))
    hdr = ("scenario", "size", "ring", "dut", "load%", "offered_Mpps", "sent_Mpps", "p50_us",
           "p99_us", "p99.9_us", "max_us", "loss%", "rounds")
    lines = [hdr]
    for k in keys:
        mine = [r for r in runs if key(r) == k and not r["error"]]

        def col(field, digits=2):
            return fmt(med(num(r[field]) for r in mine), digits)

        lines.append((k[0], str(k[1]), k[2], k[3], str(k[4]), col("offered_mpps", 3),
                      col("tx_mpps", 3), col("p50_us"), col("p99_us"), col("p999_us"),
                      col("max_us"), col("loss_pct", 3), str(len(mine))))
    widths = [max(len(l[i]) for l in lines) for i in range(len(hdr))]
    if host.get("line"):
        print(host["line"])
    for l in lines:
        print("  ".join(v.ljust(widths[i]) if i in (0, 2, 3) else v.rjust(widths[i])
                        for i, v in enumerate(l)).rstrip())
    if args.markdown:
        with open(args.markdown, "w") as f:
            if host.get("line"):
                f.write(host["line"] + "\n\n")
            f.write("| " + " | ".join(hdr) + " |\n")
            f.write("|" + "|".join("---" if i in (0, 2, 3) else "--:"
                                   for i in range(len(hdr))) + "|\n")
            for l in lines[1:]:
                f.write("| " + " | ".join(l) + " |\n")
    return 0 if all(l[-1] != "0" for l in lines[1:]) else 1


# scripts/bench_poll.sh: the DUT idle (two connected peers that send
# nothing), a vdp-latency --idle-ms run through it, and the summary of
# those with bench.sh's runs of vdp (busy) and vdp-adaptive.
IDLE_FIELDS = ["dut", "window_s", "cpu_pct", "gen_cpu_pct", "other_cpu_pct", "gen_tx_packets",
               "dut_rx_packets", "sleeps", "wake_kick", "sleep_pct", "busy_pct", "error"]
WAKE_FIELDS = ["dut", "idle_ms", "count", "samples", "lost", "late", "min_us", "p50_us",
               "p99_us", "max_us", "mean_us", "sleeps", "wake_kick", "error"]


def vdp_lcores(prefix):
    """A vdp's /vdp/lcores counters, summed over its workers."""
    keys = ("busy_cycles", "idle_cycles", "sleep_cycles", "sleeps", "wake_kick", "packets")
    lc = telemetry(prefix, "/vdp/lcores")
    out = {k: sum(int(c.get(k, 0)) for c in lc.values()) for k in keys}
    out["workers"] = len(lc)
    return out


def links_up(args):
    """Whether the generator's ports and the DUT's are all up (vdp: its
    vhost ports connected, /vdp/vhost)."""
    for p in range(args.gen_ports):
        if telemetry(args.gen, "/ethdev/link_status,%d" % p).get("status") != "UP":
            return False
    if args.dut_kind == "vdp":
        ports = telemetry(args.dut, "/vdp/vhost")
        return sum(1 for p in ports.values() if p.get("connected")) >= args.dut_ports
    for p in range(args.dut_ports):
        if telemetry(args.dut, "/ethdev/link_status,%d" % p).get("status") != "UP":
            return False
    return True


def dut_rx(args):
    if args.dut_kind == "vdp":
        return sum(telemetry(args.dut, "/vdp/port,%d" % p)["rx_packets"]
                   for p in range(args.dut_ports))
    return sum(telemetry(args.dut, "/ethdev/stats,%d" % p)["ipackets"]
               for p in range(args.dut_ports))


def cmd_idle_cpu(args):
    """The DUT's CPU time (utime + stime of all its threads) over a window
    in which its peers are connected and send nothing; one row of --out."""
    row = {f: "" for f in IDLE_FIELDS}
    row["dut"] = args.name
    deadline = time.monotonic() + args.timeout
    up = False
    while time.monotonic() < deadline and not up:
        if not alive(args.pid) or (args.gen_pid and not alive(args.gen_pid)):
            break
        try:
            up = links_up(args)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        if not up:
            time.sleep(0.2)
    if not up:
        row["error"] = "the links did not come up within %ss" % args.timeout
    else:
        time.sleep(args.settle)
        hz = os.sysconf("SC_CLK_TCK")
        try:
            gen = with_children([str(args.gen_pid)]) if args.gen_pid else []
            lc0 = vdp_lcores(args.dut) if args.dut_kind == "vdp" else None
            g0, r0 = gen_stats(args.gen, args.gen_ports), dut_rx(args)
            b0, d0, s0 = busy_ticks(), proc_ticks(args.pid), sum(proc_ticks(p) for p in gen)
            t0 = time.monotonic()
            time.sleep(args.seconds)
            b1, d1, s1 = busy_ticks(), proc_ticks(args.pid), sum(proc_ticks(p) for p in gen)
            t1 = time.monotonic()
            g1, r1 = gen_stats(args.gen, args.gen_ports), dut_rx(args)
            lc1 = vdp_lcores(args.dut) if args.dut_kind == "vdp" else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            row["error"] = "telemetry: %s" % e
        else:
            win = t1 - t0
            row.update(window_s=fmt(win), cpu_pct=fmt(100.0 * (d1 - d0) / hz / win, 2),
                       gen_cpu_pct=fmt(100.0 * (s1 - s0) / hz / win, 1),
                       other_cpu_pct=fmt(max(0.0, 100.0 * ((b1 - b0) - (d1 - d0) - (s1 - s0))
                                             / hz / win), 1),
                       gen_tx_packets=g1["opackets"] - g0["opackets"],
                       dut_rx_packets=r1 - r0)
            if lc0 is not None:
                d = {k: lc1[k] - lc0[k] for k in lc0}
                row.update(sleeps=d["sleeps"], wake_kick=d["wake_kick"])
                # A worker counts its sleep when it wakes, its time awake as
                # it goes: asleep is the window's TSC cycles it did not count
                # as busy or idle (one that slept throughout counted none).
                host = load_host(args.host, args.out) if args.host else {}
                tsc = host.get("tsc_mhz") if host.get("tsc_source") in ("dpdk", "kernel") \
                    else None
                if tsc:
                    cyc = win * tsc * 1e6 * max(1, lc1["workers"])
                    awake = min(1.0, (d["busy_cycles"] + d["idle_cycles"]) / cyc)
                    row["sleep_pct"] = fmt(100.0 * (1 - awake), 2)
                    row["busy_pct"] = fmt(100.0 * d["busy_cycles"] / cyc, 2)
            if not alive(args.pid):
                row["error"] = "the DUT exited during the window"
            elif row["gen_tx_packets"] or row["dut_rx_packets"]:
                row["error"] = "traffic during the idle window (%s sent, %s received)" % (
                    row["gen_tx_packets"], row["dut_rx_packets"])
    append_row(args.out, IDLE_FIELDS, row)
    if row["error"]:
        print("  idle %-12s error: %s" % (args.name, row["error"]))
        return 1
    extra = ""
    if row["sleeps"] != "":
        extra = "; worker asleep %s%% of the time, %s sleeps, %s woken by a kick" % (
            row["sleep_pct"] or "-", row["sleeps"], row["wake_kick"])
    print("  idle %-12s %6s%% of one core over %s s (generator %s%%, others %s%%)%s" % (
        args.name, row["cpu_pct"], fmt(num(row["window_s"]), 1), row["gen_cpu_pct"],
        row["other_cpu_pct"], extra))
    return 0


def cmd_wake_row(args):
    """vdp-latency --idle-ms's output (and, for vdp, its sleeps and kick
    wake-ups so far) into one row of --out."""
    lat = parse_latency(read_text(args.log))
    row = {f: "" for f in WAKE_FIELDS}
    row.update(dut=args.name, idle_ms=args.idle_ms, count=args.count)
    if args.dut_kind == "vdp" and args.dut:
        try:
            lc = vdp_lcores(args.dut)
            row.update(sleeps=lc["sleeps"], wake_kick=lc["wake_kick"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    if not lat.get("samples"):
        row["error"] = "no round trips came back, see %s" % args.log
        row["lost"] = lat.get("lost", "")
    else:
        row.update(samples=lat["samples"], lost=lat.get("lost", ""), late=lat.get("late", ""))
        for k in ("min", "p50", "p99", "max", "mean"):
            row[k + "_us"] = fmt(lat[k + "_ns"] / 1000.0, 2)
        if lat.get("lost"):
            row["error"] = "%s of %s round trips did not come back within 1 s" % (
                lat["lost"], args.count)
    append_row(args.out, WAKE_FIELDS, row)
    if not row["samples"]:
        print("  wake %-12s error: %s" % (args.name, row["error"]))
        return 1
    extra = ""
    if row["sleeps"] != "":
        extra = "; %s sleeps, %s woken by a kick" % (row["sleeps"], row["wake_kick"])
    print("  wake %-12s %s round trips after %s ms idle: p50 %s us, p99 %s us, max %s us%s%s"
          % (args.name, row["samples"], args.idle_ms, row["p50_us"], row["p99_us"],
             row["max_us"], extra, ("; " + row["error"]) if row["error"] else ""))
    return 0


# The DUTs of the poll summary's columns: bench.sh's vdp polls busy.
POLL_DUTS = (("vdp-busy", "vdp"), ("vdp-adaptive", "vdp-adaptive"), ("testpmd", "testpmd"))
POLL_IDLE_MAX = 2.0       # adaptive: % of one core at most, idle
POLL_BUSY_MIN = 90.0      # busy and testpmd: about one whole core, idle
POLL_WAKE_P99_US = 50.0   # adaptive: wake-up round trip p99, at most
POLL_RATIO_MIN = 0.98     # adaptive / busy Mpps at full load: within 2%


def read_csv(path):
    if not path or not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def cmd_poll_summary(args):
    host = load_host(args.host, args.out)
    rows = []  # (measure, {column: value}, target, met)

    def met(ok):
        return "" if ok is None else ("yes" if ok else "NO")

    idle = {r["dut"]: r for r in read_csv(args.idle) if not r["error"]}
    if read_csv(args.idle):
        secs = med(num(r["window_s"]) for r in idle.values())
        vals = {c: fmt(num(idle[c]["cpu_pct"]), 1) if c in idle else "-" for c, _ in POLL_DUTS}
        # each DUT against its own target: adaptive's, and the pollers' whole core
        oks = []
        for c, _ in POLL_DUTS:
            if c in idle:
                pct = num(idle[c]["cpu_pct"])
                ok = pct <= POLL_IDLE_MAX if c == "vdp-adaptive" else pct >= POLL_BUSY_MIN
                oks.append("%s %s" % (c.replace("vdp-", ""), met(ok)))
        rows.append(("idle CPU, %% of one core (%s s, 2 idle peers)" % fmt(secs, 0), vals,
                     "adaptive <= %g%%, busy and testpmd ~100%% (>= %g%%)" % (
                         POLL_IDLE_MAX, POLL_BUSY_MIN), ", ".join(oks)))
        vals = {c: ("%s%% / %s" % (idle[c]["sleep_pct"] or "-", idle[c]["sleeps"])
                    if c in idle and idle[c]["sleeps"] != "" else "-") for c, _ in POLL_DUTS}
        rows.append(("idle: worker asleep % of the time / sleeps", vals, "", ""))
        vals = {c: fmt(num(idle[c]["other_cpu_pct"]), 0) if c in idle else "-"
                for c, _ in POLL_DUTS}
        rows.append(("idle: other processes' CPU in the window, % of a CPU", vals, "", ""))
    wake = {r["dut"]: r for r in read_csv(args.wake) if r["samples"]}
    if read_csv(args.wake):
        any_w = next(iter(wake.values()), {})
        what = "wake-up round trip after %s ms idle (%s trips, S2 64 B)" % (
            any_w.get("idle_ms", "?"), any_w.get("count", "?"))
        for k, label in (("p50_us", "p50"), ("p99_us", "p99"), ("max_us", "max")):
            vals = {c: wake[c][k] if c in wake else "-" for c, _ in POLL_DUTS}
            target, ok = "", ""
            if k == "p99_us":
                target = "adaptive p99 <= %g us" % POLL_WAKE_P99_US
                ok = met(num(wake["vdp-adaptive"]["p99_us"]) <= POLL_WAKE_P99_US
                         if "vdp-adaptive" in wake else None)
            rows.append(("%s, %s us" % (what, label), vals, target, ok))
        lost = {c: wake[c]["lost"] or "0" for c, _ in POLL_DUTS if c in wake}
        if any(v not in ("", "0") for v in lost.values()):
            rows.append(("wake-up: round trips lost", {c: lost.get(c, "-") for c, _ in POLL_DUTS},
                         "", ""))
    if args.runs and os.path.exists(args.runs):
        _, runs = load_runs(args.runs)
        cases = []
        for r in runs:
            c = (r["scenario"], int(r["size"]), r["ring"])
            if c not in cases:
                cases.append(c)
        cases.sort(key=lambda c: (c[0], c[1], ring_key(c[2])))
        for sc, size, ring in cases:
            by = {}
            for r in runs:
                if (r["scenario"], int(r["size"]), r["ring"]) == (sc, size, ring) and \
                        not r["error"] and num(r["mpps"]):
                    by.setdefault(r["dut"], {})[r["round"]] = r
            name = "%s %d B%s" % (sc, size, "" if ring == "split" else " " + ring)
            nrounds = max((len(v) for v in by.values()), default=0)

            def col(field, digits):
                return {c: fmt(med(num(r[field]) for r in by[d].values()), digits)
                        if d in by else "-" for c, d in POLL_DUTS}
            rows.append(("%s Mpps (median, %d round%s)" % (name, nrounds,
                                                          "" if nrounds == 1 else "s"),
                         col("mpps", 3), "", ""))
            rt = ratios(by, "vdp-adaptive", "vdp", "mpps")
            vals = {c: "-" for c, _ in POLL_DUTS}
            ok = None
            if rt:
                vals["vdp-adaptive"] = "%.3f (%.3f..%.3f)" % (med(rt), min(rt), max(rt))
                ok = med(rt) >= POLL_RATIO_MIN
            rows.append(("%s Mpps adaptive / busy (median of rounds, min..max)" % name, vals,
                         "within 2%% (>= %.2f)" % POLL_RATIO_MIN, met(ok)))
            rows.append(("%s busy cycles/packet (telemetry)" % name, col("busy_cyc_pkt", 1), "",
                         ""))
        # what else ran: a figure taken while others had the CPUs means little
        other = {c: fmt(max((num(r["other_cpu_pct"]) or 0.0 for r in runs if r["dut"] == d),
                            default=None), 0) if any(r["dut"] == d for r in runs) else "-"
                 for c, d in POLL_DUTS}
        rows.append(("load: other processes' CPU in the windows, max % of a CPU", other, "",
                     ""))
    lat = [r for r in read_csv(args.latency) if not r["error"]]
    keys = sorted({(r["scenario"], int(r["size"]), r.get("ring") or "split", int(r["load_pct"]))
                   for r in lat}, key=lambda k: (k[0], k[1], ring_key(k[2]), k[3]))
    for sc, size, ring, load in keys:
        mine = [r for r in lat if (r["scenario"], int(r["size"]), r.get("ring") or "split",
                                   int(r["load_pct"])) == (sc, size, ring, load)]
        vals = {}
        for c, d in POLL_DUTS:
            d_rows = [r for r in mine if r["dut"] == d]
            vals[c] = "%s / %s" % (fmt(med(num(r["p50_us"]) for r in d_rows), 2),
                                   fmt(med(num(r["p99_us"]) for r in d_rows), 2)) \
                if d_rows else "-"
        rows.append(("%s %d B%s latency at %d%% load, p50 / p99 us" % (
            sc, size, "" if ring == "split" else " " + ring, load), vals, "", ""))
    if not rows:
        print("bench_parse: poll-summary: no results", file=sys.stderr)
        return 1
    cols = [c for c, _ in POLL_DUTS]
    hdr = ["measure"] + cols + ["target", "met"]
    lines = [hdr] + [[m] + [v.get(c, "-") or "-" for c in cols] + [t, ok]
                     for m, v, t, ok in rows]
    with open(args.out, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(hdr)
        wr.writerows(lines[1:])
    md = []
    if host.get("line"):
        md += [host["line"], ""]
    if args.command:
        md += ["`%s`" % args.command, ""]
    md.append("| " + " | ".join(hdr) + " |")
    md.append("|---|" + "|".join("--:" for _ in cols) + "|---|---|")
    md += ["| " + " | ".join(l) + " |" for l in lines[1:]]
    text = "\n".join(md) + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    return 0 if not any("NO" in ok for _, _, _, ok in rows) else 3


# Terminal control sequences (CSI, OSC, charset selection) and carriage
# returns, dropped from what a program writes to its pseudo-terminal.
TERM_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                          r"|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]|\r")


def cmd_pty(args):
    """Run args.command on its own pseudo-terminal (it is the controlling
    terminal of a new session), its output cleaned into args.log."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    # pktgen lays out its screen from the size: give it a large one
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, 200, 0, 0))

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        proc = subprocess.Popen(args.command, stdin=slave, stdout=slave, stderr=slave,
                                preexec_fn=child_setup, close_fds=True)
    except OSError as e:
        with open(args.log, "w") as f:
            f.write("cannot run %s: %s\n" % (args.command[0], e.strerror))
        return 127
    os.close(slave)

    def forward(sig, _frame):
        try:
            os.killpg(proc.pid, sig)
        except OSError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    pending = ""
    with open(args.log, "w") as log:
        while True:
            try:
                data = os.read(master, 65536)
            except InterruptedError:
                continue
            except OSError:
                data = b""  # EIO: every writer closed its end
            if not data:
                break
            pending += data.decode("utf-8", "replace")
            # whole lines only: an escape may span two reads
            done, _, pending = pending.rpartition("\n")
            if done:
                log.write(TERM_ESCAPES.sub("", done) + "\n")
                log.flush()
        if pending:
            log.write(TERM_ESCAPES.sub("", pending) + "\n")
    os.close(master)
    while True:
        try:
            return proc.wait()
        except InterruptedError:
            continue


def cmd_gen_output(args):
    text = read_text(args.file)
    if args.generator == "latency":
        out = parse_latency(text)
    else:
        out = parse_pktgen(text) if args.generator == "pktgen" else parse_testpmd_gen(text)
    rings = gen_rings(text)
    if rings:
        # JSON keys are strings
        out["rings"] = {str(p): layout for p, layout in rings.items()}
    print(json.dumps(out, sort_keys=True))
    return 0 if out else 1


def main():
    # Die of Ctrl-C rather than handle it, so that bench.sh sees it too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--scenario", required=True, choices=SCENARIOS)
    m.add_argument("--gen", required=True)
    m.add_argument("--gen-ports", type=int, default=1)
    m.add_argument("--dut-kind", required=True, choices=["vdp", "testpmd", "ovs"])
    m.add_argument("--dut", required=True, help="EAL file prefix, or OVS run directory")
    m.add_argument("--dut-ports", type=int, default=1)
    m.add_argument("--netns", help="S4: the tap's network namespace")
    m.add_argument("--tap", help="S4: the tap interface")
    m.add_argument("--warmup", type=float, default=2.0)
    m.add_argument("--duration", type=float, default=5.0)
    m.add_argument("--timeout", type=float, default=30.0)
    m.add_argument("--pids", default="", help="the generator's and the DUT's pids")
    m.add_argument("--gen-pid", type=int, help="the generator's pid: stop waiting when it exits")
    m.add_argument("--gen-log", help="the generator's output, quoted when no traffic came")
    r = sub.add_parser("row")
    for a in ("--meas", "--dut-log", "--round", "--scenario", "--size", "--dut",
              "--order", "--attempt", "--runs"):
        r.add_argument(a, required=True)
    r.add_argument("--gen-log", default="")
    r.add_argument("--generator", default="testpmd", choices=["testpmd", "pktgen"])
    r.add_argument("--ring", default="split", choices=RINGS, help="the layout asked for")
    q = sub.add_parser("quiet")
    q.add_argument("--max-other", type=float, required=True)
    q.add_argument("--seconds", type=int, default=3)
    q.add_argument("--timeout", type=float, default=300)
    c = sub.add_parser("clean")
    for a in ("--runs", "--round", "--scenario", "--size", "--attempt"):
        c.add_argument(a, required=True)
    c.add_argument("--ring", default="split", choices=RINGS)
    c.add_argument("--nduts", type=int, default=2)
    c.add_argument("--max-other", type=float, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--runs", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--markdown", metavar="FILE", help="also write the table as markdown")
    s.add_argument("--host", metavar="JSON", help="host's JSON (default: host.json beside --runs)")
    h = sub.add_parser("host")
    h.add_argument("--cpuinfo", default="/proc/cpuinfo")
    h.add_argument("--eal-log", help="a DPDK process's output with lib.eal at debug level")
    h.add_argument("--dmesg", help="the kernel's log (default: what dmesg prints)")
    h.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   help="the git tree whose commit to name (default: this script's)")
    h.add_argument("--commit", help="name this commit instead of asking git")
    h.add_argument("--json", metavar="FILE", help="also write everything as JSON")
    p = sub.add_parser("plot")
    p.add_argument("--summary", required=True)
    p.add_argument("--out", required=True)
    g = sub.add_parser("gen-output")
    g.add_argument("--generator", required=True, choices=["testpmd", "pktgen", "latency"])
    x = sub.add_parser("max-pps")
    x.add_argument("--meas", required=True)
    x.add_argument("--scenario", required=True, choices=SCENARIOS)
    x.add_argument("--ports", type=int, default=1)
    lr = sub.add_parser("latency-row")
    for a in ("--log", "--round", "--scenario", "--size", "--dut", "--load", "--out"):
        lr.add_argument(a, required=True)
    lr.add_argument("--max-pps", type=float, required=True)
    lr.add_argument("--ring", default="split", choices=RINGS, help="the layout asked for")
    ls = sub.add_parser("latency-summary")
    ls.add_argument("--csv", required=True)
    ls.add_argument("--markdown", metavar="FILE")
    ls.add_argument("--host", metavar="JSON", help="host's JSON (default: host.json beside --csv)")
    g.add_argument("file")
    ll = sub.add_parser("last-lines")
    ll.add_argument("file")
    ll.add_argument("-n", type=int, default=3)
    ic = sub.add_parser("idle-cpu")
    ic.add_argument("--pid", type=int, required=True, help="the DUT's pid")
    ic.add_argument("--dut-kind", required=True, choices=["vdp", "testpmd"])
    ic.add_argument("--dut", required=True, help="the DUT's EAL file prefix")
    ic.add_argument("--dut-ports", type=int, default=2)
    ic.add_argument("--gen", required=True, help="the peers' EAL file prefix")
    ic.add_argument("--gen-ports", type=int, default=2)
    ic.add_argument("--gen-pid", type=int)
    ic.add_argument("--seconds", type=float, default=10.0)
    ic.add_argument("--settle", type=float, default=1.0)
    ic.add_argument("--timeout", type=float, default=30.0)
    ic.add_argument("--name", required=True)
    ic.add_argument("--out", required=True)
    ic.add_argument("--host", metavar="JSON",
                    help="host's JSON: the TSC rate (a vdp's time asleep)")
    wr = sub.add_parser("wake-row")
    for a in ("--log", "--name", "--out", "--idle-ms", "--count"):
        wr.add_argument(a, required=True)
    wr.add_argument("--dut-kind", default="testpmd", choices=["vdp", "testpmd"])
    wr.add_argument("--dut", help="the DUT's EAL file prefix (vdp: its sleeps)")
    ps = sub.add_parser("poll-summary")
    ps.add_argument("--idle")
    ps.add_argument("--wake")
    ps.add_argument("--runs", help="bench.sh's runs.csv with DUTs vdp and vdp-adaptive")
    ps.add_argument("--latency", help="bench.sh's latency.csv")
    ps.add_argument("--out", required=True, help="the table as CSV")
    ps.add_argument("--markdown", metavar="FILE")
    ps.add_argument("--host", metavar="JSON", help="host's JSON (default: host.json beside --out)")
    ps.add_argument("--command", help="the command line to quote")
    t = sub.add_parser("pty")
    t.add_argument("--log", required=True)
    t.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd == "pty":
        if args.command[:1] == ["--"]:
            args.command = args.command[1:]
        if not args.command:
            ap.error("pty: no command")
    if args.cmd == "measure" and args.scenario == "S4" and not (args.netns and args.tap):
        ap.error("S4 needs --netns and --tap")
    return {"measure": cmd_measure, "row": cmd_row, "clean": cmd_clean, "quiet": cmd_quiet,
            "summary": cmd_summary, "plot": cmd_plot, "host": cmd_host,
            "gen-output": cmd_gen_output, "max-pps": cmd_max_pps,
            "latency-row": cmd_latency_row,
            "latency-summary": cmd_latency_summary, "pty": cmd_pty,
            "last-lines": cmd_last_lines, "idle-cpu": cmd_idle_cpu, "wake-row": cmd_wake_row,
            "poll-summary": cmd_poll_summary}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
