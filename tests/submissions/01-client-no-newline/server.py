import socket
import threading


def client_thread(conn):
    try:
        while True:
            data = conn.recv(4096)
            if data == b"":
                break
            conn.sendall(data)
    except OSError:
        pass
    conn.close()


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 9090))
sock.listen(10)
print("Server started", flush=True)
while True:
    conn, addr = sock.accept()
    t = threading.Thread(target=client_thread, args=(conn,))
    t.daemon = True
    t.start()
