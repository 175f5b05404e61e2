import socket

host = socket.gethostname()
port = 9090

client = socket.socket()
client.connect((host, port))

while True:
    text = input("Введите сообщение: ")
    if text == "exit":
        break
    client.sendall(text.encode() + b"\n")
    data = b""
    while not data.endswith(b"\n"):
        data += client.recv(1024)
    print(data)

client.close()
