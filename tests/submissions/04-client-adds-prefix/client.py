import socket
import threading
from datetime import datetime

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket()
sock.connect((HOST, PORT))
name = input('Имя: ')
sock.sendall((name + '\n').encode())


def read_loop():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode(errors='replace'), end='', flush=True)


threading.Thread(target=read_loop, daemon=True).start()
while True:
    text = input()
    if text == 'exit':
        break
    # подписываем сообщение своим именем и временем
    sock.sendall(f'[{datetime.now():%H:%M}] {name}: {text}\n'.encode())
sock.close()
