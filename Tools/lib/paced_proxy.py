#!/usr/bin/env python3
"""A TCP proxy that paces each direction of each connection to RATE bytes per second, in
256-byte pieces, with 4 KB socket buffers on its listening side: a weak field link (or a
cellular one's buffers) in front of a node. It never cuts an idle connection, and a
stopped client's bytes already in the kernel's buffers keep flowing, as on a real link.

Usage: paced_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT RATE LOG
The log names each connection and each HTTP request or status line that passes."""
import socket, sys, threading, time

lport, thost, tport, rate, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
PIECE = 256
PERIOD = PIECE / rate
out = open(log, "a")
lock = threading.Lock()


def note(*parts):
    with lock:
        out.write("%.2f %s\n" % (time.time(), " ".join(map(str, parts))))
        out.flush()


def pump(src, dst, name):
    moved = 0
    try:
        while True:
            data = src.recv(PIECE)
            if not data:
                break
            time.sleep(PERIOD)
            dst.sendall(data)
            moved += len(data)
            for line in data.split(b"\r\n"):
                if b"HTTP/1.1" in line:
                    note(name, moved, line[:100])
    except Exception as error:
        note(name, "error", error)
    note(name, "end", moved)
    try:
        dst.shutdown(socket.SHUT_WR)
    except Exception:
        pass


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
server.bind(("127.0.0.1", lport))
server.listen(64)
count = 0
while True:
    client, _ = server.accept()
    count += 1
    target = socket.create_connection((thost, tport))
    note("conn", count)
    threading.Thread(target=pump, args=(client, target, "up%d" % count), daemon=True).start()
    threading.Thread(target=pump, args=(target, client, "down%d" % count), daemon=True).start()
