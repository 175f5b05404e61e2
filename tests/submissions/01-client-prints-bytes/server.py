import socket
from threading import Thread

host = socket.gethostname()
port = 9090

server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, port))
server.listen(5)


def echo(client):
    while True:
        try:
            data = client.recv(2048)
            if not data:
                break
            client.sendall(data)
        except Exception:
            break
    client.close()


while True:
    client, address = server.accept()
    Thread(target=echo, args=(client,), daemon=True).start()
