# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""QEMU guests for the e2e tests.

A guest is Debian's kernel and a busybox initramfs (tests/e2e/build-guest.sh)
booted under TCG with one virtio-net-pci device on a vhost-user socket. Its
/init configures eth0, runs the shell check the test gives it, and prints
"vdp-e2e: PASS" or "vdp-e2e: FAIL ..." on the serial console, which QEMU
writes to a file the test reads. With hold=True the guest stays up after
its result, so that a peer can still reach it; the test stops QEMU.
extra is more QEMU options (test_guests_adaptive.py adds a second serial port).

xfer_check() and assert_xfer() are the two halves of the bulk TCP tests
with nsxfer.py in a network namespace (test_tap.py, test_libvirt.py).
"""

import json
import os
import re
import signal
import socket
import subprocess
import time

from vdptest import ROOT, unique, wait_for

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
BUILD_GUEST = os.path.join(ROOT, "tests", "e2e", "build-guest.sh")
MEM = "256M"

RESULT = re.compile(r"vdp-e2e: (PASS|FAIL.*)")
BOOT = re.compile(r"vdp-e2e: boot ")

# QEMU 7.2 (Debian 12) crashes with SIGSEGV as soon as the guest driver
# starts a vhost-user virtio-net-pci device under TCG: the crash is in the
# set-up of the MSI-X interrupt notifiers. vectors=0 makes the device use
# legacy INTx interrupts, which avoids that path. Every guest gets its
# device options from here, so the workaround lives in this one place.
NET_DEVICE_WORKAROUND = ",vectors=0"


XFER_CHECK = """
i=0
until ping -c 1 -W 1 %(ns)s >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 90 ] || exit 1
done
ping -c 10 -i 0.2 -W 5 %(ns)s > /tmp/ping.out || true
cat /tmp/ping.out
grep -q "10 packets transmitted, 10 packets received" /tmp/ping.out
head -c %(n)d /dev/urandom > /tmp/out
%(before)s
echo "sent $(sha256sum < /tmp/out)"
nc %(ns)s 5001 < /tmp/out
nc -l -p 5002 > /tmp/in
echo "received $(wc -c < /tmp/in) $(sha256sum < /tmp/in)"
%(after)s
"""


def xfer_check(ns_ip, nbytes, before="", after=""):
    """The guest's check against nsxfer.py at ns_ip: wait until ns_ip
    answers, 10 of 10 pings, then nbytes of random data sent to its port
    5001 and as many received on port 5002, each with its SHA-256 on the
    serial console. before and after are more shell lines, run before the
    send and after the receive."""
    return XFER_CHECK % {"ns": ns_ip, "n": nbytes, "before": before, "after": after}


def assert_xfer(serial, result, nbytes):
    """Every byte each way, intact: the guest's serial output against
    nsxfer.py's result file."""
    with open(result) as f:
        far = json.load(f)
    sent = re.search(r"sent ([0-9a-f]{64})", serial)
    received = re.search(r"received (\d+) ([0-9a-f]{64})", serial)
    assert sent and received, serial
    # Guest -> namespace, then namespace -> guest.
    assert far["rx_bytes"] == nbytes and far["rx_sha256"] == sent.group(1), (far, serial)
    assert int(received.group(1)) == nbytes and received.group(2) == far["tx_sha256"], \
        (far, serial)


def build_image():
    """Build (or reuse) the guest; return the directory with vmlinux and initrd.gz."""
    res = subprocess.run([BUILD_GUEST], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, "guest build failed:\n" + res.stdout + res.stderr
    return res.stdout.strip().splitlines()[-1]


class Guest:
    """One QEMU process with a vhost-user virtio-net device."""

    def __init__(self, image, workdir, sock, check, ip=None, mac=None, server=False,
                 hold=True, timeout=150, reboot=False, packed=False, extra=None):
        self.name = unique("g")
        self.workdir = workdir
        self.serial = os.path.join(workdir, self.name + ".serial")
        self.monitor = os.path.join(workdir, self.name + ".mon")
        self.check_path = os.path.join(workdir, self.name + ".check")
        with open(self.check_path, "w") as f:
            f.write(check)
        self.mac = mac or "52:54:00:%02x:%02x:%02x" % tuple(os.urandom(3))
        append = "console=ttyS0 quiet panic=-1 vdp_timeout=%d vdp_hold=%d" % (
            timeout, 1 if hold else 0)
        if ip:
            append += " vdp_ip=" + ip
        chardev = "socket,id=c0,path=%s" % sock
        if server:
            # QEMU listens and vdp connects (vdp's client mode); QEMU waits
            # for the first connection before the guest starts.
            chardev += ",server=on,wait=off"
        cmd = [QEMU, "-machine", "q35,accel=tcg,memory-backend=mem",
               "-object", "memory-backend-memfd,id=mem,size=%s,share=on" % MEM,
               "-m", MEM, "-smp", "1", "-nodefaults", "-no-user-config",
               "-display", "none",
               "-kernel", os.path.join(image, "vmlinux"),
               "-initrd", os.path.join(image, "initrd.gz"),
               "-append", append,
               "-serial", "file:" + self.serial,
               "-monitor", "unix:%s,server=on,wait=off" % self.monitor,
               "-chardev", chardev,
               "-netdev", "vhost-user,id=n0,chardev=c0",
               "-device", "virtio-net-pci,netdev=n0,mac=%s%s%s" % (
                   self.mac, ",packed=on" if packed else "", NET_DEVICE_WORKAROUND),
               "-fw_cfg", "name=opt/vdp/check,file=" + self.check_path]
        if not reboot:
            cmd.append("-no-reboot")
        cmd += extra or []
        self.cmd = cmd
        self.log_path = os.path.join(workdir, self.name + ".qemu.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def output(self):
        try:
            with open(self.serial, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def results(self):
        return RESULT.findall(self.output())

    def boots(self):
        return len(BOOT.findall(self.output()))

    def describe(self):
        with open(self.log_path, errors="replace") as f:
            qemu = f.read()
        return "guest %s (%s):\n--- serial ---\n%s\n--- qemu ---\n%s" % (
            self.name, "running" if self.proc.poll() is None else
            "exit %s" % self.proc.returncode, self.output()[-4000:], qemu[-2000:])

    def wait_output(self, pattern, timeout=180):
        """Wait until the serial console shows pattern; return the match."""
        def seen():
            m = re.search(pattern, self.output())
            if m is None and self.proc.poll() is not None:
                raise AssertionError("guest exited before %r\n%s" % (pattern, self.describe()))
            return m
        try:
            return wait_for(seen, timeout, step=0.5, what="%r on %s" % (pattern, self.name))
        except TimeoutError as e:
            raise AssertionError("%s\n%s" % (e, self.describe())) from None

    def wait_result(self, n=1, timeout=180):
        """Wait for the n-th result line and assert every one so far is PASS."""
        def done():
            r = self.results()
            if len(r) < n and self.proc.poll() is not None:
                raise AssertionError("guest exited early\n" + self.describe())
            return len(r) >= n
        try:
            wait_for(done, timeout, step=0.5, what="result %d on %s" % (n, self.name))
        except TimeoutError as e:
            raise AssertionError("%s\n%s" % (e, self.describe())) from None
        r = self.results()
        assert r[:n] == ["PASS"] * n, self.describe()

    def hmp(self, command):
        """Run one human monitor command (system_reset, quit, ...)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(self.monitor)
            s.sendall((command + "\n").encode())
            time.sleep(0.5)
        finally:
            s.close()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.log.close()
