import socket

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(('localhost', 12345))
print("Подключено к серверу")

while True:
    msg = input("Вы: ")
    client.send(msg.encode())
    if msg == "exit":
        break
    data = client.recv(1024).decode()
    if not data or data == "exit":
        print("Сервер вышел")
        break
    print("Сервер:", data)

client.close()
