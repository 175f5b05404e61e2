import socket
import threading

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen(10)


def handle():
    # conn берётся из главного цикла ниже
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        conn.sendall(data)


while True:
    conn, addr = server.accept()
    print("Подключился", addr)
    threading.Thread(target=handle, daemon=True).start()
