# эхо клиент
import socket

HOST = "localhost"
PORT = 9090

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect((HOST, PORT))
print("Подключился к серверу")

while True:
    msg = input("> ")
    s.send((msg + "\n").encode())
    data = s.recv(1024)
    print("Сервер ответил:", data.decode())
