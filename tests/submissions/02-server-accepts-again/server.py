import os
import socket
import threading

HOST = "127.0.0.1"
PORT = int(os.environ.get("CHAT_PORT", 9090))

current = None


def receive(conn):
    buffer = b""
    while True:
        try:
            data = conn.recv(4096)
        except OSError:
            data = b""
        if not data:
            print("Собеседник вышел из чата.", flush=True)
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print("Собеседник:", line.decode("utf-8", "replace").rstrip("\r"), flush=True)


def accept_loop(server):
    # принимаем собеседников по очереди, чтобы сервер не падал после ухода клиента
    global current
    while True:
        conn, addr = server.accept()
        print("Подключился", addr, flush=True)
        current = conn
        receive(conn)
        conn.close()
        current = None
        print("Жду следующего собеседника...", flush=True)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(1)
print(f"Сервер слушает {HOST}:{PORT}", flush=True)
threading.Thread(target=accept_loop, args=(server,), daemon=True).start()

while True:
    try:
        line = input()
    except EOFError:
        break
    if line.strip() == "exit":
        break
    conn = current
    if conn is not None and line.strip():
        conn.sendall((line + "\n").encode("utf-8"))
conn = current
if conn is not None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()
print("Сервер остановлен", flush=True)
os._exit(0)  # поток accept_loop ещё работает: завершаем процесс сразу
