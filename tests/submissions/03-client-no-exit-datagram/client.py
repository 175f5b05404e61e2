import socket
import sys
import threading

HOST = "127.0.0.1"
PORT = 9090


def receiver(sock):
    while True:
        try:
            data, addr = sock.recvfrom(65535)
        except OSError:
            return
        print(data.decode("utf-8", "replace"), flush=True)


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("Введите имя:")
name = sys.stdin.readline().strip()
sock.sendto(name.encode(), (HOST, PORT))
threading.Thread(target=receiver, args=(sock,), daemon=True).start()

for line in sys.stdin:
    line = line.strip()
    if line == "exit":
        print("Пока!")
        sock.close()
        sys.exit(0)
    sock.sendto(line.encode(), (HOST, PORT))
