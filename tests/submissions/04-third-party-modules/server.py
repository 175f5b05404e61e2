import socket
import threading
from loguru import logger

HOST = '127.0.0.1'
PORT = 9090

clients = {}
lock = threading.Lock()


def broadcast(msg, skip=None):
    with lock:
        conns = [c for c in clients if c is not skip]
    for c in conns:
        try:
            c.sendall(msg.encode())
        except OSError:
            pass


def handle(conn, addr):
    name = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = name
    logger.info(f'{name} connected from {addr}')
    broadcast(f'{name} присоединился к чату\n', conn)
    buf = ''
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        buf += data.decode(errors='replace')
        while '\n' in buf:
            line, buf = buf.split('\n', 1)
            if line.strip():
                broadcast(f'{name}: {line.strip()}\n', conn)
    with lock:
        clients.pop(conn, None)
    conn.close()
    logger.info(f'{name} disconnected')
    broadcast(f'{name} вышел из чата\n')


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
logger.success(f'server started on {HOST}:{PORT}')
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
