import socket
import threading
from colorama import Fore, Style, init

init(autoreset=True)
HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket()
sock.connect((HOST, PORT))
name = input(Fore.CYAN + 'Ваше имя: ')
sock.sendall((name + '\n').encode())


def receive():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print(Fore.RED + 'Сервер отключился')
            break
        print(Fore.GREEN + data.decode(errors='replace') + Style.RESET_ALL, end='')


threading.Thread(target=receive, daemon=True).start()
while True:
    msg = input()
    if msg == 'exit':
        break
    sock.sendall((msg + '\n').encode())
sock.close()
