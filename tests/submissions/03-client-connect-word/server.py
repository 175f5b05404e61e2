import socket

ADDR = ("127.0.0.1", 9090)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(ADDR)
users = {}
print("сервер UDP запущен", ADDR)

while True:
    data, addr = sock.recvfrom(65535)
    msg = data.decode("utf-8", errors="replace").strip()
    if not msg:
        continue
    if addr not in users:
        # клиент пишет "<ник> connect"
        nick = msg[:-len(" connect")] if msg.endswith(" connect") else msg
        users[addr] = nick
        text = f"{nick} присоединился"
    elif msg == "exit":
        text = f"{users.pop(addr)} вышел"
    else:
        text = f"{users[addr]}: {msg}"
    for user in users:
        if user != addr:
            sock.sendto(text.encode("utf-8"), user)
