import socket
import sys
import threading

if len(sys.argv) != 3:
    print('Usage: python client.py <host> <port>')
    sys.exit(1)

host = sys.argv[1]
port = int(sys.argv[2])

sock = socket.socket()
sock.connect((host, port))
nick = input('nickname: ')
sock.sendall((nick + '\n').encode())


def incoming():
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            break
        if not data:
            print('disconnected')
            break
        print(data.decode('utf-8', 'replace'), end='', flush=True)


threading.Thread(target=incoming, daemon=True).start()
for line in sys.stdin:
    line = line.rstrip('\n')
    if line == 'exit':
        break
    sock.sendall((line + '\n').encode())
sock.close()
