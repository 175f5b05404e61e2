import socket
import threading

host = socket.gethostname()
port = 65535

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def listen():
    while True:
        data, addr = s.recvfrom(1024)
        print(data.decode("utf-8", errors="replace"))


nick = input("Enter your nickname: ")
s.sendto(nick.encode("utf-8"), (host, port))
t = threading.Thread(target=listen)
t.daemon = True
t.start()

while True:
    msg = input("")
    s.sendto(msg.encode("utf-8"), (host, port))
    if msg == "exit":
        print("Bye!")
        break
