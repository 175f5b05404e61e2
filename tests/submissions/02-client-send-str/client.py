import os
import socket
import threading

sock = socket.socket()
sock.connect(("localhost", 9090))
print("Подключено. Пишите, exit - выход")


def get_messages():
    buffer = b""
    while True:
        data = sock.recv(4096)
        if not data:
            print("Сервер отключился")
            os._exit(0)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print("Сервер:", line.decode("utf-8", "replace"))


threading.Thread(target=get_messages, daemon=True).start()

while True:
    msg = input()
    if msg == "exit":
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        break
    sock.send(msg + "\n")
