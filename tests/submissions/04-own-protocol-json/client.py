import json
import socket
import threading

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket()
sock.connect((HOST, PORT))
nick = input('nick: ')
sock.sendall(json.dumps({'type': 'join', 'nick': nick}).encode())


def receive():
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            break
        if not data:
            break
        try:
            p = json.loads(data.decode())
        except ValueError:
            continue
        if p['type'] == 'msg':
            print(f"{p['nick']}: {p['text']}")
        elif p['type'] == 'join':
            print(f"* {p['nick']} joined")
        elif p['type'] == 'leave':
            print(f"* {p['nick']} left")


threading.Thread(target=receive, daemon=True).start()
while True:
    text = input()
    if text == 'exit':
        sock.sendall(json.dumps({'type': 'leave'}).encode())
        break
    sock.sendall(json.dumps({'type': 'msg', 'text': text}).encode())
sock.close()
