# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""A guest that libvirt starts, on a vhost-user port of vdp, and a TAP port
whose kernel end sits in a network namespace.

The domain is docs/examples/libvirt-vhostuser-client.xml (QEMU connects to
vdp's server socket) or libvirt-vhostuser-server.xml (QEMU listens and
vdp's port is in client mode), with the test's paths put in. Both files
must pass virt-xml-validate. vdp gives its server socket group
libvirt-qemu and mode 0660; QEMU runs as user libvirt-qemu and must be
able to open it. The guest pings the namespace 10 times (10 answered),
then sends and receives 256 KiB of TCP whose SHA-256 is checked at the
far end, and vdp's port counters show the traffic.

libvirtd is the test's own: it runs with virtlogd in a private mount
namespace in which /etc/libvirt, /run/libvirt, /var/lib/libvirt,
/var/log/libvirt and /var/cache/libvirt are directories of the test's
(libvirtd.conf: its sockets in that directory, no authentication;
qemu.conf: QEMU as libvirt-qemu:libvirt-qemu, no cgroups). No systemd,
D-Bus or polkit is needed, a libvirtd of the system (if any) is not
touched, and nothing is left behind. The packages are libvirt-daemon,
libvirt-daemon-driver-qemu, libvirt-clients (virsh, virt-xml-validate),
libvirt-daemon-system (user libvirt-qemu) and libxml2-utils (xmllint, which
virt-xml-validate runs); without them the tests fail.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from guest import assert_xfer, xfer_check
from vdptest import ROOT, Vdp, unique, wait_for

EXAMPLES = os.path.join(ROOT, "docs", "examples")
XML = {mode: os.path.join(EXAMPLES, "libvirt-vhostuser-%s.xml" % mode)
       for mode in ("client", "server")}
QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
NSXFER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nsxfer.py")
QEMU_USER = "libvirt-qemu"
NS_IP, GUEST_IP = "198.19.3.1", "198.19.3.2"
NBYTES = 256 * 1024
PACKAGES = ("libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients "
            "libvirt-daemon-system libxml2-utils")
# Where libvirtd keeps its configuration and state as root; the test's
# libvirtd sees directories of its own there.
LIBVIRT_DIRS = {"etc": "/etc/libvirt", "run": "/run/libvirt", "lib": "/var/lib/libvirt",
                "log": "/var/log/libvirt", "cache": "/var/cache/libvirt"}



def sh(*cmd, check=True, timeout=120):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout)


