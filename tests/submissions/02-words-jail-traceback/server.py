import socket
import threading
import os

HOST = '127.0.0.1'
PORT = 9090


def listen_client(conn):
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            data = b''
        if not data:
            print('Клиент вышел из чата', flush=True)
            os._exit(0)
        print('Клиент:', data.decode('utf-8', errors='replace').strip(), flush=True)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(1)
print('Сервер ждёт клиента...', flush=True)
conn, addr = server.accept()
server.close()
print('Клиент подключился', addr, flush=True)
threading.Thread(target=listen_client, args=(conn,), daemon=True).start()

while True:
    try:
        msg = input()
    except EOFError:
        break
    if msg == 'exit':
        break
    try:
        conn.sendall((msg + '\n').encode())
    except OSError:
        break
try:
    conn.shutdown(socket.SHUT_RDWR)
except OSError:
    pass
conn.close()
print('Сервер завершил работу', flush=True)
