import socket
import threading

HOST = 'localhost'
PORT = 9090

clients = []


def broadcast(message, sender):
    for client in clients:
        if client != sender:
            try:
                client.send(message.encode())
            except:
                pass


def handle(client):
    name = client.recv(1024).decode()
    clients.append(client)
    broadcast(f'{name} joined the chat', client)
    while True:
        try:
            text = client.recv(1024).decode().strip()
        except:
            break
        if not text or text == 'exit':
            break
        broadcast(f'{name}: {text}', client)
    clients.remove(client)
    client.close()
    broadcast(f'{name} left the chat', client)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print('Server is running...')
while True:
    client, address = server.accept()
    print('Connected:', address)
    threading.Thread(target=handle, args=(client,)).start()
