import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def handle(conn, addr):
    print(f"[+] {addr} connected")
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            conn.sendall(b"Echo: " + data)
    except OSError:
        pass
    finally:
        conn.close()
        print(f"[-] {addr} disconnected")


with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, PORT))
    s.listen()
    print(f"Echo server on {HOST}:{PORT}")
    while True:
        conn, addr = s.accept()
        threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
