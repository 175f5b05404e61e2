import os
import socket
import threading

s = socket.socket()
s.connect(("127.0.0.1", 9090))
print("Соединение установлено")
bye = False


def listen():
    buf = b""
    while True:
        try:
            chunk = s.recv(1024)
        except OSError:
            chunk = b""
        if not chunk:
            if not bye:
                print("Сервер отключился")
                os._exit(0)
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            print("Сервер:", line.decode("utf-8", "replace"), flush=True)


threading.Thread(target=listen, daemon=True).start()
try:
    while True:
        text = input()
        if text == "exit":
            break
        s.sendall(text.encode() + b"\n")
except (EOFError, KeyboardInterrupt):
    pass
bye = True
s.shutdown(socket.SHUT_RDWR)
s.close()
