from socket import *
from threading import Thread

addr = ("127.0.0.1", 9090)
s = socket(AF_INET, SOCK_DGRAM)


def get_messages():
    while True:
        msg, a = s.recvfrom(65535)
        print(msg.decode())


name = input("name: ")
s.sendto(name.encode(), addr)
Thread(target=get_messages).start()

while True:
    msg = input()
    s.sendto(msg.encode(), addr)
    if msg == "exit":
        break
print("вы вышли")
