import socket
import threading

nickname = input("Choose your nickname: ")

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('127.0.0.1', 9090))


def receive():
    while True:
        try:
            message = client.recv(1024).decode('utf-8')
            if message.startswith('NICK'):
                client.send((nickname + '\n').encode('utf-8'))
            elif message:
                print(message, end='')
            else:
                break
        except OSError:
            print("An error occured!")
            client.close()
            break


def write():
    while True:
        text = input('')
        if text == 'exit':
            client.close()
            break
        client.send(f'{text}\n'.encode('utf-8'))


threading.Thread(target=receive).start()
threading.Thread(target=write).start()
