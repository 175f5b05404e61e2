import socket
import threading

SERVER = ('127.0.0.1', 9090)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def receiver():
    while True:
        try:
            data, _ = sock.recvfrom(65535)
        except OSError:
            break
        print(data.decode('utf-8', errors='replace'), flush=True)


name = input('Имя: ')
sock.sendto(name.encode('utf-8'), SERVER)
threading.Thread(target=receiver, daemon=True).start()
while True:
    text = input()
    sock.sendto(text.encode('utf-8'), SERVER)
    if text == 'exit':
        break
sock.close()
