import socket
import threading

s = socket.socket()
s.connect(('localhost', 9090))
name = input('Введите имя: ')
s.send((name + '\n').encode())


def listen():
    while True:
        try:
            d = s.recv(1024)
        except:
            break
        if not d:
            break
        print(d.decode(errors='replace'), end='')


threading.Thread(target=listen, daemon=True).start()
while True:
    t = input()
    if t == 'exit':
        break
    s.send((t + '\n').encode())
s.close()
