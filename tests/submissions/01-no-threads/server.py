# Эхо-сервер: шаги 1-3 из README сделаны, шаг 4 (потоки) - нет.
import socket

HOST = "127.0.0.1"
PORT = 9090


def handle_client(conn, addr):
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            conn.sendall(data)
    except OSError:
        pass
    finally:
        conn.close()
        print("Клиент", addr, "отключился", flush=True)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(5)
print("Сервер слушает", HOST, PORT, flush=True)
while True:
    conn, addr = server.accept()
    print("Клиент", addr, "подключился", flush=True)
    handle_client(conn, addr)
