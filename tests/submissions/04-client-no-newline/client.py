import socket
import sys
import threading

sock = socket.socket()
sock.connect(("127.0.0.1", 9090))
name = input("Введите имя: ")
sock.send(name.encode())  # без перевода строки


def receive():
    while True:
        try:
            msg = sock.recv(1024).decode()
        except:
            break
        if not msg:
            break
        sys.stdout.write(msg)  # без перевода строки
        sys.stdout.flush()


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    if text == "exit":
        break
    sock.send(text.encode())
sock.close()
