# Сервер соединяет двух пользователей и пересылает сообщения между ними.
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090


def forward(src, dst, name):
    while True:
        try:
            data = src.recv(1024)
        except OSError:
            break
        if not data:
            break
        print(f"{name}: {data.decode(errors='replace').strip()}")
        dst.sendall(data)
    print(name, "отключился")
    dst.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(2)
print("Ждём двух собеседников...")
user1, addr1 = server.accept()
print("Первый подключился:", addr1)
user2, addr2 = server.accept()
print("Второй подключился:", addr2)
server.close()

t1 = threading.Thread(target=forward, args=(user1, user2, "Первый"))
t2 = threading.Thread(target=forward, args=(user2, user1, "Второй"))
t1.start()
t2.start()
t1.join()
t2.join()
