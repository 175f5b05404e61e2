import socket
import threading

HOST = '127.0.0.1'
PORT = 9090
JOIN = '__join'

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(JOIN.encode(), (HOST, PORT))   # сначала регистрируемся


def recv_loop():
    while True:
        try:
            data, _ = s.recvfrom(65535)
        except OSError:
            break
        print(data.decode('utf-8', errors='replace'), flush=True)


threading.Thread(target=recv_loop, daemon=True).start()
name = input('Имя: ')
s.sendto(name.encode(), (HOST, PORT))
while True:
    line = input()
    s.sendto(line.encode(), (HOST, PORT))
    if line == 'exit':
        break
s.close()
