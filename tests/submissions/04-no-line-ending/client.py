import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
name = input('Your name: ')
sock.sendall((name + '\n').encode('utf-8'))


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode('utf-8', errors='replace'))


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    if text == 'exit':
        break
    sock.sendall((text + '\n').encode('utf-8'))
sock.close()
