import socket
import threading

HOST = "localhost"
PORT = 9090


def handle(conn, addr):
    print("подключился", addr)
    with conn:
        while True:
            try:
                data = conn.recv(1024)
            except ConnectionResetError:
                break
            if not data:
                break
            conn.sendall(data)
    print("отключился", addr)


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen()
print("Эхо-сервер запущен на порту", PORT, flush=True)
while True:
    conn, addr = s.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
