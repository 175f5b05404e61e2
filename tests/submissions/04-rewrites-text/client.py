import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
nick = input("Ник: ")
sock.sendall((nick + "\n").encode())


def recv_loop():
    while True:
        try:
            data = sock.recv(1024)
        except:
            break
        if not data:
            break
        print(data.decode(errors="replace"), end="", flush=True)


threading.Thread(target=recv_loop, daemon=True).start()
while True:
    text = input()
    if text == "exit":
        break
    sock.sendall((text + "\n").encode())
sock.close()
