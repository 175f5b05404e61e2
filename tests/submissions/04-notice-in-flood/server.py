import socket
import threading

PORT = 9090
clients = []


def send_all(msg, sender):
    for c in clients:
        if c != sender:
            try:
                c.send(msg.encode())
            except:
                pass


def handle(conn):
    name = conn.recv(1024).decode().strip()
    clients.append(conn)
    send_all(f'{name} зашёл\n', conn)
    while True:
        try:
            msg = conn.recv(1024).decode().strip()
        except:
            msg = ''
        if msg == 'exit':
            break
        send_all(f'{msg} говорит > {name}\n', conn)
    clients.remove(conn)
    conn.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('', PORT))
s.listen()
print('Запущен')
while True:
    conn, addr = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
