import socket
import threading
HOST = '127.0.0.1'
VARIANT = 50  # номер варианта из журнала
PORT = 5000 + VARIANT  # порт = 5000 + номер варианта
ENCODING = 'utf-8'

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
name = input('Ник: ')
sock.sendall((name + '\n').encode(ENCODING))


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print('Сервер отключился')
            break
        print(data.decode(ENCODING, errors='replace'), end='', flush=True)


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    if text == 'exit':
        break
    sock.sendall((text + '\n').encode(ENCODING))
sock.close()
