import socket
import sys
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
            print("Собеседник вышел из чата.")
            sys.exit()  # думаем, что это завершит программу
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            print("Собеседник:", line.decode("utf-8", errors="replace").rstrip("\r"))


def chat(sock):
    threading.Thread(target=receive, args=(sock,), daemon=True).start()
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line.strip() == "exit":
            break
        if line.strip():
            sock.sendall((line + "\n").encode("utf-8"))
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()
    print("Вы вышли из чата.")


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(1)
print(f"Сервер слушает {HOST}:{PORT}")
conn, addr = server.accept()
server.close()
print("Собеседник подключился", addr)
chat(conn)
