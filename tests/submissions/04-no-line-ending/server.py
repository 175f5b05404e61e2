import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = {}
lock = threading.Lock()


def broadcast(text, sender=None):
    with lock:
        targets = [c for c in clients if c is not sender]
    for c in targets:
        try:
            c.sendall(text.encode('utf-8'))
        except OSError:
            pass


def handle(conn):
    reader = conn.makefile('r', encoding='utf-8', errors='replace')
    name = reader.readline().strip()
    with lock:
        clients[conn] = name
    broadcast(f'{name} joined the chat', conn)
    try:
        for line in reader:
            text = line.strip()
            if text:
                broadcast(f'{name}: {text}', conn)
    except OSError:
        pass
    with lock:
        clients.pop(conn, None)
    conn.close()
    broadcast(f'{name} left the chat')


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f'listening on {HOST}:{PORT}')
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
