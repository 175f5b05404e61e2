import socket
import threading

HOST = 'localhost'
PORT = 9090

sock = socket.socket()
sock.connect((HOST, PORT))

# ждём от сервера слово "регистрация", потом шлём ник
while True:
    word = sock.recv(1024).decode().strip()
    if word == 'регистрация':
        name = input('Твой ник: ')
        sock.sendall((name + '\n').encode())
        break


def listen():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode(errors='replace'), end='')


threading.Thread(target=listen, daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    sock.sendall((msg + '\n').encode())
sock.close()
