import socket
import threading

SEP = '__SEP__'
ADDR = ('127.0.0.1', 9090)

sock = socket.socket()
sock.connect(ADDR)


def listen():
    while True:
        try:
            data = sock.recv(2048).decode()
            who, text = data.strip().split(SEP)
            print(f'<{who}> {text}')
        except:
            break


nick = input('Имя: ')
sock.send(f'{nick}\n'.encode())
threading.Thread(target=listen, daemon=True).start()
while True:
    line = input()
    if line == 'exit':
        sock.send(b'exit\n')
        break
    sock.send(f'{line}\n'.encode())
sock.close()
