import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = {}   # сокет: ник
lock = threading.Lock()


def broadcast(text, sender=None):
    with lock:
        items = list(clients)
    for sock in items:
        if sock is sender:
            continue
        try:
            sock.sendall(text.encode('utf-8'))
        except OSError:
            pass


def handle_client(sock):
    nick = sock.recv(1024).decode('utf-8').strip()
    with lock:
        clients[sock] = nick
    broadcast(f'{nick} подключился к чату\n', sock)
    while True:
        try:
            msg = sock.recv(1024).decode('utf-8', errors='replace').strip()
        except OSError:
            continue
        if msg == 'exit':
            with lock:
                del clients[sock]
            broadcast(f'{nick} покинул чат\n')
            sock.close()
            break
        if msg:
            broadcast(f'{nick}: {msg}\n', sock)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('Сервер запущен')
while True:
    sock, addr = server.accept()
    threading.Thread(target=handle_client, args=(sock,), daemon=True).start()
