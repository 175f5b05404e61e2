import socket
import threading
import os

MSG = 1      # первый байт сообщения
BYE = 2

c = socket.socket()
c.connect(('localhost', 9090))
print('вы в чате', flush=True)


def reader():
    while True:
        try:
            data = c.recv(4096)
        except:
            break
        if not data or data[0] == BYE:
            print('[собеседник вышел]', flush=True)
            os._exit(0)
        if data[0] != MSG:
            break   # не наше сообщение - больше не слушаем
        for piece in data[1:].split(b'\n'):
            piece = piece.lstrip(b'\x01')
            if piece:
                print('>>', piece.decode('utf-8', 'replace'), flush=True)


threading.Thread(target=reader, daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        line = 'exit'
    if line == 'exit':
        try:
            c.sendall(bytes([BYE]))
        except OSError:
            pass
        c.close()
        break
    c.sendall(bytes([MSG]) + line.encode() + b'\n')
