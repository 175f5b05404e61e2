import socket
import threading
import sys

PORT = 9090
if len(sys.argv) > 1:
    PORT = int(sys.argv[1])

clients = {}
lock = threading.Lock()


def broadcast(text, skip=None):
    with lock:
        for c in list(clients):
            if c is skip:
                continue
            try:
                c.sendall(text.encode())
            except OSError:
                pass


def serve(conn):
    buf = b''
    name = None
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                text = line.decode('utf-8', 'replace').strip()
                if name is None:
                    name = text
                    with lock:
                        clients[conn] = name
                    broadcast(f'{name} joined\n', conn)
                elif text:
                    broadcast(f'{name}: {text}\n', conn)
    except OSError:
        pass
    with lock:
        clients.pop(conn, None)
    conn.close()
    if name:
        broadcast(f'{name} left\n')


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('0.0.0.0', PORT))
srv.listen()
print('listening on', PORT)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
