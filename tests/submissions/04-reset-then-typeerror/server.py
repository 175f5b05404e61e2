import socket
import threading

HOST = 'localhost'
PORT = 9090

clients = []
names = {}


def broadcast(message, sender=None):
    for client in clients:
        if client != sender:
            try:
                client.send(message.encode('utf-8'))
            except:
                pass


def handle(sock):
    name = sock.recv(1024).decode('utf-8').strip()
    clients.append(sock)
    names[sock] = name
    broadcast(f'{name} присоединился к чату!\n', sock)
    while True:
        try:
            data = sock.recv(1024)
            if not data:
                clients.remove(sock)
                broadcast(f'{name} покинул чат\n')
                break
            message = data.decode('utf-8', errors='replace').strip()
            if message:
                broadcast(f'{name}: {message}\n', sock)
        except ConnectionResetError:
            # клиент отвалился
            clients.pop(sock)
            del names[sock]
            broadcast(f'{name} отключился\n')
            break
    sock.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f'Сервер работает на {HOST}:{PORT}')
while True:
    sock, addr = server.accept()
    print('Новое подключение:', addr)
    threading.Thread(target=handle, args=(sock,)).start()
