import os
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def receive(sock):
    buffer = b""
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            data = b""
        if not data:
            print("Собеседник вышел из чата.", flush=True)
            os._exit(0)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print("Собеседник:", line.decode("utf-8", errors="replace").rstrip("\r"), flush=True)


def chat(sock):
    receiver = threading.Thread(target=receive, args=(sock,))  # без daemon=True
    receiver.start()
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line == "exit":
            break
        sock.sendall((line + "\n").encode("utf-8"))
    sock.close()  # без shutdown: поток-получатель так и остаётся в recv()
    print("Вы вышли из чата.", flush=True)


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((HOST, PORT))
listener.listen(1)
print(f"Сервер слушает {HOST}:{PORT}", flush=True)
conn, addr = listener.accept()
listener.close()
chat(conn)
