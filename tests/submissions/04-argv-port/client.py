import socket
import threading
import sys

# запуск: python client.py 9090
PORT = int(sys.argv[1])

s = socket.socket()
s.connect(('127.0.0.1', PORT))
name = input('имя: ')
s.send((name + '\n').encode())


def reading():
    while True:
        try:
            data = s.recv(1024)
        except:
            break
        if not data:
            break
        print(data.decode(errors='replace'), end='')


threading.Thread(target=reading, daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    s.send((msg + '\n').encode())
s.close()
