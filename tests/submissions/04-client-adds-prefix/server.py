import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = []
lock = threading.Lock()


def broadcast(data, sender=None):
    with lock:
        others = [c for c in clients if c is not sender]
    for c in others:
        try:
            c.sendall(data)
        except OSError:
            pass


def handle(conn):
    f = conn.makefile('rb')
    name = f.readline().decode(errors='replace').strip()
    with lock:
        clients.append(conn)
    broadcast(f'{name} присоединился к чату\n'.encode(), conn)
    try:
        for raw in f:
            text = raw.decode(errors='replace').strip()
            if text:
                broadcast(f'{name}: {text}\n'.encode(), conn)
    except OSError:
        pass
    with lock:
        clients.remove(conn)
    conn.close()
    broadcast(f'{name} покинул чат\n'.encode())


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(64)
print('Сервер слушает', PORT)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
