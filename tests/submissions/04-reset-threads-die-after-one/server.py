import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

clients = []
names = {}


def broadcast(msg, sender=None):
    for c in clients:
        if c is not sender:
            c.sendall(msg.encode())


def handle(conn):
    name = conn.recv(1024).decode().strip()
    names[conn] = name
    clients.append(conn)
    broadcast(f"{name} зашёл в чат\n", conn)
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode(errors="replace").strip()
            if text == "exit":
                break
            if text:
                broadcast(f"{name}: {text}\n", conn)
    except ConnectionResetError:
        print(name, "потерял соединение")
        broadcast(f"{name} потерял соединение\n", conn)
        conn.close()
        return
    clients.remove(conn)
    conn.close()
    broadcast(f"{name} вышел из чата\n")


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(100)
print("сервер запущен")
while True:
    conn, addr = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
