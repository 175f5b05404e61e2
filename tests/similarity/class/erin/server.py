# Задание 4: многопользовательский чат (Эрин)
import socket
import threading

HOST = "localhost"
PORT = 9090

clients = {}
lock = threading.Lock()


def broadcast(text, who):
    with lock:
        targets = [c for c in clients if c is not who]
    for c in targets:
        try:
            c.sendall((text + "\n").encode("utf-8"))
        except OSError:
            pass


def handle(conn):
    buffer = b""
    name = None
    try:
        while True:
            chunk = conn.recv(1024)
            if not chunk:
                break
            buffer += chunk
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                msg = raw.decode("utf-8", "replace").strip()
                if name is None:
                    name = msg
                    with lock:
                        clients[conn] = name
                    broadcast(f"{name} присоединился к чату.", conn)
                elif msg == "exit":
                    return
                elif msg:
                    broadcast(f"{name}: {msg}", conn)
    except ConnectionError:
        pass
    finally:
        with lock:
            clients.pop(conn, None)
        if name is not None:
            broadcast(f"{name} вышел из чата.", conn)
        conn.close()


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    print("Сервер запущен на порту", PORT)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


main()
