import socket
import threading

ADDR = ("127.0.0.1", 9090)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

nick = input("Ник: ")
sock.sendto(f"{nick} connect".encode("utf-8"), ADDR)


def listen():
    while True:
        data, _ = sock.recvfrom(65535)
        print(data.decode("utf-8", errors="replace"), flush=True)


threading.Thread(target=listen, daemon=True).start()
while True:
    msg = input()
    sock.sendto(msg.encode("utf-8"), ADDR)
    if msg == "exit":
        break
