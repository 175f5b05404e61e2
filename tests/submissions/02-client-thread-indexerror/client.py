# чат на двоих - клиент
import socket
import threading
import os

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
print('Подключено. exit - выход', flush=True)


def receiving():
    while True:
        data = sock.recv(1024)
        if not data:
            print('Сервер отключился', flush=True)
            os._exit(0)
        for msg in data.decode().splitlines():
            parts = msg.split('&')
            print(parts[0] + ' > ' + parts[1], flush=True)


threading.Thread(target=receiving, daemon=True).start()

while True:
    try:
        line = input()
    except EOFError:
        break
    if line == 'exit':
        break
    sock.sendall((line + '\n').encode())
sock.close()
