import socket
import threading

nickname = input('Choose your nickname: ')
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 9090))
client.send((nickname + '\n').encode())


def receive():
    while True:
        try:
            message = client.recv(1024).decode()
            if not message:
                break
            print(message, end='')
        except:
            print('An error occurred!')
            client.close()
            break


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input('')
    if text == 'exit':
        client.close()
        break
    client.send((text + '\n').encode())
