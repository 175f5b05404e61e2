import socket
import threading

HOST = "127.0.0.1"
PORT = 9090
clients = []
nicks = {}
lock = threading.Lock()


def broadcast(text, sender=None):
    with lock:
        targets = [c for c in clients if c is not sender]
    for c in targets:
        try:
            c.sendall(text.encode())
        except OSError:
            pass


def handle(conn):
    f = conn.makefile("r", encoding="utf-8", errors="replace")
    nick = f.readline().strip()
    if not nick:
        conn.close()
        return
    with lock:
        clients.append(conn)
        nicks[conn] = nick
    broadcast(f"{nick} зашёл в чат\n", conn)
    try:
        for line in f:
            line = line.strip()
            if line == "exit":
                break
            if line:
                broadcast(f"{nick}: {line}\n", conn)
    except OSError:
        pass
    with lock:
        clients.remove(conn)
        del nicks[conn]
    conn.close()
    broadcast(f"{nick} вышел из чата\n")


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print("слушаю", PORT)
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
