import socket
import threading

clients = []
names = {}
lock = threading.Lock()


def broadcast(msg, sender=None):
    with lock:
        targets = list(clients)
    for c in targets:
        if c != sender:
            try:
                c.sendall((msg + "\n").encode("utf-8"))
            except:
                pass


def client_thread(conn):
    name = names[conn]
    buf = b""
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace").strip()
                if text:
                    broadcast(f"{name}: {text}", conn)
    except:
        pass
    with lock:
        clients.remove(conn)
    broadcast(f"{name} покинул чат")
    conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9090))
s.listen(100)
print("Сервер запущен")
while True:
    conn, addr = s.accept()
    # сначала узнаём имя, потом запускаем поток
    name = conn.recv(1024).decode("utf-8").strip()
    names[conn] = name
    with lock:
        clients.append(conn)
    broadcast(f"{name} присоединился к чату", conn)
    threading.Thread(target=client_thread, args=(conn,), daemon=True).start()
