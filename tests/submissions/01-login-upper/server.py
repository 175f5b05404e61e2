import socket
import threading

HOST = '127.0.0.1'
PORT = 9090


def client(conn, addr):
    conn.sendall(b'Login: ')
    login = conn.recv(1024).decode(errors='replace').strip()
    print(addr, 'login', login)
    conn.sendall(b'Welcome! Everything you type comes back in capitals.\n')
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionError:
            break
        if not data:
            break
        conn.sendall(data.upper())
    conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(5)
print('echo server on', PORT)
while True:
    conn, addr = s.accept()
    threading.Thread(target=client, args=(conn, addr), daemon=True).start()
