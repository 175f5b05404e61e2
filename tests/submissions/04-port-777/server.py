import socket
import threading

HOST = '127.0.0.1'
PORT = 777   # мой счастливый порт

clients = []
lock = threading.Lock()


def broadcast(text, sender):
    with lock:
        for c in clients:
            if c is not sender:
                try:
                    c.sendall(text.encode())
                except OSError:
                    pass


def handle(conn):
    name = conn.recv(1024).decode().strip()
    with lock:
        clients.append(conn)
    broadcast(f'{name} присоединился\n', conn)
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
        clients.remove(conn)
    conn.close()
    broadcast(f'{name} вышел\n', conn)


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('сервер на', PORT)
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
