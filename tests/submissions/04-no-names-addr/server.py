import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

connections = []


def broadcast(message, connection):
    for client in connections:
        if client != connection:
            try:
                client.send(message.encode())
            except:
                client.close()
                connections.remove(client)


def handle_client(connection, address):
    while True:
        try:
            msg = connection.recv(1024).decode()
            if msg:
                print(f'{address}: {msg}')
                broadcast(f'{address}: {msg}', connection)
            else:
                break
        except:
            break
    connections.remove(connection)
    connection.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(100)
print(f'Server running on {HOST}:{PORT}')
while True:
    connection, address = server.accept()
    connections.append(connection)
    threading.Thread(target=handle_client, args=(connection, address)).start()
