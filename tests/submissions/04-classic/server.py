import socket
import threading

HOST = 'localhost'
PORT = 9091

clients = []
lock = threading.Lock()


def broadcast(message, sender):
    with lock:
        for client in clients:
            if client != sender:
                try:
                    client.sendall(message.encode('utf-8'))
                except:
                    pass


def handle_client(conn, addr):
    conn.send("Пожалуйста, введите ваше имя:".encode('utf-8'))
    name = conn.recv(1024).decode('utf-8')
    with lock:
        clients.append(conn)
    print(f"{name} подключился с адреса {addr}")
    broadcast(f"{name} присоединился к чату.", conn)
    try:
        while True:
            message = conn.recv(1024).decode('utf-8')
            if not message:
                break
            if message == "exit":
                break
            broadcast(f"{name}: {message}", conn)
    except:
        pass
    with lock:
        clients.remove(conn)
    conn.close()
    broadcast(f"{name} вышел из чата.", conn)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((HOST, PORT))
server.listen()
print("Сервер запущен")

while True:
    conn, addr = server.accept()
    thread = threading.Thread(target=handle_client, args=(conn, addr))
    thread.start()
