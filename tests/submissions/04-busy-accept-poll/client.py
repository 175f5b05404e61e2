import socket
import threading

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('127.0.0.1', 9090))
name = input('Имя: ')
sock.sendall((name + '\n').encode())


def recv_thread():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            return
        if not data:
            print('Сервер закрыл соединение')
            return
        print(data.decode(errors='replace'), end='', flush=True)


threading.Thread(target=recv_thread, daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    sock.sendall((msg + '\n').encode())
sock.close()
