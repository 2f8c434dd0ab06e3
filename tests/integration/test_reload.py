# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""reload (vdpctl reload, SIGHUP, systemctl reload): the --config file read
again and its changes applied while traffic runs. Ports the file adds,
drops or changes; [fwd] options set and taken out; a file that does not
load changes nothing; a port from the command line is left alone; the
ports the reload does not touch keep their guests and forward exactly."""

import os
import signal

from test_systemd import message, notify_socket
from vdptest import Peer, Vdp, settle, wait_for, wait_rx

BASE = """[port vhost0]
type = vhost
path = %(dir)s/a.sock

[port vhost1]
type = vhost
path = %(dir)s/b.sock
"""
FWD = """
[fwd]
mode = io
xconnect = vhost0:vhost1
"""
EXTRA = """
[port vhost2]
type = vhost
path = %(dir)s/c.sock
"""


def write(path, text, **kw):
    with open(path, "w") as f:
        f.write(text % kw)


def reload_ok(vdp):
    rc, out, err = vdp.ctl("reload")
    assert rc == 0 and err == "", (rc, out, err)
    return out


def ports(vdp):
    return sorted(vdp.telemetry("/vdp/ports"))


def fwd(vdp):
    return vdp.ctl_json("show", "config", "fwd")


def start(sockdir, procs, args=(), env=None):
    cfg = os.path.join(sockdir, "topology.ini")
    write(cfg, BASE + FWD, dir=sockdir)
    vdp = Vdp(["--config", cfg] + list(args), env=env)
    procs.append(vdp)
    vdp.wait_started()
    p0 = Peer(os.path.join(sockdir, "a.sock"))
    p1 = Peer(os.path.join(sockdir, "b.sock"))
    procs += [p0, p1]
    wait_for(lambda: vdp.port("vhost0")["link_up"] and vdp.port("vhost1")["link_up"],
             60, what="both links up")
    p1.rx_only()
    return cfg, vdp, p0, p1


def test_reload_applies_changes(sockdir, procs):
    extra = os.path.join(sockdir, "d.sock")
    cfg, vdp, p0, p1 = start(sockdir, procs, ["--vhost", extra + ",name=extra"])
    p0.send(1)
    assert wait_rx(p1, 32) == 32

    # A port and an option added; vhost0, vhost1 and their cross-connect stay.
    write(cfg, BASE + EXTRA + FWD + "burst = 16\n", dir=sockdir)
    out = reload_ok(vdp)
    assert "  port vhost2: added\n" in out and "  burst: 16\n" in out, out
    assert out.endswith("reload: 2 changes applied\n"), out
    assert ports(vdp) == ["extra", "vhost0", "vhost1", "vhost2"]
    assert os.path.exists(os.path.join(sockdir, "c.sock"))
    assert fwd(vdp)["burst"] == 16
    # The guests of the ports it did not touch stayed connected.
    p0.send(1)
    assert wait_rx(p1, 64) == 64

    # Nothing changed: nothing done.
    assert reload_ok(vdp).endswith("reload: 0 changes applied\n")

    # The port dropped, the option taken out (its default again), and one
    # port's settings changed: it is restarted with them.
    write(cfg, BASE.replace("b.sock\n", "b.sock\nzcopy = off\n") + FWD, dir=sockdir)
    out = reload_ok(vdp)
    assert "  port vhost2: removed\n" in out and "  burst: 32 (the default)\n" in out, out
    assert "  port vhost1: restarted with its new settings\n" in out, out
    assert "  xconnect vhost0:vhost1\n" in out, out
    assert ports(vdp) == ["extra", "vhost0", "vhost1"]
    assert not os.path.exists(os.path.join(sockdir, "c.sock"))
    assert vdp.telemetry("/vdp/vhost")["vhost1"]["zcopy"] == "off"
    assert fwd(vdp)["burst"] == 32
    x = fwd(vdp)["xconnect"]
    assert (x["vhost0"], x["vhost1"]) == ("vhost1", "vhost0"), x
    assert vdp.port("vhost0")["link_up"]
    # Counted exactly through all of it: what vhost0 took went to vhost1.
    assert settle(p1) == 64
    assert vdp.port("vhost0")["rx_packets"] == 64


def test_reload_bad_file_changes_nothing(sockdir, procs):
    cfg, vdp, p0, p1 = start(sockdir, procs)
    write(cfg, BASE + EXTRA + FWD + "bogus = 1\n", dir=sockdir)
    rc, out, err = vdp.ctl("reload")
    assert rc == 1, (rc, out, err)
    assert "[fwd] unknown key 'bogus' (nothing changed)" in err, err
    assert ports(vdp) == ["vhost0", "vhost1"]
    # A later good file is applied.
    write(cfg, BASE + EXTRA + FWD, dir=sockdir)
    assert "  port vhost2: added\n" in reload_ok(vdp)
    p0.send(1)
    assert wait_rx(p1, 32) == 32
    assert vdp.alive()


def test_reload_change_that_fails_is_tried_again(sockdir, procs):
    cfg, vdp, _, _ = start(sockdir, procs)
    # tx-flows cannot change at run time: refused, the rest applied.
    write(cfg, BASE + EXTRA + FWD + "tx-flows = 4\n", dir=sockdir)
    rc, out, err = vdp.ctl("reload")
    assert rc == 1, (rc, out, err)
    # (vdpctl prints a failed command's whole reply on stderr)
    assert "  tx-flows: 4: failed: tx-flows cannot be changed at run time\n" in err, err
    assert "  port vhost2: added\n" in err, err
    assert err.endswith("error: reload: 1 of 2 changes failed\n"), err
    # What failed is tried again.
    rc, out, err = vdp.ctl("reload")
    assert rc == 1 and "  tx-flows: 4: failed: " in err and "vhost2" not in err, err
    # A port deleted by a command but still in the file comes back; an
    # option that never took effect is not undone.
    write(cfg, BASE + EXTRA + FWD, dir=sockdir)
    vdp.ctl_ok("del", "port", "vhost2")
    out = reload_ok(vdp)
    assert out.endswith("  port vhost2: added\nreload: 1 change applied\n"), out


def test_reload_new_settings_that_fail_keep_the_port(sockdir, procs):
    extra = os.path.join(sockdir, "d.sock")
    cfg, vdp, _, _ = start(sockdir, procs, ["--vhost", extra + ",name=extra"])
    # vhost1 moved onto a socket path another port listens on: refused,
    # and vhost1 is back on its own path.
    write(cfg, BASE.replace("b.sock", "d.sock") + FWD, dir=sockdir)
    for _ in range(2):
        # (the second time: tried again, as the file still asks for it)
        rc, out, err = vdp.ctl("reload")
        assert rc == 1, (rc, out, err)
        assert "  port vhost1: new settings: failed: port vhost1 or socket %s already " \
            "exists\n" % extra in err, err
        assert "  port vhost1: back with its old settings\n" in err, err
        assert ports(vdp) == ["extra", "vhost0", "vhost1"]
        assert vdp.telemetry("/vdp/vhost")["vhost1"]["socket"] == \
            os.path.join(sockdir, "b.sock")
        x = fwd(vdp)["xconnect"]
        assert (x["vhost0"], x["vhost1"]) == ("vhost1", "vhost0"), x
    # Put right in the file: nothing left to do.
    write(cfg, BASE + FWD, dir=sockdir)
    assert reload_ok(vdp).endswith("reload: 0 changes applied\n")


def test_sighup_reloads_and_notifies(sockdir, procs):
    s, path = notify_socket(sockdir)
    try:
        cfg, vdp, _, _ = start(sockdir, procs, env={"NOTIFY_SOCKET": path})
        assert message(s)["READY"] == "1"
        write(cfg, BASE + EXTRA + FWD, dir=sockdir)
        vdp.proc.send_signal(signal.SIGHUP)
        msg = message(s)
        assert msg["RELOADING"] == "1", msg
        msg = message(s)
        assert msg["READY"] == "1" and "reloaded, 0 of 1 changes failed" in msg["STATUS"], msg
        wait_for(lambda: "  port vhost2: added\n" in vdp.output(), 30, what="reload log")
        assert ports(vdp) == ["vhost0", "vhost1", "vhost2"]
    finally:
        s.close()


def test_reload_without_config(sockdir, procs):
    vdp = Vdp(["--vhost", os.path.join(sockdir, "a.sock")])
    procs.append(vdp)
    vdp.wait_started()
    rc, out, err = vdp.ctl("reload")
    assert rc == 1 and "reload: no --config file to reload" in err, (rc, out, err)
