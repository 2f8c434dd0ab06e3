# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Helpers for the integration tests: vdp and dpdk-testpmd peers.

vdp runs as a child process with --no-huge; each peer is a dpdk-testpmd
with a net_virtio_user port, driven through a pseudo-terminal as a person
would drive its prompt. Counters come from testpmd's own "show port stats"
and from vdp's telemetry socket.
"""

import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VDP_BUILD", os.path.join(ROOT, "build"))
VDP = os.path.join(BUILD, "app", "vdp", "vdp")
VDPCTL = os.path.join(BUILD, "app", "vdpctl", "vdpctl")
TESTPMD = os.environ.get("TESTPMD", "dpdk-testpmd")
RUNTIME = "/var/run/dpdk"

# Every process maps its main lcore and its worker onto the two CPUs; the
# tests assert counts, never timings, so sharing CPUs is fine.
LCORES = "0@0,1@1"


def unique(prefix):
    """A name no other test or run uses."""
    return "%s%s" % (prefix, uuid.uuid4().hex[:8])


def wait_for(cond, timeout, step=0.2, what="condition"):
    """Poll cond() until it returns a true value; raise on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        val = cond()
        if val:
            return val
        time.sleep(step)
    raise TimeoutError("timed out after %ss waiting for %s" % (timeout, what))


