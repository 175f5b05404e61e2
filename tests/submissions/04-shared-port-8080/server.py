import socket
import threading

clients = []
lock = threading.Lock()


def broadcast(text, sender):
    with lock:
        others = [c for c in clients if c is not sender]
    for c in others:
        try:
            c.sendall(text.encode())
        except OSError:
            pass


def handle(conn):
    # клиент шлёт имя без перевода строки, одним send
    name = conn.recv(1024).decode().strip()
    with lock:
        clients.append(conn)
    broadcast(f"{name} в чате", conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        broadcast(f"{name}: {data.decode(errors='replace').strip()}", conn)
    with lock:
        clients.remove(conn)
    broadcast(f"{name} вышел", conn)
    conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen()
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
