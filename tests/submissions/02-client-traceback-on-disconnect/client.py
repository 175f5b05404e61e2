import socket
import threading

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("127.0.0.1", 9090))
print("Вы в чате! exit - выход")


def write():
    # ввод — в отдельном потоке, а главный поток принимает сообщения
    while True:
        msg = input()
        if msg == "exit":
            client.shutdown(socket.SHUT_RDWR)
            break
        client.sendall((msg + "\n").encode("utf-8"))


threading.Thread(target=write, daemon=True).start()

buffer = b""
while True:
    data = client.recv(1024)
    if not data:
        break
    buffer += data
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        print("Собеседник:", line.decode("utf-8", errors="replace"))

print("Чат закрыт")
client.close()
