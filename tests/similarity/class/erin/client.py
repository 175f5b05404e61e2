import socket
import threading

HOST = "localhost"
PORT = 9090


def receive(sock):
    while True:
        try:
            chunk = sock.recv(1024)
        except OSError:
            break
        if not chunk:
            print("Сервер закрыл соединение")
            break
        print(chunk.decode("utf-8", "replace"), end="")


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
name = input("Ваше имя: ")
sock.sendall((name + "\n").encode("utf-8"))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    line = input()
    sock.sendall((line + "\n").encode("utf-8"))
    if line == "exit":
        break
sock.close()
