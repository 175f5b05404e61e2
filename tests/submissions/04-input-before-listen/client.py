import socket
import threading

sock = socket.socket()
sock.connect(('127.0.0.1', 9090))
name = input('Имя: ')
sock.sendall((name + '\n').encode())


def reader():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(data.decode(errors='replace'), end='', flush=True)


threading.Thread(target=reader, daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    sock.sendall((msg + '\n').encode())
sock.close()
