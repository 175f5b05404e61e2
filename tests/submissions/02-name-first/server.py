import os
import socket
import sys
import threading

name = input("Как вас зовут? ")
HOST = "127.0.0.1"
PORT = 9090


def receive(sock):
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            data = b""
        if not data:
            print("Собеседник вышел из чата.")
            sys.stdout.flush()
            os._exit(0)
        print(data.decode("utf-8", errors="replace"), end="")


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(1)
print(f"{name}, сервер слушает {HOST}:{PORT}")
conn, addr = server.accept()
threading.Thread(target=receive, args=(conn,), daemon=True).start()
while True:
    try:
        line = input()
    except EOFError:
        break
    if line == "exit":
        break
    conn.sendall(f"{name}: {line}\n".encode("utf-8"))
conn.close()
