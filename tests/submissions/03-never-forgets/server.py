# UDP чат - сервер
import socket

HOST = "127.0.0.1"
PORT = 9090

server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
server.bind((HOST, PORT))
print("Сервер слушает", HOST, PORT)

names = {}


def broadcast(msg, sender=None):
    for addr in names:
        if addr != sender:
            server.sendto(msg.encode(), addr)


while True:
    data, addr = server.recvfrom(65535)
    msg = data.decode(errors="replace").strip()
    if addr not in names:
        names[addr] = msg
        broadcast(msg + " вошел в чат", addr)
    elif msg == "exit":
        broadcast(names[addr] + " вышел из чата", addr)
    else:
        broadcast(names[addr] + ": " + msg, addr)
