import socket
import threading
import time

# сервер без потока на каждого клиента: один цикл по очереди читает всех
HOST = 'localhost'
PORT = 9090

clients = []      # сокеты
names = {}        # сокет -> имя


def send_others(text, sender):
    for c in clients:
        if c is not sender:
            try:
                c.sendall(text.encode())
            except OSError:
                pass


def accept_loop(srv):
    while True:
        conn, addr = srv.accept()
        name = conn.recv(1024).decode(errors='replace').strip()
        print('подключился', name, addr)
        names[conn] = name
        send_others(f'{name} присоединился\n', conn)
        clients.append(conn)


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(100)
threading.Thread(target=accept_loop, args=(srv,), daemon=True).start()
print('сервер работает')

while True:
    if not clients:
        time.sleep(0.05)
        continue
    for c in list(clients):
        try:
            data = c.recv(1024)      # ждём, пока этот клиент что-нибудь скажет
        except OSError:
            data = b''
        if not data:
            clients.remove(c)
            if c in names:
                send_others(f'{names.pop(c)} вышел из чата\n', c)
            c.close()
            continue
        text = data.decode(errors='replace').strip()
        if text:
            send_others(f'{names[c]}: {text}\n', c)
