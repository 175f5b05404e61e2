import socket
import threading

IP = "127.0.0.1"
PORT = 9090

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((IP, PORT))

name = input("Введите имя: ")
client.send((name + "\n").encode("utf-8"))


def get_messages():
    while True:
        try:
            msg = client.recv(1024).decode("utf-8")
            if not msg:
                break
            print(msg, end="")
        except:
            break


t = threading.Thread(target=get_messages)
t.daemon = True
t.start()

while True:
    text = input()
    client.send((text + "\n").encode("utf-8"))
    if text == "exit":
        break
client.close()
