# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""ethdev ports (net_ring, net_null, net_tap, net_af_packet) cross-connected
with a vhost-user port. The kernel ends of tap and veth sit in a network
namespace the test creates and removes."""

import os
import re
import subprocess

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

NS_IP, PEER_IP = "198.18.0.1", "198.18.0.2"
PEER_MAC = "02:00:00:00:00:77"


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def ns(name, *cmd, check=True):
    return sh("ip", "netns", "exec", name, *cmd, check=check)


def ping(name, count):
    """Send echo requests from the namespace; the guest does not answer."""
    ns(name, "ping", "-c", str(count), "-i", "0.2", "-W", "1", PEER_IP, check=False)


def ns_rx_packets(name, ifname):
    out = ns(name, "ip", "-s", "link", "show", ifname).stdout
    return int(re.search(r"RX:.*\n\s*(\d+)\s+(\d+)", out).group(2))


def setup_ns_iface(name, ifname):
    """Address the interface, with a static neighbour so that no ARP or
    IPv6 chatter adds to the counts."""
    ns(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    ns(name, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % ifname)
    ns(name, "ip", "link", "set", ifname, "up")
    ns(name, "ip", "addr", "add", NS_IP + "/24", "dev", ifname)
    ns(name, "ip", "neigh", "replace", PEER_IP, "lladdr", PEER_MAC, "dev", ifname,
       "nud", "permanent")


def start(sockdir, procs, vdev, name):
    sock = os.path.join(sockdir, "v.sock")
    vdp = Vdp(["--vhost", sock], eal=["--vdev", vdev])
    procs.append(vdp)
    vdp.wait_started()
    assert vdp.port(name)["type"] == "ethdev"
    peer = Peer(sock, mac=PEER_MAC)
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up")
    peer.rx_only()
    return vdp, peer


def test_ring_loopback(sockdir, procs):
    # net_ring's port sends into its own rx ring: everything comes back.
    vdp, peer = start(sockdir, procs, "net_ring0", "net_ring0")
    peer.send(3)
    assert wait_rx(peer, 96) == 96
    assert settle(peer) == 96
    r = vdp.port("net_ring0")
    assert (r["tx_packets"], r["rx_packets"]) == (96, 96)


def test_null_sink(sockdir, procs):
    vdp, peer = start(sockdir, procs, "net_null0,no-rx=1", "net_null0")
    peer.send(4)
    wait_for(lambda: vdp.port("net_null0")["tx_packets"] >= 128, 60, what="null tx")
    settle(peer)
    assert vdp.port("net_null0")["tx_packets"] == 128
    assert vdp.port("vhost0")["rx_packets"] == 128


def test_tap_to_netns(sockdir, procs, netns):
    ifname = "vdpt" + netns[-6:]
    vdp, peer = start(sockdir, procs, "net_tap0,iface=%s" % ifname, "net_tap0")
    sh("ip", "link", "set", ifname, "netns", netns)
    setup_ns_iface(netns, ifname)

    # The tap was up in the root namespace first, where the kernel may
    # have sent IPv6 chatter through it: count from here.
    base = settle(peer, 5)
    # Kernel -> tap -> vdp -> guest: five echo requests, nothing else.
    ping(netns, 5)
    assert wait_rx(peer, base + 5) == base + 5
    assert settle(peer) == base + 5

    # Guest -> vdp -> tap -> kernel: 64 frames counted by the kernel.
    before = ns_rx_packets(netns, ifname)
    peer.send(2)
    wait_for(lambda: ns_rx_packets(netns, ifname) >= before + 64, 30, what="tap rx")
    assert ns_rx_packets(netns, ifname) == before + 64
    assert vdp.port("net_tap0")["tx_packets"] == 64


def test_af_packet_veth(sockdir, procs, netns):
    a, b = "vdpa" + netns[-6:], "vdpb" + netns[-6:]
    sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
    try:
        sh("ip", "link", "set", b, "netns", netns)
        sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % a)
        sh("ip", "link", "set", a, "up")
        setup_ns_iface(netns, b)
        vdp, peer = start(sockdir, procs, "net_af_packet0,iface=%s" % a, "net_af_packet0")

        base = settle(peer, 5)
        ping(netns, 4)
        assert wait_rx(peer, base + 4) == base + 4
        assert settle(peer) == base + 4

        before = ns_rx_packets(netns, b)
        peer.send(1)
        wait_for(lambda: ns_rx_packets(netns, b) >= before + 32, 30, what="veth rx")
        assert ns_rx_packets(netns, b) == before + 32
    finally:
        sh("ip", "link", "del", a, check=False)
