"""Baseline: a naive chat server in the style of the original assignment.

What a typical first solution does, kept on purpose so the benchmarks can compare:

* one `recv` is taken to be one message (no buffering, no framing);
* the nickname is the first `recv`, stripped (so it speaks the course protocol);
* broadcast = `sendall` to every other client, one after another, from the sender's own
  thread (the list is copied under the lock, the sending happens outside it).

It is fast while everybody reads: a line goes straight from the sender's thread into
every socket. But `sendall` to a client that stopped reading blocks once that client's
buffers are full, and with it the sender's thread: the sender is no longer read, and
everyone stops receiving its messages. Not a reference: see solutions/04/server.py.

    python naive_server.py [--port N]     (or CHAT_PORT; default 9090)
"""

import argparse
import os
import signal
import socket
import sys
import threading

HOST = "127.0.0.1"
RECV_SIZE = 65536  # one recv = one message (the naive assumption)

clients = {}  # socket -> nickname
clients_lock = threading.Lock()


def broadcast(data, sender=None):
    with clients_lock:
        receivers = [conn for conn in clients if conn is not sender]
    for conn in receivers:
        try:
            conn.sendall(data)  # blocks while this receiver's buffers are full
        except OSError:
            pass


def handle_client(conn):
    name = None
    try:
        first = conn.recv(RECV_SIZE)
        if not first:
            return
        name = first.decode("utf-8", errors="replace").strip()
        with clients_lock:
            clients[conn] = name
        broadcast(f"{name} присоединился к чату.\n".encode(), conn)
        while True:
            data = conn.recv(RECV_SIZE)
            if not data:
                break
            broadcast(f"{name}: ".encode() + data, conn)
    except OSError:
        pass
    finally:
        with clients_lock:
            clients.pop(conn, None)
        if name is not None:
            broadcast(f"{name} вышел из чата.\n".encode())
        conn.close()


def main():
    parser = argparse.ArgumentParser(description="naive chat server (benchmark baseline)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CHAT_PORT", 9090)))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    server.listen(socket.SOMAXCONN)
    print(f"naive chat server on {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle_client, args=(conn,), daemon=True).start()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


if __name__ == "__main__":
    main()
