import socket
import threading

HOST = 'localhost'
PORT = 9090


def receive(sock):
    while True:
        try:
            data = sock.recv(1024)
        except:
            print('Соединение потеряно')
            break
        if not data:
            break
        print(data.decode('utf-8', errors='replace'), end='')


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
name = input('Как тебя зовут? ')
sock.send((name + '\n').encode('utf-8'))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    message = input('')
    if message == 'exit':
        break
    sock.send((message + '\n').encode('utf-8'))
sock.close()
