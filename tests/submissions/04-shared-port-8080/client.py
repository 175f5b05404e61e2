import socket
import threading

PORT = 8080

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("localhost", PORT))
nick = input("Nickname: ")
client.send((nick + "\n").encode("utf-8"))


def get_messages():
    while True:
        try:
            text = client.recv(1024).decode("utf-8")
        except OSError:
            return
        if not text:
            return
        print(text)


threading.Thread(target=get_messages, daemon=True).start()
while True:
    line = input()
    if line in ("exit", "quit"):
        client.close()
        break
    client.send((line + "\n").encode("utf-8"))
