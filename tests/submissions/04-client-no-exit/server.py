import queue
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

clients = {}  # conn -> очередь исходящих сообщений
lock = threading.Lock()

def writer(conn, q):  # свой поток отправки у каждого клиента
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
        targets = [(c, q) for c, q in clients.items() if c is not sender]
    for conn, q in targets:
        try:
            q.put(data, timeout=1)
        except queue.Full:  # клиент не читает - отключаем его
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

def handle(conn):
    q = queue.Queue(maxsize=100)
    threading.Thread(target=writer, args=(conn, q), daemon=True).start()
    name = None
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
                if name is None:
                    name = text
                    with lock:
                        clients[conn] = q
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
        try:
            q.put_nowait(None)
        except queue.Full:
            pass
        conn.close()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f"Сервер запущен на {HOST}:{PORT}")

while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
