import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((HOST, PORT))
username = input('Enter your username: ')
client.send(f'{username} connected\n'.encode())


def receive_messages():
    while True:
        try:
            msg = client.recv(1024).decode()
            if not msg:
                break
            print(msg, end='')
        except:
            break


threading.Thread(target=receive_messages, daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    client.send(f'{username}: {msg}\n'.encode())
client.close()
