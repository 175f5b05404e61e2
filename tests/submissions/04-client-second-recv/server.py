import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

clients = []
names = {}


def broadcast(msg, sender):
    for c in clients:
        if c != sender:
            try:
                c.send(msg.encode())
            except:
                pass


def handle(conn, addr):
    conn.send('Введите имя: '.encode())
    name = conn.recv(1024).decode()
    names[conn] = name
    clients.append(conn)
    broadcast(f'{name} присоединился к чату', conn)
    while True:
        msg = conn.recv(1024).decode()
        if not msg or msg == 'exit':
            break
        broadcast(f'{name}: {msg}', conn)
    clients.remove(conn)
    conn.close()
    broadcast(f'{name} покинул чат', conn)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()
print('Сервер запущен')
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn, addr)).start()
