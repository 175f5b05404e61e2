# Сервер чата на двоих. Чтобы не было потоков, проверяем входящие после каждого ввода.
import socket

HOST = "127.0.0.1"
PORT = 9090

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(1)
print("Жду подключения...")
conn, addr = srv.accept()
srv.close()
print("Подключился", addr)
conn.setblocking(False)

while True:
    try:
        msg = input("> ")
    except EOFError:
        break
    if msg == "exit":
        break
    if msg:
        conn.sendall((msg + "\n").encode())
    try:
        data = conn.recv(4096)
    except BlockingIOError:
        continue
    if not data:
        print("Собеседник отключился")
        break
    for line in data.decode(errors="replace").splitlines():
        print("Собеседник:", line)

conn.close()
print("Пока!")
