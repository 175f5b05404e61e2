"""Hostile: prints its whole environment to stdout and stderr, then serves correctly."""

import os
import queue
import socket
import sys
import threading

PORT = (
    int(sys.argv[sys.argv.index("--port") + 1])
    if "--port" in sys.argv
    else int(os.environ.get("CHAT_PORT", "9090"))
)

clients = {}  # socket -> outgoing queue
lock = threading.Lock()


def writer(conn, outbox):
    while True:
        data = outbox.get()
        if data is None:
            return
        try:
            conn.sendall(data)
        except OSError:
            return


def broadcast(text, skip):
    data = (text + "\n").encode("utf-8")
    with lock:
        targets = [(c, q) for c, q in clients.items() if c is not skip]
    for conn, outbox in targets:
        try:
            outbox.put(data, timeout=1)
        except queue.Full:  # this one stopped reading: drop it, not the others
            with lock:
                clients.pop(conn, None)
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(conn):
    outbox = queue.Queue(256)
    threading.Thread(target=writer, args=(conn, outbox), daemon=True).start()
    name, buffer = None, b""
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            buffer += data
            lines = buffer.split(b"\n")
            buffer = lines.pop()
            if len(buffer) > 70000:
                buffer = b""
            for line in lines:
                text = line.decode("utf-8", errors="replace").strip()
                if not text:
                    continue
                if name is None:
                    name = text[:32]
                    with lock:
                        clients[conn] = outbox
                    broadcast(f"{name} присоединился к чату", conn)
                elif text == "exit":
                    raise ConnectionAbortedError
                else:
                    broadcast(f"{name}: {text}", conn)
    except OSError:
        pass
    finally:
        with lock:
            joined = clients.pop(conn, None) is not None
        if joined:
            broadcast(f"{name} вышел из чата", conn)
        try:
            outbox.put_nowait(None)
        except queue.Full:
            pass
        conn.close()


def serve():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def show_environment():
    for key, value in sorted(os.environ.items()):
        print(f"{key}={value}", flush=True)
        print(f"{key}={value}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    show_environment()
    serve()
