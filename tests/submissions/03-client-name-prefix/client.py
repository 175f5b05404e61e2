import socket
import threading

SERVER = ("127.0.0.1", 9090)
client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
client.bind(("127.0.0.1", 0))


def receive():
    while True:
        data, _ = client.recvfrom(65535)
        print(data.decode())


threading.Thread(target=receive, daemon=True).start()
name = input("Введите имя: ")
while True:
    text = input()
    # каждое сообщение подписываем именем
    client.sendto(f"{name}: {text}".encode(), SERVER)
    if text == "exit":
        break
