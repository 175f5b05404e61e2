# чат на двоих - сервер
# формат сообщения: "кто&текст"
import socket
import threading
import os

HOST = '127.0.0.1'
PORT = 9090


def recv_loop(conn):
    buf = b''
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            data = b''
        if not data:
            print('Клиент отключился', flush=True)
            os._exit(0)
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            print('Клиент:', line.decode('utf-8', errors='replace').rstrip('\r'), flush=True)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(1)
print('Жду клиента на порту', PORT, flush=True)
conn, addr = srv.accept()
srv.close()
print('Подключился', addr, flush=True)
threading.Thread(target=recv_loop, args=(conn,), daemon=True).start()

while True:
    try:
        text = input()
    except EOFError:
        break
    if text == 'exit':
        break
    try:
        conn.sendall(('Сервер&' + text + '\n').encode())
    except OSError:
        break
try:
    conn.shutdown(socket.SHUT_RDWR)
except OSError:
    pass
conn.close()
print('Пока!', flush=True)
