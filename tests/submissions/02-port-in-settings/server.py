import socket
import threading
import os
import settings


def receive(conn):
    buffer = b""
    while True:
        try:
            data = conn.recv(settings.BUFFER)
        except OSError:
            data = b""
        if not data:
            print("Собеседник отключился", flush=True)
            os._exit(0)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print("Собеседник:", line.decode("utf-8", "replace").rstrip("\r"), flush=True)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((settings.SERVER_IP, settings.SERVER_PORT))
server.listen(1)
print("Ждём собеседника...", flush=True)
conn, addr = server.accept()
server.close()
print("Собеседник подключился:", addr, flush=True)
threading.Thread(target=receive, args=(conn,), daemon=True).start()
while True:
    try:
        text = input()
    except EOFError:
        break
    if text == "exit":
        break
    try:
        conn.sendall((text + "\n").encode())
    except OSError:
        break
try:
    conn.shutdown(socket.SHUT_RDWR)
except OSError:
    pass
conn.close()
print("Чат завершён", flush=True)
