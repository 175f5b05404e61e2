import socket

HOST = "127.0.0.1"
PORT = 9090
MAX_CLIENTS = 10  # больше не пускаем, чтобы сервер не перегружался

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
print(f"Чат на {HOST}:{PORT}, максимум {MAX_CLIENTS} человек")

clients = {}


def send_all(text, skip=None):
    for addr in list(clients):
        if addr != skip:
            sock.sendto(text.encode(), addr)


while True:
    data, addr = sock.recvfrom(65535)
    text = data.decode(errors="replace").strip()
    if not text:
        continue
    if addr not in clients:
        if len(clients) >= MAX_CLIENTS:
            sock.sendto("Чат переполнен, попробуйте позже".encode(), addr)
            continue
        clients[addr] = text
        send_all(f"{text} присоединился к чату", skip=addr)
    elif text == "exit":
        name = clients.pop(addr)
        send_all(f"{name} вышел из чата")
    else:
        send_all(f"{clients[addr]}: {text}", skip=addr)
