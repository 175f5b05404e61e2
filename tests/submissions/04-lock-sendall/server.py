import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

clients = []  # сокеты всех, кто уже назвал имя
lock = threading.Lock()


def broadcast(text, sender=None):
    data = (text + "\n").encode("utf-8")
    with lock:
        for conn in clients:
            if conn is not sender:
                try:
                    conn.sendall(data)
                except OSError:
                    pass


def handle(conn):
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
                        clients.append(conn)
                    broadcast(f"{name} присоединился к чату", conn)
                elif text == "exit":
                    return
                elif text:
                    broadcast(f"{name}: {text}", conn)
    except OSError:
        pass
    finally:
        with lock:
            if conn in clients:
                clients.remove(conn)
        if name is not None:
            broadcast(f"{name} вышел из чата")
        conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f"Сервер запущен на {HOST}:{PORT}")

while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
