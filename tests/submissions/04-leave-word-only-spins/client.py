import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
nick = input('Ваш ник: ')
sock.sendall((nick + '\n').encode('utf-8'))


def recv_messages():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode('utf-8', errors='replace'), end='')


threading.Thread(target=recv_messages, daemon=True).start()
while True:
    msg = input()
    sock.sendall((msg + '\n').encode('utf-8'))
    if msg == 'exit':
        break
sock.close()
