import socket
import threading
import os

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
print('Подключились к серверу (exit - выход)', flush=True)


def listen_server():
    buf = b''
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            data = b''
        if not data:
            print('Сервер вышел из чата', flush=True)
            os._exit(0)
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            print('Сервер:', line.decode('utf-8', errors='replace').rstrip('\r'), flush=True)


threading.Thread(target=listen_server, daemon=True).start()
while True:
    try:
        msg = input()
    except EOFError:
        break
    if msg == 'exit':
        break
    sock.sendall((msg + '\n').encode())
try:
    sock.shutdown(socket.SHUT_RDWR)
except OSError:
    pass
sock.close()
print('Вы вышли', flush=True)
