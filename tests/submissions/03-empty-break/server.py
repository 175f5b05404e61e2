import socket

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind(("127.0.0.1", 9090))
print("Сервер запущен")

clients = {}

while True:
    data, address = server.recvfrom(65535)
    if not data:
        break
    message = data.decode("utf-8", errors="replace")
    if address not in clients:
        clients[address] = message
        for client in clients:
            if client != address:
                server.sendto(f"{message} присоединился к чату.".encode(), client)
    elif message == "exit":
        name = clients.pop(address)
        for client in clients:
            server.sendto(f"{name} вышел из чата.".encode(), client)
    else:
        for client in clients:
            if client != address:
                server.sendto(f"{clients[address]}: {message}".encode(), client)

server.close()
