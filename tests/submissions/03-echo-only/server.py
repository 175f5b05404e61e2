import socket

IP = "127.0.0.1"
PORT = 9090

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((IP, PORT))
print(f"[SERVER] UDP {IP}:{PORT}")

users = {}

while True:
    data, addr = s.recvfrom(65535)
    text = data.decode("utf-8", "replace").strip()
    if addr not in users:
        users[addr] = text
        print(f"[NEW] {text} {addr}")
        for a in users:
            if a != addr:
                s.sendto(f"*** {text} присоединился ***".encode("utf-8"), a)
        continue
    if text == "exit":
        name = users.pop(addr)
        for a in users:
            s.sendto(f"*** {name} вышел ***".encode("utf-8"), a)
        continue
    # отправляем сообщение
    s.sendto(f"[{users[addr]}] {text}".encode("utf-8"), addr)
