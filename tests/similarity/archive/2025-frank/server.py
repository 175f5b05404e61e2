# Чат-сервер, задание 4 (2025)
import socket
import threading

HOST = "localhost"
PORT = 9090

users = {}
users_lock = threading.Lock()


def send_to_others(text, who):
    with users_lock:
        targets = [c for c in users if c is not who]
    for c in targets:
        try:
            c.sendall((text + "\n").encode("utf-8"))
        except OSError:
            pass


def client_thread(conn):
    buf = b""
    nick = None
    try:
        while True:
            part = conn.recv(1024)
            if not part:
                break
            buf += part
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                msg = raw.decode("utf-8", "replace").strip()
                if nick is None:
                    nick = msg
                    with users_lock:
                        users[conn] = nick
                    send_to_others(f"{nick} присоединился к чату.", conn)
                elif msg == "exit":
                    return
                elif msg:
                    send_to_others(f"{nick}: {msg}", conn)
    except ConnectionError:
        pass
    finally:
        with users_lock:
            users.pop(conn, None)
        if nick is not None:
            send_to_others(f"{nick} вышел из чата.", conn)
        conn.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen()
    print("Сервер запущен на порту", PORT)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=client_thread, args=(conn,), daemon=True).start()


main()
