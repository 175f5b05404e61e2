import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((HOST, PORT))
server.listen()
print(f"Сервер запущен на {HOST}:{PORT}")

clients = {}
lock = threading.Lock()

while True:
    data, addr = server.recvfrom(65535)
    msg = data.decode("utf-8", errors="replace").strip()
    with lock:
        if addr not in clients:
            clients[addr] = msg
            text = f"{msg} присоединился к чату"
        elif msg == "exit":
            text = f"{clients.pop(addr)} вышел из чата"
        else:
            text = f"{clients[addr]}: {msg}"
        for a in clients:
            if a != addr:
                server.sendto(text.encode("utf-8"), a)