def gone(pid):
    """Whether a process has exited (a zombie that init has yet to reap has)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def need_libvirt():
    """Fail (not skip) with what to install when libvirt is missing."""
    missing = [b for b in ("libvirtd", "virtlogd", "virsh", "virt-xml-validate", "xmllint")
               if shutil.which(b) is None]
    try:
        pwd.getpwnam(QEMU_USER)
        grp.getgrnam(QEMU_USER)
    except KeyError:
        missing.append("user and group " + QEMU_USER)
    if missing:
        pytest.fail("libvirt is not installed (missing: %s); apt-get install "
                    "--no-install-recommends %s" % (", ".join(missing), PACKAGES))


def validate(path):
    res = sh("virt-xml-validate", path, "domain")
    assert res.returncode == 0 and "validates" in res.stdout + res.stderr, res.stdout + res.stderr


class Libvirtd:
    """libvirtd and virtlogd in a private mount namespace, on private dirs."""

    def __init__(self, top):
        self.top = top
        self.sock = os.path.join(top, "sock")
        self.uri = "qemu:///system?socket=%s/libvirt-sock" % self.sock
        self.log_path = os.path.join(top, "libvirtd.log")
        self.made = []  # mount points that the test had to create
        os.mkdir(self.sock, 0o700)
        for name in LIBVIRT_DIRS:
            os.mkdir(os.path.join(top, name), 0o755)
        # libvirt-daemon-system's layout: QEMU (libvirt-qemu) reaches its
        # per-domain directories under /var/lib/libvirt/qemu.
        qemu_lib = os.path.join(top, "lib", "qemu")
        os.mkdir(qemu_lib, 0o750)
        os.chown(qemu_lib, pwd.getpwnam(QEMU_USER).pw_uid, grp.getgrnam(QEMU_USER).gr_gid)
        os.mkdir(os.path.join(top, "etc", "qemu"), 0o755)
        with open(os.path.join(top, "etc", "libvirtd.conf"), "w") as f:
            f.write('unix_sock_dir = "%s"\n' % self.sock)
            f.write('unix_sock_ro_perms = "0700"\nunix_sock_rw_perms = "0700"\n')
            f.write('auth_unix_ro = "none"\nauth_unix_rw = "none"\n')
            f.write('log_outputs = "3:file:%s"\n' % self.log_path)
        with open(os.path.join(top, "etc", "qemu.conf"), "w") as f:
            f.write('user = "%s"\ngroup = "%s"\n' % (QEMU_USER, QEMU_USER))
            # the system's cgroup tree stays as it is
            f.write("cgroup_controllers = [ ]\n")
        for conf in ("libvirt.conf", "virtlogd.conf"):
            if os.path.exists(os.path.join("/etc/libvirt", conf)):
                shutil.copy(os.path.join("/etc/libvirt", conf), os.path.join(top, "etc", conf))
        script = "set -e\n"
        for name, target in LIBVIRT_DIRS.items():
            script += "mount --bind %s %s\n" % (os.path.join(top, name), target)
        # The shell stays their parent and reaps both: SIGTERM to it stops
        # them, and it exits when libvirtd does. The pid files are the
        # test's, not /run/libvirtd.pid and /run/virtlogd.pid.
        script += "set +e\n"
        script += "virtlogd -p %s/virtlogd.pid & v=$!\n" % top
        script += "libvirtd -f /etc/libvirt/libvirtd.conf -p %s/libvirtd.pid & l=$!\n" % top
        script += "trap 'kill $l $v; wait; exit 0' TERM\n"
        script += "wait $l\nkill $v\nwait\n"
        self.script = script
        self.proc = None

    def start(self):
        for target in LIBVIRT_DIRS.values():
            if not os.path.isdir(target):
                os.makedirs(target)
                self.made.append(target)
        self.out = open(os.path.join(self.top, "daemon.out"), "w")
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                      "sh", "-c", self.script],
                                     stdout=self.out, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: self.proc.poll() is not None or
                     sh("virsh", "-c", self.uri, "version", check=False).returncode == 0,
                     60, step=0.5, what="libvirtd")
        except TimeoutError as e:
            raise AssertionError("%s\n%s" % (e, self.describe())) from None
        assert self.proc.poll() is None, "libvirtd exited\n" + self.describe()

    def virsh(self, *args, check=True):
        res = sh("virsh", "-c", self.uri, *args, check=False)
        assert not check or res.returncode == 0, "virsh %s: %s%s\n%s" % (
            " ".join(args), res.stdout, res.stderr, self.describe())
        return res.stdout

    def path(self, name, *rest):
        """Where the private directory for name (LIBVIRT_DIRS) is."""
        return os.path.join(self.top, name, *rest)

    def describe(self):
        text = ""
        for p in (os.path.join(self.top, "daemon.out"), self.log_path):
            try:
                with open(p, errors="replace") as f:
                    text += "--- %s ---\n%s\n" % (p, f.read()[-3000:])
            except OSError:
                pass
        return text

    def qemu_pid(self, dom):
        with open(self.path("run", "qemu", dom + ".pid")) as f:
            return int(f.read())

    def stop(self):
        if self.proc is None:
            self.rmdirs()
            return
        # Domains first: a QEMU outlives a libvirtd that stops.
        if self.proc.poll() is None:
            for dom in self.virsh("list", "--all", "--name", check=False).split():
                self.virsh("destroy", dom, check=False)
                self.virsh("undefine", dom, check=False)
            self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            for name in ("libvirtd", "virtlogd"):
                pid = self.pidfile(name)
                if pid and not gone(pid):
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait()
        self.out.close()
        self.rmdirs()

    def rmdirs(self):
        for target in reversed(self.made):
            try:
                os.rmdir(target)
            except OSError:
                pass

    def pidfile(self, name):
        try:
            with open(os.path.join(self.top, name + ".pid")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None


@pytest.fixture
def libvirtd(workdir):
    need_libvirt()
    top = os.path.join(workdir, "libvirt")
    os.mkdir(top, 0o700)
    d = Libvirtd(top)
    try:
        d.start()
        yield d
    finally:
        d.stop()


def test_libvirt_examples_validate():
    need_libvirt()
    for mode, path in XML.items():
        validate(path)
        root = ET.parse(path).getroot()
        assert root.get("type") == "qemu"
        assert root.find("memoryBacking/source").get("type") == "memfd"
        assert root.find("memoryBacking/access").get("mode") == "shared"
        iface = root.find("devices/interface")
        assert iface.get("type") == "vhostuser"
        assert iface.find("source").get("type") == "unix"
        assert iface.find("source").get("mode") == mode
        assert iface.find("model").get("type") == "virtio"
        # vectors=0 (guest.NET_DEVICE_WORKAROUND) on the interface's alias
        alias = iface.find("alias").get("name")
        dev = root.find("{%s}override/{%s}device" % (QEMU_NS, QEMU_NS))
        assert dev.get("alias") == alias
        prop = dev.find("{%s}frontend/{%s}property" % (QEMU_NS, QEMU_NS))
        assert (prop.get("name"), prop.get("type"), prop.get("value")) == (
            "vectors", "unsigned", "0")


def domain_xml(mode, name, guestdir, sock, serial, cmdline, check):
    """The example for mode with the test's paths; also adds the check as
    fw_cfg file opt/vdp/check, as guest.py hands it over."""
    ET.register_namespace("qemu", QEMU_NS)
    tree = ET.parse(XML[mode])
    root = tree.getroot()
    root.find("name").text = name
    root.find("os/kernel").text = os.path.join(guestdir, "vmlinux")
    root.find("os/initrd").text = os.path.join(guestdir, "initrd.gz")
    root.find("os/cmdline").text = cmdline
    root.find("devices/interface/source").set("path", sock)
    root.find("devices/interface/mac").set("address", "52:54:00:%02x:%02x:%02x" %
                                           tuple(os.urandom(3)))
    root.find("devices/serial/source").set("path", serial)
    sysinfo = ET.Element("sysinfo", type="fwcfg")
    ET.SubElement(sysinfo, "entry", name="opt/vdp/check", file=check)
    root.insert(list(root).index(root.find("os")), sysinfo)
    path = os.path.join(os.path.dirname(serial), name + ".xml")
    tree.write(path)
    return path


def proc_ids(pid):
    """(real uid, real gid) of a process."""
    with open("/proc/%d/status" % pid) as f:
        status = dict(line.split(":", 1) for line in f.read().splitlines())
    return int(status["Uid"].split()[0]), int(status["Gid"].split()[0])


@pytest.mark.parametrize("mode", ["client", "server"])
def test_libvirt_guest_tap_netns(mode, image, workdir, procs, netns, libvirtd):
    qemu_uid = pwd.getpwnam(QEMU_USER).pw_uid
    qemu_gid = grp.getgrnam(QEMU_USER).gr_gid
    # QEMU, as libvirt-qemu, must reach the kernel, the initramfs, the
    # check and (client mode) vdp's socket: the work directory gets o+x,
    # the guest's directory group libvirt-qemu; in server mode QEMU's
    # socket is made there too, so the group may write.
    os.chmod(workdir, 0o711)
    guestdir = os.path.join(workdir, "guest")
    os.mkdir(guestdir)
    os.chown(guestdir, 0, qemu_gid)
    os.chmod(guestdir, 0o770 if mode == "server" else 0o750)
    # Copies: libvirt gives the kernel and initramfs to libvirt-qemu while
    # the guest runs, which should not happen to the cached guest.
    for f in ("vmlinux", "initrd.gz"):
        shutil.copy(os.path.join(image, f), os.path.join(guestdir, f))
    check = os.path.join(guestdir, "check.sh")
    with open(check, "w") as f:
        f.write(xfer_check(NS_IP, NBYTES))
    sock = os.path.join(guestdir, "vhost0.sock")
    serial = os.path.join(workdir, "serial.log")

    ifname = "vdpl" + netns[-8:]
    if mode == "client":
        port = [sock, "--sock-group", QEMU_USER, "--sock-mode", "0660"]
    else:
        port = [sock + ",client"]
    vdp = Vdp(["--vhost"] + port, eal=["--vdev", "net_tap0,iface=%s" % ifname])
    procs.append(vdp)
    vdp.wait_started()
    if mode == "client":
        st = os.stat(sock)
        assert stat.S_ISSOCK(st.st_mode)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, qemu_gid, 0o660), st
    sh("ip", "link", "set", ifname, "netns", netns)
    ns = ["ip", "netns", "exec", netns]
    sh(*ns, "ip", "link", "set", "lo", "up")
    sh(*ns, "ip", "link", "set", ifname, "up")
    sh(*ns, "ip", "addr", "add", NS_IP + "/24", "dev", ifname)

    name = unique("vdp-lv-")
    cmdline = "console=ttyS0 quiet panic=-1 vdp_timeout=240 vdp_hold=1 vdp_ip=%s/24" % GUEST_IP
    xml = domain_xml(mode, name, guestdir, sock, serial, cmdline, check)
    validate(xml)
    result = os.path.join(workdir, "xfer.json")
    xfer = subprocess.Popen(ns + [sys.executable, NSXFER, NS_IP, GUEST_IP, str(NBYTES), result],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def output():
        try:
            with open(serial, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def describe():
        try:
            with open(libvirtd.path("log", "qemu", name + ".log"), errors="replace") as f:
                qemu = f.read()[-3000:]
        except OSError:
            qemu = ""
        return "--- serial ---\n%s\n--- qemu ---\n%s\n--- vdp ---\n%s\n%s" % (
            output()[-4000:], qemu, vdp.output()[-2000:], libvirtd.describe())

    try:
        libvirtd.virsh("define", xml)
        libvirtd.virsh("start", name)
        assert libvirtd.virsh("domstate", name).strip() == "running", describe()
        pid = libvirtd.qemu_pid(name)
        assert proc_ids(pid) == (qemu_uid, qemu_gid), proc_ids(pid)
        with open("/proc/%d/cmdline" % pid) as f:
            argv = f.read().split("\0")
        assert any('"vectors":0' in a and "virtio-net-pci" in a for a in argv), argv
        assert any("memory-backend-memfd" in a and '"share":true' in a for a in argv), argv
        try:
            wait_for(lambda: re.search(r"vdp-e2e: (PASS|FAIL)", output()), 300, step=0.5,
                     what="the guest's result")
        except TimeoutError as e:
            raise AssertionError("%s\n%s" % (e, describe())) from None
        assert "vdp-e2e: PASS" in output(), describe()
        out, _ = xfer.communicate(timeout=60)
        # the guest stays up after its result (vdp_hold=1), QEMU as libvirt-qemu
        assert libvirtd.virsh("domstate", name).strip() == "running", describe()
        assert proc_ids(pid) == (qemu_uid, qemu_gid)
    finally:
        if xfer.poll() is None:
            xfer.kill()
            xfer.wait()
    assert xfer.returncode == 0, out
    serial_out = output()
    assert "10 packets transmitted, 10 packets received" in serial_out
    assert_xfer(serial_out, result, NBYTES)
    # Both ways through vdp: 10 echo requests and NBYTES out of the guest
    # to the tap, 10 replies and NBYTES from the tap into the guest.
    guest, tap = vdp.port("vhost0"), vdp.port("net_tap0")
    assert guest["link_up"] == 1, guest
    assert guest["rx_packets"] >= 10 and guest["rx_bytes"] > NBYTES, guest
    assert guest["tx_packets"] >= 10 and guest["tx_bytes"] > NBYTES, guest
    assert tap["tx_bytes"] > NBYTES and tap["rx_bytes"] > NBYTES, tap
    # libvirt gave the kernel to libvirt-qemu for the guest's run, and
    # gives it back once the guest is gone.
    assert os.stat(os.path.join(guestdir, "vmlinux")).st_uid == qemu_uid
    libvirtd.virsh("destroy", name)
    assert os.stat(os.path.join(guestdir, "vmlinux")).st_uid == 0
    libvirtd.virsh("undefine", name)
    assert name not in libvirtd.virsh("list", "--all", "--name").split()
    wait_for(lambda: gone(pid), 30, what="QEMU exit")
