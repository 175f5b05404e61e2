import socket
import threading

HOST = '127.0.0.1'
PORT = 9090


def receive(sock):
    while True:
        try:
            msg = sock.recv(1024).decode()
            if not msg:
                break
            print(msg)
        except:
            break


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
threading.Thread(target=receive, args=(sock,), daemon=True).start()

prompt = sock.recv(1024).decode()   # сервер сначала спрашивает имя
name = input(prompt)
sock.send(name.encode())

while True:
    msg = input()
    sock.send(msg.encode())
    if msg == 'exit':
        break
sock.close()
