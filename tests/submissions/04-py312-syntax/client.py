import socket
import threading

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(("127.0.0.1", 9090))

name = input("Ваше имя: ")
sock.sendall((name + "\n").encode())


def listen():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("Сервер отключился")
            break
        print(data.decode().strip())


threading.Thread(target=listen, daemon=True).start()

while True:
    msg = input()
    if msg == "exit":
        break
    sock.sendall((msg + "\n").encode())
sock.close()
