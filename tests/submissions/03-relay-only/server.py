# Сервер UDP-чата: запоминает адреса и пересылает сообщения всем остальным
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 9090))

nicknames = {}

while True:
    data, addr = sock.recvfrom(65535)
    text = data.decode("utf-8", errors="replace")
    if addr not in nicknames:
        nicknames[addr] = text  # первое сообщение - имя
        print("новый пользователь", text, addr)
        continue
    for other in nicknames:
        if other != addr:
            sock.sendto(f"{nicknames[addr]}: {text}".encode("utf-8"), other)
