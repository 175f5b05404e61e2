import socket
import threading


def client_thread(conn, addr):
    print("connected:", addr)
    data = conn.recv(1024)
    conn.sendall(data)
    conn.close()


sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("localhost", 9090))
sock.listen(10)
while True:
    conn, addr = sock.accept()
    threading.Thread(target=client_thread, args=(conn, addr)).start()
