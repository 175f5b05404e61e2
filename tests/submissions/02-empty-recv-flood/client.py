import socket
import threading

HOST = "localhost"
PORT = 9090


def receive(sock):
    while True:
        try:
            data = sock.recv(1024).decode("utf-8")
        except OSError:
            break
        if data == "exit":
            print("Друг вышел")
            break
        print("Друг:", data.strip())


def main_loop(sock):
    t = threading.Thread(target=receive, args=(sock,))
    t.daemon = True
    t.start()
    while True:
        try:
            msg = input()
        except EOFError:
            break
        if msg == "exit":
            sock.send("exit".encode("utf-8"))
            break
        sock.send((msg + "\n").encode("utf-8"))
    sock.close()


client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((HOST, PORT))
print("Подключено")
main_loop(client)
