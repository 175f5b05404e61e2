"""Чат: у каждого клиента своя очередь и свой поток-писатель, рассылка не ждёт.

Очередь без ограничения: ведь put() в неё никогда не блокируется.
"""

import queue
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

clients = {}  # conn -> (имя, очередь)
lock = threading.Lock()


def writer(conn, q):
    while True:
        data = q.get()
        if data is None:
            break
        try:
            conn.sendall(data)
        except OSError:
            break


def broadcast(text, sender=None):
    data = (text + "\n").encode("utf-8")
    with lock:
        receivers = [q for c, (n, q) in clients.items() if c is not sender]
    for q in receivers:
        q.put(data)


def handle(conn):
    name = None
    q = queue.Queue()
    threading.Thread(target=writer, args=(conn, q), daemon=True).start()
    buf = b""
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace").strip()
                if name is None:
                    name = text
                    with lock:
                        clients[conn] = (name, q)
                    broadcast(f"{name} присоединился к чату", conn)
                elif text == "exit":
                    return
                elif text:
                    broadcast(f"{name}: {text}", conn)
    except OSError:
        pass
    finally:
        with lock:
            clients.pop(conn, None)
        q.put(None)
        if name is not None:
            broadcast(f"{name} вышел из чата")
        conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(128)
print(f"Сервер запущен на {HOST}:{PORT}")

while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
