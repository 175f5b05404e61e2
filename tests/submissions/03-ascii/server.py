import socket

UDP_IP = "127.0.0.1"
UDP_PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((UDP_IP, UDP_PORT))
print("listening on", UDP_IP, UDP_PORT)

chat = {}

while True:
    data, addr = sock.recvfrom(65535)
    msg = data.decode("ascii").strip()
    if addr not in chat:
        chat[addr] = msg
        out = msg + " joined"
    elif msg == "exit":
        out = chat.pop(addr) + " left"
    else:
        out = chat[addr] + ": " + msg
    for a in chat:
        if a != addr:
            sock.sendto(out.encode("ascii", "replace"), a)
