import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

sock = socket.socket()
sock.connect((HOST, PORT))
name = input("Имя: ")
sock.sendall((name + "\n").encode())


def receiver():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("соединение закрыто")
            break
        print(data.decode(errors="replace"), end="", flush=True)


threading.Thread(target=receiver, daemon=True).start()
while True:
    line = input()
    if line == "exit":
        sock.sendall(b"exit\n")
        break
    sock.sendall((line + "\n").encode())
sock.close()
