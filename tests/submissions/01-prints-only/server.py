import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def handle_client(conn, addr):
    print(f"Новое подключение: {addr}")
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(f"Эхо от {addr}: {data.decode('utf-8', errors='replace')}")
    conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle_client, args=(conn, addr), daemon=True).start()
