import socket

host = socket.gethostname()
port = 65535

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
print("Server started on", host, port)

clients = []
names = {}

while True:
    data, addr = s.recvfrom(1024)
    message = data.decode("utf-8", errors="replace")
    if addr not in clients:
        clients.append(addr)
        names[addr] = message
        for c in clients:
            if c != addr:
                s.sendto(f"{message} joined the chat".encode("utf-8"), c)
    elif message == "exit":
        clients.remove(addr)
        for c in clients:
            s.sendto(f"{names[addr]} left the chat".encode("utf-8"), c)
        del names[addr]
    else:
        for c in clients:
            if c != addr:
                s.sendto(f"{names[addr]}: {message}".encode("utf-8"), c)
