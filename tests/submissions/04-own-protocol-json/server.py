import json
import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = {}   # conn -> nick
lock = threading.Lock()


def send_json(conn, obj):
    conn.sendall(json.dumps(obj, ensure_ascii=False).encode())


def broadcast(obj, skip=None):
    with lock:
        conns = [c for c in clients if c is not skip]
    for c in conns:
        try:
            send_json(c, obj)
        except OSError:
            pass


def handle(conn):
    nick = None
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            try:
                packet = json.loads(data.decode())
            except (ValueError, UnicodeDecodeError):
                send_json(conn, {'type': 'error', 'text': 'bad packet'})
                continue
            if packet.get('type') == 'join':
                nick = packet['nick']
                with lock:
                    clients[conn] = nick
                broadcast({'type': 'join', 'nick': nick}, conn)
            elif packet.get('type') == 'msg' and nick:
                broadcast({'type': 'msg', 'nick': nick, 'text': packet['text']}, conn)
            elif packet.get('type') == 'leave':
                break
    except OSError:
        pass
    with lock:
        clients.pop(conn, None)
    conn.close()
    if nick:
        broadcast({'type': 'leave', 'nick': nick})


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(50)
print('json chat server on', PORT)
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
