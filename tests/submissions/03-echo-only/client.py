import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def receive():
    while True:
        try:
            msg, _ = client.recvfrom(65535)
        except OSError:
            break
        print(msg.decode(errors="replace"))


nickname = input("Ник: ")
client.sendto(nickname.encode(), (HOST, PORT))
threading.Thread(target=receive, daemon=True).start()
while True:
    msg = input()
    client.sendto(msg.encode(), (HOST, PORT))
    if msg == "exit":
        break
