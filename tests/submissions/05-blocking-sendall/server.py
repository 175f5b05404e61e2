"""Чат: поток на клиента. Рассылка копирует список под замком и шлёт уже без него."""

import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

clients = {}  # conn -> имя
lock = threading.Lock()


def broadcast(text, sender=None):
    data = (text + "\n").encode("utf-8")
    with lock:
        receivers = [c for c in clients if c is not sender]
    for conn in receivers:  # без замка: замок не держим, пока отправляем
        try:
            conn.sendall(data)
        except OSError:
            pass


def handle(conn):
    name = None
    buf = b""
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace").strip()
                if name is None:
                    name = text
                    with lock:
                        clients[conn] = name
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
