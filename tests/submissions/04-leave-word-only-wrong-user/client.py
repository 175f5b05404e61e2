import socket
import threading

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 9090))
name = input('Name: ')
client.send((name + '\n').encode())


def receive():
    while True:
        try:
            message = client.recv(1024).decode()
            if not message:
                break
            print(message, end='')
        except:
            break


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    client.send((text + '\n').encode())
    if text == 'exit':
        break
client.close()
