import socket
import threading

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("192.168.1.5", 9090))
name = input("Имя: ")
s.sendall((name + "\n").encode("utf-8"))


def reader():
    while True:
        data = s.recv(1024)
        if not data:
            break
        print(data.decode("utf-8", errors="ignore"), end="")


threading.Thread(target=reader, daemon=True).start()
while True:
    line = input()
    if line == "exit":
        break
    s.sendall((line + "\n").encode("utf-8"))
s.close()
