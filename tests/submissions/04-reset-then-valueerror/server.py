import socket
import threading

clients = []     # сокеты
nicknames = []   # ники, по тем же индексам

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 9090))
server.listen()


def broadcast(message, skip=None):
    for client in clients:
        if client is not skip:
            client.send(message)


def handle(client):
    nickname = client.recv(1024).decode().strip()
    nicknames.append(nickname)
    clients.append(client)
    broadcast(f'{nickname} joined the chat\n'.encode(), client)
    while True:
        try:
            message = client.recv(1024)
        except ConnectionResetError:
            i = nicknames.index(nickname)
            clients.remove(i)
            nicknames.remove(nickname)
            broadcast(f'{nickname} lost connection\n'.encode())
            break
        if not message:
            i = clients.index(client)
            clients.pop(i)
            nicknames.pop(i)
            broadcast(f'{nickname} left the chat\n'.encode())
            break
        text = message.decode(errors='replace').strip()
        if text:
            broadcast(f'{nickname}: {text}\n'.encode(), client)
    client.close()


print('Server is listening...')
while True:
    client, address = server.accept()
    print(f'Connected with {address}')
    thread = threading.Thread(target=handle, args=(client,))
    thread.start()
