import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def handle_client(conn, addr):
    print(f"[NEW CONNECTION] {addr}")
    while True:
        try:
            msg = conn.recv(1024).decode("utf-8", errors="replace")
        except ConnectionResetError:
            break
        if not msg:
            break
        print(f"[{addr}] {msg!r}")
        conn.sendall(msg.encode("utf-8"))
    conn.close()
    print(f"[DISCONNECTED] {addr}")


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen()
print(f"[LISTENING] {HOST}:{PORT}")
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle_client, args=(conn, addr)).start()
