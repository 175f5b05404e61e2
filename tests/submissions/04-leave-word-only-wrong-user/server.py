import socket
import threading

host = '127.0.0.1'
port = 9090

clients = []
nick = ''   # ник последнего, кто писал


def broadcast(message, sender):
    global nick
    for client in clients:
        if client != sender:
            try:
                client.send(message)
            except:
                # отправка не прошла - значит отправитель отвалился
                clients.remove(sender)
                sender.close()
                broadcast(f'{nick} вышел из чата\n'.encode(), sender)
                return


def handle(client):
    global nick
    name = client.recv(1024).decode().strip()
    clients.append(client)
    broadcast(f'{name} вошёл в чат\n'.encode(), client)
    while True:
        try:
            data = client.recv(1024)
        except:
            break
        if not data:
            break
        msg = data.decode(errors='replace').strip()
        if msg == 'exit':
            clients.remove(client)
            client.close()
            broadcast(f'{name} вышел из чата\n'.encode(), client)
            break
        nick = name
        broadcast(f'{name}: {msg}\n'.encode(), client)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, port))
server.listen()
print('Server started')
while True:
    client, address = server.accept()
    threading.Thread(target=handle, args=(client,)).start()
