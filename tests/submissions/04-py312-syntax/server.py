import socket
import threading

type Address = tuple[str, int]

HOST = "127.0.0.1"
PORT = 9090
clients = []
lock = threading.Lock()


def broadcast(message, sender):
    # под замком, чтобы никто не удалил клиента, пока мы рассылаем
    with lock:
        for client in clients:
            if client is not sender:
                try:
                    client.sendall(message.encode())
                except:
                    pass


def handle(conn):
    buffer = b""
    name = None
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode(errors="replace").strip()
                if name is None:
                    name = text
                    with lock:
                        clients.append(conn)
                    broadcast(f"{name} зашёл в чат\n", conn)
                elif text:
                    broadcast(f"{name}: {text}\n", conn)
    except OSError:
        pass
    with lock:
        if conn in clients:
            clients.remove(conn)
    if name:
        broadcast(f"{name} вышел\n", conn)
    conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(100)
while True:
    c, a = server.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
