import socket
import threading
import sys

# протокол: каждое сообщение начинается с байта 0x01, 0x02 = собеседник ушёл
MSG = b'\x01'
BYE = b'\x02'


def reader(conn):
    while True:
        try:
            data = conn.recv(4096)
        except:
            data = b''
        if not data or data.startswith(BYE):
            print('[собеседник вышел]', flush=True)
            conn.close()
            import os
            os._exit(0)
        for piece in data.split(b'\n'):
            piece = piece.lstrip(MSG)
            if piece:
                print('>>', piece.decode('utf-8', 'replace'), flush=True)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('localhost', 9090))
s.listen(1)
print('сервер: жду подключения', flush=True)
conn, addr = s.accept()
s.close()
print('подключился', addr, flush=True)
threading.Thread(target=reader, args=(conn,), daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        line = 'exit'
    if line == 'exit':
        try:
            conn.sendall(BYE)
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()
        sys.exit(0)
    try:
        conn.sendall(MSG + line.encode() + b'\n')
    except OSError:
        sys.exit(0)
