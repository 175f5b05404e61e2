import select
import socket
import time

HOST, PORT = "127.0.0.1", 9090
MAX_OUT = 256 * 1024  # если столько ждёт отправки - не читаем новых сообщений

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(100)
server.setblocking(False)
names = {}    # сокет -> имя (None, пока не представился)
inbox = {}    # сокет -> недочитанные байты
outbox = {}   # сокет -> байты, ждущие отправки
last_ok = {}  # сокет -> когда клиент в последний раз принимал данные

def send(sock, text):
    if not outbox[sock]:
        last_ok[sock] = time.monotonic()
    outbox[sock] += (text + "\n").encode("utf-8")

def broadcast(text, sender=None):
    for sock, name in names.items():
        if sock is not sender and name is not None:
            send(sock, text)

def drop(sock):
    name = names.pop(sock)
    del inbox[sock], outbox[sock], last_ok[sock]
    sock.close()
    if name is not None:
        broadcast(f"{name} вышел из чата")

def on_line(sock, line):
    text = line.decode("utf-8", errors="replace").strip()
    if names[sock] is None:
        names[sock] = text
        broadcast(f"{text} присоединился к чату", sock)
    elif text == "exit":
        drop(sock)
    elif text:
        broadcast(f"{names[sock]}: {text}", sock)

print(f"Сервер (select) слушает {HOST}:{PORT}")
while True:
    full = [s for s in outbox if len(outbox[s]) > MAX_OUT]
    for sock in full:
        if time.monotonic() - last_ok[sock] > 1:
            drop(sock)  # секунду ничего не принял: перестал читать
    readers = [server] + ([] if full else list(names))
    waiting = [s for s in outbox if outbox[s]]
    readable, writable, _ = select.select(readers, waiting, [], 0.2)
    for sock in readable:
        if sock is server:
            conn, _ = server.accept()
            conn.setblocking(False)
            names[conn], inbox[conn], outbox[conn] = None, bytearray(), bytearray()
            last_ok[conn] = time.monotonic()
        elif sock in names:  # могли отключить в этом же круге
            try:
                data = sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                drop(sock)
                continue
            inbox[sock] += data
            while sock in names and b"\n" in inbox[sock]:
                line, _, inbox[sock] = inbox[sock].partition(b"\n")
                on_line(sock, line)
    for sock in writable:
        if sock in outbox:
            try:
                del outbox[sock][:sock.send(outbox[sock])]
                last_ok[sock] = time.monotonic()
            except BlockingIOError:
                pass
            except OSError:
                drop(sock)
