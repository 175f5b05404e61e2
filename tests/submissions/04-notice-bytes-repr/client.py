import socket
from threading import Thread

SERVER_HOST = "127.0.0.1"
SERVER_PORT = 9090

s = socket.socket()
print(f"[*] Connecting to {SERVER_HOST}:{SERVER_PORT}...")
s.connect((SERVER_HOST, SERVER_PORT))
print("[+] Connected.")
name = input("Enter your name: ")
s.send(name.encode())


def listen_for_messages():
    while True:
        try:
            message = s.recv(1024).decode()
        except Exception:
            break
        if not message:
            break
        print(message, end="")


t = Thread(target=listen_for_messages)
t.daemon = True
t.start()
while True:
    to_send = input()
    if to_send.lower() == "exit":
        break
    s.send((to_send + "\n").encode())
s.close()
