# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""The network-namespace end of the bulk TCP test; run inside the namespace.

    nsxfer.py LISTEN_IP GUEST_IP BYTES OUT.json

Receives exactly BYTES on LISTEN_IP:5001 (the guest sends them) and hashes
them; then connects to GUEST_IP:5002 (retrying while the guest is not yet
listening) and sends BYTES random bytes. Writes both SHA-256 digests to
OUT.json. Every wait is bounded.
"""

import hashlib
import json
import os
import socket
import sys
import time

TIMEOUT = 150


def receive(ip, nbytes):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, 5001))
    srv.listen(1)
    srv.settimeout(TIMEOUT)
    conn, _ = srv.accept()
    conn.settimeout(60)
    h, got = hashlib.sha256(), 0
    while got < nbytes:
        data = conn.recv(min(65536, nbytes - got))
        if not data:
            break
        h.update(data)
        got += len(data)
    conn.close()
    srv.close()
    return got, h.hexdigest()


def send(ip, nbytes):
    data = os.urandom(nbytes)
    deadline = time.time() + TIMEOUT
    while True:
        try:
            c = socket.create_connection((ip, 5002), timeout=5)
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)
    c.settimeout(60)
    c.sendall(data)
    c.close()
    return hashlib.sha256(data).hexdigest()


def main():
    ip, guest, nbytes, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    got, rx_sha = receive(ip, nbytes)
    tx_sha = send(guest, nbytes)
    with open(out, "w") as f:
        json.dump({"rx_bytes": got, "rx_sha256": rx_sha, "tx_sha256": tx_sha}, f)


if __name__ == "__main__":
    main()
