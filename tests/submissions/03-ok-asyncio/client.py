import socket
import threading

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.connect(("localhost", 9090))  # a connected UDP socket: send()/recv(), server only


def reader():
    while True:
        try:
            print(sock.recv(65535).decode(errors="replace"))
        except OSError:
            return


name = input("Name: ")
sock.send((name + "\n").encode())
threading.Thread(target=reader, daemon=True).start()
try:
    while True:
        line = input()
        if line == "exit":
            break
        sock.send((line + "\n").encode())
except EOFError:
    pass
sock.send(b"exit\n")
