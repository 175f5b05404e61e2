import socket
import threading

SEP = '__SEP__'
HOST, PORT = '127.0.0.1', 9090

sock = socket.socket()
sock.connect((HOST, PORT))
name = input('name: ')
sock.sendall((name + '\n').encode())


def show():
    buf = b''
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b'\n')
        for raw in lines:
            line = raw.decode(errors='replace')
            if SEP in line:
                who, text = line.split(SEP, 1)
                if text == 'exit':
                    print(f'* {who} left')
                else:
                    print(f'[{who}] {text}')
            else:
                print(line)


threading.Thread(target=show, daemon=True).start()
while True:
    text = input()
    sock.sendall((text + '\n').encode())
    if text == 'exit':
        break
sock.close()
