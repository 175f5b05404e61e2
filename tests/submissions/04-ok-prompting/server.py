import queue
import socket
import threading

HOST = "localhost"
PORT = 9090

clients = []  # словари {"conn": ..., "name": ..., "out": очередь на отправку}
clients_lock = threading.Lock()

def sender(client):  # отдельный поток: отправляет всё из очереди клиента
    while True:
        msg = client["out"].get()
        if msg is None:
            return
        try:
            client["conn"].sendall(msg.encode("utf-8"))
        except OSError:
            return

def send_to(client, msg):
    try:
        client["out"].put(msg + "\n", timeout=1)
    except queue.Full:  # давно не читает - отключаем
        try:
            client["conn"].shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

def broadcast(msg, exclude=None):
    with clients_lock:
        others = [c for c in clients if c is not exclude]
    for c in others:
        send_to(c, msg)

def handle(conn):
    client = {"conn": conn, "name": None, "out": queue.Queue(maxsize=200)}
    threading.Thread(target=sender, args=(client,), daemon=True).start()
    f = conn.makefile("r", encoding="utf-8", errors="replace")
    try:
        send_to(client, "Пожалуйста, введите ваше имя:")
        name = f.readline().strip()
        if not name:
            return
        client["name"] = name
        send_to(client, f"Добро пожаловать в чат, {name}! Для выхода напишите exit.")
        with clients_lock:
            clients.append(client)
        broadcast(f"{name} присоединился к чату.", exclude=client)
        for line in f:
            text = line.strip()
            if text == "exit":
                break
            if text:
                broadcast(f"{name}: {text}", exclude=client)
    except OSError:
        pass
    finally:
        with clients_lock:
            if client in clients:
                clients.remove(client)
        if client["name"]:
            broadcast(f"{client['name']} вышел из чата.")
        try:
            client["out"].put_nowait(None)
        except queue.Full:
            pass
        conn.close()

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(100)
print(f"Сервер чата запущен на {HOST}:{PORT}")
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
