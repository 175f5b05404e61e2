import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

clients = []
lock = threading.Lock()


def broadcast(data, sender):
    with lock:
        for c in clients:
            if c != sender:
                try:
                    c.sendall(data)
                except:
                    pass


def handle(conn, addr):
    nick = conn.recv(1024).decode().strip()
    with lock:
        clients.append(conn)
    broadcast(f"{nick} вошёл в чат\n".encode(), conn)
    rest = b""
    while True:
        try:
            data = conn.recv(1024)
        except:
            break
        if not data:
            break
        rest += data
        while b"\n" in rest:
            line, rest = rest.split(b"\n", 1)
            text = line.decode(errors="replace").strip()
            if not text:
                continue
            # "ник текст" -> "ник: текст"
            msg = f"{nick} {text}".replace(" ", ": ")
            broadcast((msg + "\n").encode(), conn)
    with lock:
        clients.remove(conn)
    conn.close()
    broadcast(f"{nick} вышел\n".encode(), conn)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(100)
print("[сервер запущен]")
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
