#!/usr/bin/env python3
"""A deliberately broken TFTP server for the "server stops mid-transfer" test.

Serves FILE to every RRQ in RFC 1350 lock-step (no options, each transfer from
its own port in a thread), sends blocks 1..STOP_AFTER, then goes silent: later
ACKs are read and ignored. Exits after --linger seconds or when killed. Listens
only on the address given (a lab namespace address).
"""
import argparse
import socket
import struct
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--addr", required=True)
ap.add_argument("--file", required=True)
ap.add_argument("--stop-after", type=int, default=3)
ap.add_argument("--linger", type=float, default=120)
a = ap.parse_args()

data = open(a.file, "rb").read()
listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listen.bind((a.addr, 69))
print("listening", flush=True)
def serve(client, end):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.addr, 0))
    s.settimeout(1.0)
    block, tries = 1, 0
    while block <= a.stop_after and tries < 5 and time.time() < end:
        chunk = data[(block - 1) * 512: block * 512]
        s.sendto(struct.pack("!HH", 3, block) + chunk, client)
        try:
            pkt, _ = s.recvfrom(2048)
        except socket.timeout:
            tries += 1
            continue
        op = struct.unpack("!H", pkt[:2])[0]
        if op == 5:  # the client gave up on this transfer (e.g. a size query)
            return
        if op == 4 and struct.unpack("!H", pkt[2:4])[0] == block:
            block, tries = block + 1, 0
    # Silent from here on: read and drop whatever the client sends.
    while time.time() < end:
        try:
            s.recvfrom(2048)
        except socket.timeout:
            pass


end = time.time() + a.linger
listen.settimeout(1.0)
while time.time() < end:
    try:
        req, client = listen.recvfrom(2048)
    except socket.timeout:
        continue
    if struct.unpack("!H", req[:2])[0] == 1:
        threading.Thread(target=serve, args=(client, end), daemon=True).start()
