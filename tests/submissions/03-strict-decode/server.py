import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 9090))
print("Сервер запущен на порту 9090")

clients = {}  # адрес -> имя

while True:
    data, addr = sock.recvfrom(65535)
    message = data.decode("utf-8").strip()

    if addr not in clients:
        clients[addr] = message
        print(f"{message} подключился с адреса {addr}")
        for client in clients:
            if client != addr:
                sock.sendto(f"{message} присоединился к чату".encode("utf-8"), client)
        continue

    name = clients[addr]
    if message == "exit":
        del clients[addr]
        for client in clients:
            sock.sendto(f"{name} покинул чат".encode("utf-8"), client)
    else:
        for client in clients:
            if client != addr:
                sock.sendto(f"{name}: {message}".encode("utf-8"), client)
