import socket
import threading

SERVER = ("127.0.0.1", 9090)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def receive():
    while True:
        try:
            data, addr = sock.recvfrom(65535)
            print(data.decode("utf-8"))
        except:
            break


name = input("Введите ваше имя: ")
sock.sendto(name.encode("utf-8"), SERVER)
threading.Thread(target=receive, daemon=True).start()

while True:
    text = input()
    sock.sendto(text.encode("utf-8"), SERVER)
    if text == "exit":
        break

sock.close()
