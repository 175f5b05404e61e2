import socket
import threading
HOST = '127.0.0.1'
VARIANT = 50  # номер варианта из журнала
PORT = 5000 + VARIANT  # порт = 5000 + номер варианта
ENCODING = 'utf-8'

clients = []
lock = threading.Lock()


def broadcast(msg, sender):
    with lock:
        for c in clients:
            if c is not sender:
                try:
                    c.sendall(msg.encode(ENCODING))
                except OSError:
                    pass


def handle(conn, addr):
    name = conn.recv(1024).decode(ENCODING).strip()
    with lock:
        clients.append(conn)
    broadcast(f'{name} вошёл в чат\n', conn)
    buf = ''
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        buf += data.decode(ENCODING, errors='replace')
        while '\n' in buf:
            line, buf = buf.split('\n', 1)
            if line.strip():
                broadcast(f'{name}: {line.strip()}\n', conn)
    with lock:
        clients.remove(conn)
    conn.close()
    broadcast(f'{name} вышел из чата\n', conn)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f'Сервер: {HOST}:{PORT}')
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
