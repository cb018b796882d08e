#!/usr/bin/env python3
"""A deliberately broken TFTP server for the "server stops mid-transfer" test.

Serves FILE to the first RRQ in RFC 1350 lock-step (no options), sends blocks
1..STOP_AFTER, then goes silent: later ACKs are read and ignored. Exits after
--linger seconds of silence or when killed. Listens only on the address given
(a lab namespace address).
"""
import argparse
import socket
import struct
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
req, client = listen.recvfrom(2048)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a.addr, 0))
s.settimeout(1.0)
block = 1
while block <= a.stop_after:
    chunk = data[(block - 1) * 512: block * 512]
    s.sendto(struct.pack("!HH", 3, block) + chunk, client)
    try:
        pkt, _ = s.recvfrom(2048)
    except socket.timeout:
        continue
    if struct.unpack("!HH", pkt[:4]) == (4, block):
        block += 1
# Silent from here on: read and drop whatever the client sends.
end = time.time() + a.linger
while time.time() < end:
    try:
        s.recvfrom(2048)
    except socket.timeout:
        pass
