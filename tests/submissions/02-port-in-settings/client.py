import socket
import threading
import os
import settings


def receive(sock):
    buffer = b""
    while True:
        try:
            data = sock.recv(settings.BUFFER)
        except OSError:
            data = b""
        if not data:
            print("Сервер отключился", flush=True)
            os._exit(0)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print("Сервер:", line.decode("utf-8", "replace").rstrip("\r"), flush=True)


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((settings.SERVER_IP, settings.SERVER_PORT))
print("Подключились. exit - выход", flush=True)
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    try:
        text = input()
    except EOFError:
        break
    if text == "exit":
        break
    sock.sendall((text + "\n").encode())
try:
    sock.shutdown(socket.SHUT_RDWR)
except OSError:
    pass
sock.close()
print("Вы вышли", flush=True)
