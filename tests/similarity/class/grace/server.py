import socket
import threading

host = '127.0.0.1'
port = 9090

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((host, port))
server.listen()

clients = []
nicknames = []


def broadcast(message, skip=None):
    for client in clients:
        if client is not skip:
            client.send(message)


def handle(client):
    while True:
        try:
            message = client.recv(1024)
            if not message:
                raise ConnectionError
            index = clients.index(client)
            broadcast(nicknames[index].encode('utf-8') + b': ' + message, client)
        except Exception:
            index = clients.index(client)
            clients.remove(client)
            client.close()
            nickname = nicknames.pop(index)
            broadcast(f'{nickname} left!\n'.encode('utf-8'))
            break


def receive():
    while True:
        client, address = server.accept()
        print("Connected with", address)
        client.send('NICK\n'.encode('utf-8'))
        nickname = client.recv(1024).decode('utf-8').strip()
        nicknames.append(nickname)
        clients.append(client)
        print("Nickname is", nickname)
        broadcast(f"{nickname} joined!\n".encode('utf-8'))
        thread = threading.Thread(target=handle, args=(client,))
        thread.start()


receive()
