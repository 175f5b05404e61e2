import os
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def receive_messages(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            data = b""
        if not data:
            print("Собеседник отключился")
            os._exit(0)
        print("Собеседник:", data.decode())


def send_messages(sock):
    while True:
        try:
            message = input()
        except EOFError:
            message = "exit"
        if message == "exit":
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
            os._exit(0)
        sock.send((message + "\n").encode())


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
print("Подключено")
threading.Thread(target=receive_messages, args=(s,), daemon=True).start()
send_messages(s)
