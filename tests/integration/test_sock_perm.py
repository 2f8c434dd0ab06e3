# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""Owner, group and mode of vdp's Unix sockets: a vhost-user socket only
its group can connect to, a control socket only root can use unless told,
and bad values refused with one line and exit status 2."""

import grp
import os
import pwd
import stat
import subprocess

import pytest

from test_bad_input import check, run
from vdptest import VDPCTL, Vdp

GROUP = "vdpsockg"
USER = "vdpsocku"

# Connect to the socket argv[1]; print OK or the errno's name.
CONNECT = ("import errno, socket, sys\n"
           "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
           "try:\n"
           "    s.connect(sys.argv[1])\n"
           "    print('OK')\n"
           "except OSError as e:\n"
           "    print(errno.errorcode[e.errno])\n")


@pytest.fixture(scope="module")
def member():
    """A throwaway group and a user in it, removed at the end if made here."""
    made_group = made_user = False
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", "-r", GROUP], check=True)
        made_group = True
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-r", "-M", "-N", "-g", GROUP, "-s", "/usr/sbin/nologin",
                        USER], check=True)
        made_user = True
    yield USER
    if made_user:
        subprocess.run(["userdel", USER], check=True)
    if made_group:
        subprocess.run(["groupdel", GROUP], check=True)


@pytest.fixture
def opendir(sockdir):
    """sockdir, searchable by every user (mkdtemp makes it 0700)."""
    os.chmod(sockdir, 0o711)
    return sockdir


def as_user(user, *cmd):
    """Run cmd as user with that user's groups; returns the CompletedProcess."""
    return subprocess.run(["setpriv", "--reuid=" + user, "--regid=" +
                           str(pwd.getpwnam(user).pw_gid), "--init-groups", "--"] + list(cmd),
                          capture_output=True, text=True, timeout=30)


def connect_as(user, path):
    return as_user(user, "/usr/bin/python3", "-c", CONNECT, path).stdout.strip()


def perm(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def test_vhost_socket_group_and_mode(opendir, procs, member):
    gid = grp.getgrnam(GROUP).gr_gid
    a, b = os.path.join(opendir, "a.sock"), os.path.join(opendir, "b.sock")
    vdp = Vdp(["--vhost", a + ",sock-group=%s,sock-mode=0660" % GROUP, "--vhost", b])
    procs.append(vdp)
    vdp.wait_started()

    assert perm(a) == (os.geteuid(), gid, 0o660)
    # Nothing given: vdp's user and group, 0660.
    assert perm(b) == (os.geteuid(), os.getegid(), 0o660)
    assert connect_as(member, a) == "OK"
    assert connect_as("nobody", a) == "EACCES"
    assert connect_as(member, b) == "EACCES"

    # What is shown is what is on disk.
    owner = pwd.getpwuid(os.geteuid()).pw_name
    assert "  socket: %s (server, %s:%s 0660)\n" % (a, owner, GROUP) in \
        vdp.ctl_ok("show", "vhost", "vhost0")
    js = vdp.ctl_json("show", "vhost", "vhost0")["ports"][0]
    assert (js["socket_owner"], js["socket_group"], js["socket_mode"]) == (owner, GROUP, "0660")
    tel = vdp.telemetry("/vdp/vhost")["vhost0"]
    assert (tel["socket_owner"], tel["socket_group"], tel["socket_mode"]) == \
        (owner, GROUP, "0660")

    # The control socket stays root's: 0600, and nobody cannot use it.
    assert perm(vdp.ctl_path)[2] == 0o600
    res = as_user("nobody", VDPCTL, "-s", vdp.ctl_path, "show", "config", "fwd")
    assert res.returncode != 0 and "Permission denied" in res.stderr, res.stdout + res.stderr

    # add vhost takes the same keys, with the same messages.
    c = os.path.join(opendir, "c.sock")
    vdp.ctl_ok("add", "vhost", "vm3", c, "sock-mode=0600")
    assert perm(c)[2] == 0o600
    rc, _, err = vdp.ctl("add", "vhost", "vm4", os.path.join(opendir, "d.sock"),
                         "sock-group=vdp-no-such-group")
    assert rc == 1 and "sock-group=vdp-no-such-group: unknown group 'vdp-no-such-group'" in err
    assert not os.path.exists(os.path.join(opendir, "d.sock"))
    rc, _, err = vdp.ctl("add", "vhost", "vm5", os.path.join(opendir, "e.sock"), "client",
                         "sock-mode=0660")
    assert rc == 1 and "are for server mode" in err
    assert vdp.stop() == 0


def test_defaults_and_control_socket_group(opendir, procs, member):
    gid = grp.getgrnam(GROUP).gr_gid
    a = os.path.join(opendir, "a.sock")
    vdp = Vdp(["--vhost", a, "--sock-group", GROUP, "--sock-mode", "0640",
               "--ctl-sock-group", GROUP, "--ctl-sock-mode", "0660"])
    procs.append(vdp)
    vdp.wait_started()
    assert perm(a) == (os.geteuid(), gid, 0o640)
    assert perm(vdp.ctl_path) == (os.geteuid(), gid, 0o660)
    res = as_user(member, VDPCTL, "-s", vdp.ctl_path, "show", "config", "fwd")
    assert res.returncode == 0 and "io packet forwarding" in res.stdout, res.stdout + res.stderr
    # A port added at run time takes the defaults too.
    b = os.path.join(opendir, "b.sock")
    vdp.ctl_ok("add", "vhost", "vm2", b)
    assert perm(b) == (os.geteuid(), gid, 0o640)
    assert vdp.stop() == 0


@pytest.mark.parametrize("args,message", [
    (["--vhost", "/tmp/x.sock,sock-owner=vdp-no-such-user"],
     "--vhost: sock-owner=vdp-no-such-user: unknown user 'vdp-no-such-user'"),
    (["--vhost", "/tmp/x.sock,sock-mode=0999"],
     "--vhost: sock-mode=0999: bad mode '0999' (octal, 0000..0777)"),
    (["--vhost", "/tmp/x.sock,client,sock-group=root"],
     "--vhost: sock-owner, sock-group and sock-mode are for server mode"),
    (["--sock-group", "vdp-no-such-group"], "--sock-group: unknown group 'vdp-no-such-group'"),
    (["--ctl-sock-mode", "rw"], "--ctl-sock-mode: bad mode 'rw' (octal, 0000..0777)"),
])
def test_bad_values(args, message):
    check(run(args), message)
