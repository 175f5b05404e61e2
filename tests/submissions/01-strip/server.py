import socket
import threading


def handle_client(client):
    while True:
        try:
            message = client.recv(1024).decode().strip()
            if not message:
                break
            print("Получено:", message)
            client.send((message + "\n").encode())
        except:
            break
    client.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen()
print("Echo server is listening...")

while True:
    client, address = server.accept()
    print(f"Connected with {address}")
    thread = threading.Thread(target=handle_client, args=(client,))
    thread.start()
