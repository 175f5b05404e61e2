import socket
import threading

HOST = 'localhost'
PORT = 9091


def receive(sock):
    while True:
        try:
            message = sock.recv(1024).decode('utf-8')
            if not message:
                break
            print(message)
        except:
            break


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
print(sock.recv(1024).decode('utf-8'))
name = input()
sock.send(name.encode('utf-8'))

thread = threading.Thread(target=receive, args=(sock,))
thread.daemon = True
thread.start()

while True:
    message = input()
    if message == "exit":
        sock.send(message.encode('utf-8'))
        break
    sock.send(message.encode('utf-8'))

sock.close()