class Vdp:
    """A vdp process with its own EAL file prefix."""

    def __init__(self, args, lcores=LCORES, mem=512, eal=None, env=None):
        """env: variables added to the test's own environment for vdp."""
        self.prefix = unique("vdpt")
        self.log_path = "/tmp/%s.log" % self.prefix
        self.ctl_path = "/tmp/%s.ctl" % self.prefix
        cmd = [VDP, "--no-huge", "-m", str(mem), "--no-pci", "--lcores", lcores,
               "--file-prefix", self.prefix, "--log-level", "*:notice"]
        cmd += eal or []
        cmd += ["--"] + list(args)
        if "--ctl-socket" not in args:
            cmd += ["--ctl-socket", self.ctl_path]
        self.cmd = cmd
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **env) if env else None)

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_started(self, timeout=60):
        wait_for(lambda: "forwarding started" in self.output() or self.proc.poll() is not None,
                 timeout, what="vdp start")
        assert self.proc.poll() is None, "vdp exited early:\n" + self.output()

    def telemetry(self, cmd):
        """Run one telemetry command and return its JSON value."""
        path = os.path.join(RUNTIME, self.prefix, "dpdk_telemetry.v2")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            s.connect(path)
            s.recv(16384)
            s.send(cmd.encode())
            reply = json.loads(s.recv(1 << 20).decode())
        finally:
            s.close()
        return reply[cmd.split(",")[0]]

    def port(self, name):
        return self.telemetry("/vdp/port,%s" % name)

    def ctl(self, *words, json_out=False, timeout=60):
        """Run vdpctl against this vdp; returns (exit status, stdout, stderr)."""
        cmd = [VDPCTL, "-s", self.ctl_path] + (["--json"] if json_out else []) + list(words)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return res.returncode, res.stdout, res.stderr

    def ctl_ok(self, *words):
        """Run a command that must succeed; return its output."""
        rc, out, err = self.ctl(*words)
        assert rc == 0 and err == "", "%s: rc %d\n%s%s" % (" ".join(words), rc, out, err)
        return out

    def ctl_json(self, *words):
        """Run a show command with --json; return the parsed reply."""
        rc, out, err = self.ctl(*words, json_out=True)
        assert rc == 0, "%s: rc %d\n%s%s" % (" ".join(words), rc, out, err)
        return json.loads(out)

    def mbufs_in_use(self):
        return self.telemetry("/vdp/mempool")["in_use"]

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGINT, timeout=60):
        """Signal vdp and return its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class VdpPrompt(Vdp):
    """vdp with -i on a pseudo-terminal, driven as a person would drive it."""

    def __init__(self, args, lcores=LCORES, mem=512):
        self.prefix = unique("vdpi")
        self.ctl_path = "/tmp/%s.ctl" % self.prefix
        self.cmd = [VDP, "--no-huge", "-m", str(mem), "--no-pci", "--lcores", lcores,
                    "--file-prefix", self.prefix, "--log-level", "*:notice", "--",
                    "-i", "--ctl-socket", self.ctl_path] + list(args)
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(self.cmd, stdin=slave, stdout=slave, stderr=slave,
                                     close_fds=True, start_new_session=True)
        os.close(slave)
        self.buf = ""
        self.transcript = ""
        self.expect(r"vdp> ", 90)

    def output(self):
        return self.transcript

    def type(self, text):
        """Send keystrokes as they are (no newline added)."""
        os.write(self.master, text.encode())

    def cmd_out(self, line, timeout=60):
        """Run a prompt command and return what it printed before the next prompt."""
        self.buf = ""
        self.type(line + "\n")
        return self.expect(r"([\s\S]*?)vdp> ", timeout).group(1)

    def stop(self, sig=signal.SIGINT, timeout=60):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass
        return self.proc.returncode


class Peer:
    """dpdk-testpmd with one net_virtio_user port, driven through a pty."""

    def __init__(self, path, mac=None, server=False, queues=1, lcores="0@1,1@0",
                 extra=None, vdevs=None, packed=False, vdev=None):
        """vdev: port 0's own --vdev instead of the virtio-user one (for
        example net_vhost0,iface=PATH: testpmd as a vhost-user backend)."""
        self.prefix = unique("peer")
        self.path = path
        if vdev is None:
            vdev = "net_virtio_user0,path=%s,queues=%d,queue_size=1024" % (path, queues)
            if mac:
                vdev += ",mac=%s" % mac
            if server:
                vdev += ",server=1"
            if packed:
                vdev += ",packed_vq=1"
        self.cmd = [TESTPMD, "--no-huge", "-m", "256", "--single-file-segments",
                    "--no-pci", "--lcores", lcores, "--file-prefix", self.prefix,
                    "--log-level", "*:notice", "--vdev", vdev]
        for v in vdevs or []:
            self.cmd += ["--vdev", v]
        self.cmd += ["--",
                    "-i", "--no-mlockall", "--total-num-mbufs=4096",
                    "--rxq=%d" % queues, "--txq=%d" % queues] + (extra or [])
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(self.cmd, stdin=slave, stdout=slave, stderr=slave,
                                     close_fds=True, start_new_session=True)
        os.close(slave)
        self.buf = ""
        self.transcript = ""  # everything the peer printed
        self.expect(r"testpmd> ", 90)

    def read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return ""
        try:
            data = os.read(self.master, 65536).decode(errors="replace")
        except OSError:
            return ""
        self.buf += data
        self.transcript += data
        return data

    # What testpmd prints for each packet with "set verbose 1". Its forwarding
    # lcore prints these while the prompt is written one character at a
    # time, so they can land inside "testpmd> "; expect() looks past them
    # (the transcript keeps them).
    DUMP = re.compile(r"port \d+/queue \d+: (?:received|sent) \d+ packets\n|"
                      r"  src=[^\n]*\n|  ol_flags:[^\n]*\n")

    def expect(self, pattern, timeout=60):
        """Read until pattern matches the output; return the match."""
        deadline = time.time() + timeout
        while True:
            self.buf = self.DUMP.sub("", self.buf)
            m = re.search(pattern, self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None and not self.read(0.1):
                raise TimeoutError("peer %s: no %r in output:\n%s" %
                                   (self.prefix, pattern, self.buf[-3000:]))
            self.read(min(left, 0.5))

    def cmd_out(self, line, timeout=60):
        """Run a prompt command and return what it printed."""
        self.buf = ""
        os.write(self.master, (line + "\n").encode())
        m = self.expect(r"([\s\S]*?)testpmd> ", timeout)
        return m.group(1)

    def stats(self):
        out = self.cmd_out("show port stats 0")
        rx = int(re.search(r"RX-packets:\s+(\d+)", out).group(1))
        tx = int(re.search(r"TX-packets:\s+(\d+)", out).group(1))
        return rx, tx

    def link_up(self):
        return "Link status: up" in self.cmd_out("show port info 0")

    def send(self, bursts):
        """Send bursts x 32 packets with txonly, then keep receiving (rxonly)."""
        self.cmd_out("stop")
        self.cmd_out("set fwd rxonly")
        self.cmd_out("start tx_first %d" % bursts)

    def set_peer(self, mac):
        """Destination MAC of the packets send() makes (testpmd's eth-peer)."""
        self.cmd_out("stop")
        out = self.cmd_out("set eth-peer 0 %s" % mac)
        assert "Please stop" not in out and "Bad" not in out, out

    def rx_only(self):
        self.cmd_out("stop")
        self.cmd_out("set fwd rxonly")
        self.cmd_out("start")

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass

    def quit(self):
        if self.proc.poll() is None:
            try:
                os.write(self.master, b"stop\nquit\n")
                self.proc.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()


def start_pair(sockdir, procs, port_opt="", peers=({}, {}), args=()):
    """vdp with vhost0 (sockdir/a.sock) and vhost1 (b.sock), port_opt after
    each socket path, args after the ports, and a Peer on each (peers: each
    one's keyword arguments); all three go to procs. Returns (vdp, p0, p1)
    once both links are up."""
    s0, s1 = os.path.join(sockdir, "a.sock"), os.path.join(sockdir, "b.sock")
    vdp = Vdp(["--vhost", s0 + port_opt, "--vhost", s1 + port_opt] + list(args))
    procs.append(vdp)
    vdp.wait_started()
    p0, p1 = Peer(s0, **peers[0]), Peer(s1, **peers[1])
    procs += [p0, p1]
    wait_for(lambda: vdp.port("vhost0")["link_up"] and vdp.port("vhost1")["link_up"],
             60, what="both links up")
    return vdp, p0, p1


def wait_rx(peer, count, timeout=60):
    """Wait until peer has received at least count packets; return its count."""
    return wait_for(lambda: peer.stats()[0] >= count and peer.stats()[0], timeout,
                    step=0.5, what="%d packets at %s" % (count, peer.prefix))


def settle(peer, timeout=30):
    """Wait until peer's rx counter stops moving; return it."""
    last = -1
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = peer.stats()[0]
        if now == last:
            return now
        last = now
        time.sleep(1.0)
    return last


# The prompt reads and matches its output the way a peer's does.
VdpPrompt.read = Peer.read
VdpPrompt.expect = Peer.expect
VdpPrompt.DUMP = Peer.DUMP
