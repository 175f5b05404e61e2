import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def receive(sock):
    while True:
        data = sock.recv(1024)
        if not data:
            print("Сервер закрыл соединение")
            break
        print("Собеседник:", data.decode())


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
print("Подключились к серверу. Для выхода наберите exit")

receiver = threading.Thread(target=receive, args=(sock,), daemon=True)  # поток для приёма

while True:
    try:
        message = input()
    except EOFError:
        break
    if message == "exit":
        break
    sock.sendall((message + "\n").encode())

sock.close()
print("Вы вышли")
