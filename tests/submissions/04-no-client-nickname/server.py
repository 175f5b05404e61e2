# сервер чата (клиент - обычный telnet/nc, свой клиент не писал)
import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = []
lock = threading.Lock()


def send_all(data, sender=None):
    with lock:
        for c in clients:
            if c != sender:
                try:
                    c.sendall(data)
                except OSError:
                    pass


def handle(conn):
    conn.sendall('Введите ник: '.encode())
    nick = conn.recv(1024).decode()
    with lock:
        clients.append(conn)
    send_all(f'{nick} зашёл в чат\n'.encode(), conn)
    buf = b''
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            text = line.decode(errors='replace').rstrip('\r')
            if text == '/quit':
                buf = b''
                break
            if text:
                send_all(f'{nick}: {text}\n'.encode(), conn)
    with lock:
        clients.remove(conn)
    conn.close()
    send_all(f'{nick} вышел из чата\n'.encode())


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(50)
print('чат запущен, подключайтесь: nc 127.0.0.1 9090')
while True:
    conn, addr = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
