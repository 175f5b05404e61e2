import socket
import threading

SERVER = ("127.0.0.1", 9090)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def receive():
    while True:
        try:
            data, _ = sock.recvfrom(4096)
        except OSError:
            break
        print(data.decode("utf-8", errors="replace"))


name = input("Введите имя: ")
sock.sendto(name.encode("utf-8"), SERVER)
threading.Thread(target=receive, daemon=True).start()

while True:
    msg = input()
    sock.sendto(msg.encode("utf-8"), SERVER)
    if msg == "exit":
        break

sock.close()
print("Вы вышли из чата")
