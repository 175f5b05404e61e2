import socket
import threading

c = socket.socket()
c.connect(('127.0.0.1', 9090))
name = input('Твоё имя: ')
c.send(name.encode())


def get():
    while True:
        try:
            m = c.recv(1024).decode()
        except:
            break
        if not m:
            break
        print(m, end='')


threading.Thread(target=get, daemon=True).start()
while True:
    m = input()
    c.send(m.encode())
    if m == 'exit':
        break
c.close()
