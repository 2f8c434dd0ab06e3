# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""macswap, rxonly and txonly against a virtio-user peer."""

import os
import re

from vdptest import Peer, Vdp, settle, wait_for, wait_rx

PEER_MAC = "02:00:00:00:00:21"
DST_MAC = "02:00:00:00:00:99"


def one_port(sockdir, procs, args):
    sock = os.path.join(sockdir, "v.sock")
    vdp = Vdp(["--vhost", sock] + args)
    procs.append(vdp)
    vdp.wait_started()
    peer = Peer(sock, mac=PEER_MAC)
    procs.append(peer)
    wait_for(lambda: vdp.port("vhost0")["link_up"], 60, what="vhost0 up")
    return vdp, peer


def test_macswap_returns_swapped(sockdir, procs):
    vdp, peer = one_port(sockdir, procs, ["--fwd", "macswap"])
    peer.set_peer(DST_MAC)
    peer.cmd_out("set verbose 1")
    peer.send(2)
    assert wait_rx(peer, 64) == 64
    assert settle(peer) == 64
    # testpmd prints each received packet: src and dst must be swapped.
    peer.read(1.0)
    seen = re.findall(r"src=([0-9A-F:]{17}) - dst=([0-9A-F:]{17})", peer.transcript)
    assert len(seen) == 64, peer.transcript[-2000:]
    assert all(s == DST_MAC.upper() and d == PEER_MAC.upper() for s, d in seen)
    p = vdp.port("vhost0")
    assert (p["rx_packets"], p["tx_packets"]) == (64, 64)


def test_rxonly_sinks(sockdir, procs):
    vdp, peer = one_port(sockdir, procs, ["--fwd", "rxonly"])
    peer.rx_only()
    peer.send(3)
    wait_for(lambda: vdp.port("vhost0")["rx_packets"] >= 96, 60, what="vdp rx")
    p = vdp.port("vhost0")
    assert p["rx_packets"] == 96
    assert p["rx_drop_rxonly_sink"] == 96
    assert p["tx_packets"] == 0
    assert peer.stats()[0] == 0


def test_txonly_generates(sockdir, procs):
    vdp, peer = one_port(sockdir, procs, ["--fwd", "txonly", "--txpkts", "128",
                                          "--tx-flows", "4"])
    peer.rx_only()
    wait_rx(peer, 1000)
    peer.cmd_out("stop")
    out = peer.cmd_out("show port stats 0")
    rx = int(re.search(r"RX-packets:\s+(\d+)", out).group(1))
    rx_bytes = int(re.search(r"RX-bytes:\s+(\d+)", out).group(1))
    assert rx >= 1000
    assert rx_bytes == rx * 128
    # A worker counts a burst just after it has put it in the ring, so the
    # peer may have the burst before vdp's counter has it.
    wait_for(lambda: vdp.port("vhost0")["tx_packets"] >= rx, 30,
             what="vdp's tx counter at the %d packets the peer received" % rx)
