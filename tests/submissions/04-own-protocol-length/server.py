import socket
import struct
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = {}
lock = threading.Lock()


def recv_exact(sock, n):
    data = b''
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            return None
        data += part
    return data


def recv_msg(sock):
    # сообщение = 4 байта длины (big-endian) + текст
    head = recv_exact(sock, 4)
    if head is None:
        return None
    (length,) = struct.unpack('!I', head)
    body = recv_exact(sock, length)
    return None if body is None else body.decode('utf-8')


def send_msg(sock, text):
    data = text.encode('utf-8')
    sock.sendall(struct.pack('!I', len(data)) + data)


def broadcast(text, skip=None):
    with lock:
        targets = [c for c in clients if c is not skip]
    for c in targets:
        try:
            send_msg(c, text)
        except OSError:
            pass


def handle(conn):
    name = recv_msg(conn)
    if not name:
        conn.close()
        return
    with lock:
        clients[conn] = name
    broadcast(f'{name} присоединился к чату', conn)
    while True:
        try:
            text = recv_msg(conn)
        except (OSError, UnicodeDecodeError):
            text = None
        if text is None or text == 'exit':
            break
        broadcast(f'{name}: {text}', conn)
    with lock:
        del clients[conn]
    conn.close()
    broadcast(f'{name} вышел из чата')


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(64)
print('Сервер запущен')
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
