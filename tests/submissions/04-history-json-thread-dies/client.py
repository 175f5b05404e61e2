import socket
import threading

HOST = '127.0.0.1'
PORT = 9090


def reader(s):
    while True:
        try:
            data = s.recv(4096)
        except OSError:
            break
        if not data:
            print('сервер закрыл соединение')
            break
        print(data.decode(errors='replace'), end='', flush=True)


s = socket.socket()
s.connect((HOST, PORT))
nick = input('ник: ')
s.sendall((nick + '\n').encode())
threading.Thread(target=reader, args=(s,), daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    s.sendall((msg + '\n').encode())
s.close()
