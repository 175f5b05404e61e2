import socket

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('localhost', 12345))
server.listen(1)
print("Ожидание подключения...")
conn, addr = server.accept()
print("Подключен", addr)

while True:
    data = conn.recv(1024).decode()
    if not data or data == "exit":
        print("Клиент вышел")
        break
    print("Клиент:", data)
    msg = input("Вы: ")
    conn.send(msg.encode())
    if msg == "exit":
        break

conn.close()
server.close()
