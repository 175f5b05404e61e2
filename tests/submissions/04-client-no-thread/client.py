import socket

HOST = "127.0.0.1"
PORT = 9090

name = input("Введите имя: ")
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect((HOST, PORT))
sock.sendall((name + "\n").encode("utf-8"))

while True:
    msg = input("> ")
    if msg == "exit":
        break
    sock.sendall((msg + "\n").encode("utf-8"))
    data = sock.recv(1024)  # ответ сервера
    print(data.decode("utf-8", errors="replace"))

sock.close()
print("Вы вышли из чата")
