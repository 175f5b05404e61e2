# Эхо-сервер, лабораторная 1
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("", 9090))
sock.listen(5)
print("Сервер запущен")

while True:
    conn, addr = sock.accept()
    print("Подключился", addr)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        conn.sendall(data)
    print("Отключился", addr)
    conn.close()
