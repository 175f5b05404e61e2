import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def receive(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("Сервер закрыл соединение")
            break
        print(data.decode("utf-8", errors="replace"), end="")


name = input("Введите имя: ")
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
sock.sendall((name + "\n").encode("utf-8"))

t = threading.Thread(target=receive, args=(sock,))
t.start()

while True:
    msg = input()
    if msg == "exit":
        break
    sock.sendall((msg + "\n").encode("utf-8"))

sock.close()
print("Вы вышли из чата")
