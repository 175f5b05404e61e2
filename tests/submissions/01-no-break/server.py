import socket
import threading

HOST = '127.0.0.1'
PORT = 9090


def serve(conn):
    while True:
        data = conn.recv(1024)
        conn.sendall(data)


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(5)
print('Server started')
while True:
    conn, addr = s.accept()
    t = threading.Thread(target=serve, args=(conn,))
    t.daemon = True
    t.start()
