import socket
import threading

HOST = 'localhost'
PORT = 9090

clients = {}
lock = threading.Lock()


def broadcast(msg, sender=None):
    with lock:
        conns = list(clients)
    for c in conns:
        if c != sender:
            try:
                c.sendall(msg.encode())
            except OSError:
                pass


def handle(conn):
    conn.sendall('регистрация\n'.encode())        # просим ник
    name = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = name
    conn.sendall(f'Привет, {name}! Пиши сообщения, exit - выход\n'.encode())
    broadcast(f'>>> {name} в чате\n', conn)
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
            line = line.strip()
            if line:
                broadcast(f'{name}: {line}\n', conn)
    with lock:
        del clients[conn]
    conn.close()
    broadcast(f'<<< {name} вышел\n')


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen()
print('сервер запущен на порту', PORT)
while True:
    conn, addr = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
