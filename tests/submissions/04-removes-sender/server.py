import socket
import threading

clients = []


def broadcast(message, sender):
    for client in clients:
        if client != sender:
            try:
                client.send(message)
            except:
                # не получилось отправить - убираем клиента
                clients.remove(sender)


def handle(conn):
    name = conn.recv(1024).decode().strip()
    clients.append(conn)
    broadcast(f"{name} присоединился\n".encode(), conn)
    while True:
        try:
            data = conn.recv(1024)
        except:
            break
        if not data:
            break
        broadcast(f"{name}: {data.decode().strip()}\n".encode(), conn)
    conn.close()
    broadcast(f"{name} вышел из чата\n".encode(), conn)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen(100)
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,)).start()
