import socket
import threading

host = "127.0.0.1"
port = int(input("Введите порт: "))


def echo(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        conn.sendall(data)
    conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port))
s.listen()
while True:
    c, a = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
