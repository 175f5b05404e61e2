import socket
import threading

SEP = '__SEP__'   # разделитель ника и текста
ADDR = ('127.0.0.1', 9090)

clients = {}


def send_everyone(who, text, but=None):
    for c in list(clients):
        if c == but:
            continue
        try:
            c.send(f'{who}{SEP}{text}\n'.encode())
        except:
            clients.pop(c, None)


def client_handler(c):
    buf = b''
    nick = None
    while True:
        try:
            part = c.recv(2048)
        except:
            part = b''
        if not part:
            break
        buf += part
        while b'\n' in buf:
            raw, buf = buf.split(b'\n', 1)
            line = raw.decode(errors='replace').strip()
            if nick is None:
                nick = line
                clients[c] = nick
                send_everyone('СЕРВЕР', f'{nick} теперь в чате', c)
            elif line == 'exit':
                buf = b''
                part = b''
                break
            elif line:
                send_everyone(nick, line, c)
        if part == b'':
            break
    clients.pop(c, None)
    c.close()
    if nick:
        send_everyone('СЕРВЕР', f'{nick} покинул чат')


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(ADDR)
    s.listen(64)
    while True:
        c, a = s.accept()
        threading.Thread(target=client_handler, args=(c,), daemon=True).start()


main()
