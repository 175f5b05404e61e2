import socket

HOST = "127.0.0.1"
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((HOST, PORT))
clients = {}  # адрес -> имя
print(f"UDP-чат на {HOST}:{PORT}")


def broadcast(text, sender=None):
    for addr in list(clients):
        if addr != sender:
            sock.sendto(text.encode("utf-8"), addr)


while True:
    try:
        data, addr = sock.recvfrom(4096)
    except OSError:  # ICMP "порт недоступен" от ушедшего клиента
        continue
    text = data.decode("utf-8", errors="replace").strip()
    if addr not in clients:
        if text and text != "exit":
            clients[addr] = text
            broadcast(f"{text} присоединился к чату", addr)
        continue
    name = clients[addr]
    if text == "exit":
        del clients[addr]
        broadcast(f"{name} вышел из чата")
    elif text:
        broadcast(f"{name}: {text}", addr)
