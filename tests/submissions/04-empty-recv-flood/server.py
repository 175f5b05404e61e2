import socket
import threading

clients = {}  # сокет -> имя
lock = threading.Lock()


def send_all(text, sender):
    with lock:
        others = [c for c in clients if c is not sender]
    for c in others:
        try:
            c.sendall((text + "\n").encode())
        except OSError:
            pass


def handle(conn):
    name = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = name
    send_all(f"{name} вошёл в чат", conn)
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            break
        # если клиент ушёл, recv вернёт пустые байты... но мы это не проверяем
        text = data.decode().strip()
        if text == "exit":
            continue
        send_all(f"{name}: {text}", conn)
    with lock:
        del clients[conn]
    send_all(f"{name} вышел", conn)


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen(100)
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
