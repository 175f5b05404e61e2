import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = {}
lock = threading.Lock()


def send_all(msg, skip=None):
    with lock:
        for c in list(clients):
            if c is not skip:
                try:
                    c.sendall(msg.encode())
                except OSError:
                    pass


def worker(conn):
    buf = ''
    name = None
    while True:
        try:
            chunk = conn.recv(1024)
        except OSError:
            break
        if not chunk:      # клиент закрыл соединение
            break
        buf += chunk.decode(errors='replace')
        while '\n' in buf:
            line, buf = buf.split('\n', 1)
            line = line.strip()
            if name is None:
                name = line
                with lock:
                    clients[conn] = name
                send_all(f'{name} в чате\n', conn)
            elif line:
                send_all(f'{name}: {line}\n', conn)
    with lock:
        clients.pop(conn, None)
    conn.close()
    print('отключился', name)


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(100)
srv.setblocking(False)   # чтобы accept не висел
print('сервер запущен')
while True:
    try:
        conn, addr = srv.accept()
    except BlockingIOError:
        continue
    conn.setblocking(True)
    threading.Thread(target=worker, args=(conn,), daemon=True).start()
