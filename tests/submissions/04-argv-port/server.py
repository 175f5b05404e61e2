import socket
import threading
import sys

# запуск: python server.py 9090
PORT = int(sys.argv[1])

clients = []
lock = threading.Lock()


def broadcast(msg, sender):
    with lock:
        for c in clients:
            if c is not sender:
                try:
                    c.send(msg)
                except:
                    pass


def client_thread(conn):
    name = conn.recv(1024).decode().strip()
    with lock:
        clients.append(conn)
    broadcast(f'{name} подключился\n'.encode(), conn)
    while True:
        try:
            data = conn.recv(1024)
        except:
            break
        if not data:
            break
        broadcast(f'{name}: {data.decode(errors="replace").strip()}\n'.encode(), conn)
    with lock:
        clients.remove(conn)
    conn.close()
    broadcast(f'{name} отключился\n'.encode(), conn)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', PORT))
s.listen()
print('сервер на порту', PORT)
while True:
    conn, addr = s.accept()
    threading.Thread(target=client_thread, args=(conn,), daemon=True).start()
