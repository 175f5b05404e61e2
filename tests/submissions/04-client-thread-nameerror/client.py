import socket
import threading
import time

HOST = "127.0.0.1"
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))


def receive():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        # время сообщения, как в телеге
        print(f"[{datetime.now():%H:%M}] {data.decode().strip()}")


name = input("Ваш ник: ")
sock.sendall(f"{name}\n".encode())
threading.Thread(target=receive, daemon=True).start()

while True:
    msg = input()
    if msg == "exit":
        sock.sendall(b"exit\n")
        break
    sock.sendall(f"{msg}\n".encode())
    time.sleep(0.1)
sock.close()
