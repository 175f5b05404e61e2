import socket
import threading

HOST = "localhost"
PORT = 9090


def listen(sock):
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("Сервер закрыл соединение")
            break
        print(data.decode("utf-8", "replace"), end="")


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
nick = input("Ваше имя: ")
sock.sendall((nick + "\n").encode("utf-8"))
threading.Thread(target=listen, args=(sock,), daemon=True).start()
while True:
    line = input()
    sock.sendall((line + "\n").encode("utf-8"))
    if line == "exit":
        break
sock.close()
