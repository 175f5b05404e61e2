import socket
import threading

HOST = 'localhost'
PORT = 9090

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((HOST, PORT))
name = input('Enter your name: ')
client.send(name.encode())


def receive():
    while True:
        try:
            message = client.recv(1024).decode()
            if not message:
                break
            print(message)
        except:
            break


threading.Thread(target=receive, daemon=True).start()
while True:
    message = input()
    client.send(message.encode())
    if message == 'exit':
        break
client.close()
