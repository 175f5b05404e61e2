import socket
import threading

SEP = '__SEP__'
HOST, PORT = '127.0.0.1', 9090

clients = []
lock = threading.Lock()


def relay(line, sender):
    with lock:
        for c in clients:
            if c is not sender:
                try:
                    c.sendall((line + '\n').encode())
                except OSError:
                    pass


def handle(conn):
    buf = b''
    name = None
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            data = b''
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b'\n')
        for raw in lines:
            text = raw.decode(errors='replace').strip()
            if name is None:
                name = text
                with lock:
                    clients.append(conn)
                relay(f'SERVER{SEP}{name} joined', conn)
            elif text:
                relay(f'{name}{SEP}{text}', conn)   # exit тоже пересылаем, клиент сам выходит
    with lock:
        if conn in clients:
            clients.remove(conn)
    conn.close()
    print(name, 'disconnected')


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(100)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
