"""Эхо построчно: makefile() сам собирает строку из кусков."""
import socket
import threading


def handle(conn):
    with conn, conn.makefile("rb") as reader:
        for line in reader:  # строка целиком, вместе с \n
            conn.sendall(line)


listener = socket.create_server(("127.0.0.1", 9090), reuse_port=False)
print("listening on 9090", flush=True)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
