import socket
import threading

# спрашиваем адрес и порт при запуске (Enter - по умолчанию)
HOST = input('IP сервера [127.0.0.1]: ') or '127.0.0.1'
PORT = int(input('Порт [9090]: ') or 9090)

clients = []
lock = threading.Lock()


def broadcast(msg, sender=None):
    with lock:
        for c in clients:
            if c is not sender:
                try:
                    c.sendall(msg.encode())
                except OSError:
                    pass


def handle(conn):
    name = conn.recv(1024).decode().strip()
    with lock:
        clients.append(conn)
    broadcast(f'{name} присоединился\n', conn)
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        broadcast(f'{name}: {data.decode(errors="replace").strip()}\n', conn)
    with lock:
        clients.remove(conn)
    conn.close()
    broadcast(f'{name} вышел\n')


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen()
print('Сервер запущен на', HOST, PORT)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
