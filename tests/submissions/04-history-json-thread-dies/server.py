import socket
import threading
import json
import time

HOST = '127.0.0.1'
PORT = 9090
HISTORY = 'history.json'   # история чата (дома там было [])

clients = {}   # conn -> ник
lock = threading.Lock()


def send_all(text, skip=None):
    with lock:
        for c in list(clients):
            if c is skip:
                continue
            try:
                c.sendall((text + '\n').encode())
            except OSError:
                pass


def save(nick, text):
    # дописываем сообщение в историю
    with open(HISTORY, 'a+', encoding='utf-8') as f:
        f.seek(0)
        history = json.load(f)
        history.append({'time': time.strftime('%H:%M:%S'), 'nick': nick, 'text': text})
        f.seek(0)
        f.truncate()
        json.dump(history, f, ensure_ascii=False)


def client_thread(conn, addr):
    nick = conn.recv(1024).decode().strip()
    with lock:
        clients[conn] = nick
    print('подключился', nick, addr)
    send_all(f'*** {nick} вошёл в чат', conn)
    buf = ''
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        buf += data.decode(errors='replace')
        while '\n' in buf:
            line, buf = buf.split('\n', 1)
            line = line.strip()
            if not line:
                continue
            send_all(f'{nick}: {line}', conn)
            save(nick, line)
    with lock:
        clients.pop(conn, None)
    conn.close()
    send_all(f'*** {nick} вышел из чата')


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(50)
print('сервер запущен на', PORT)
while True:
    c, a = srv.accept()
    threading.Thread(target=client_thread, args=(c, a), daemon=True).start()
