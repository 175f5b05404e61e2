import socket
import threading

HOST = '127.0.0.1'
PORT = 777

sock = socket.socket()
sock.connect((HOST, PORT))
name = input('Имя: ')
sock.sendall((name + '\n').encode())


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode(errors='replace'), end='', flush=True)


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    if text == 'exit':
        break
    sock.sendall((text + '\n').encode())
sock.close()
