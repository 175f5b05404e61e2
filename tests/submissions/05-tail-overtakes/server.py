# Чат для бонусного задания 5: рассылка без ожидания, как SendQ
# send с MSG_DONTWAIT, что не влезло - в хвост, хвост дописывает отдельный поток
import socket
import threading
import time

HOST = "127.0.0.1"
PORT = 9090
MAX_TAIL = 4 * 1024 * 1024  # 4 МБ на клиента, дальше отключаем

users = []  # список User
users_lock = threading.Lock()


class User:
    def __init__(self, sock):
        self.sock = sock
        self.nick = None
        self.tail = bytearray()  # что не влезло в сокет
        self.lock = threading.Lock()
        self.flushing = False
        self.dead = False


def flusher(u):
    # дописываем хвост, пока он не кончится
    while True:
        with u.lock:
            if not u.tail or u.dead:
                u.flushing = False
                return
            chunk = u.tail[:65536]
        try:
            n = u.sock.send(chunk)
        except:
            u.dead = True
            return
        with u.lock:
            del u.tail[:n]
        time.sleep(0.01)  # чтобы не грузить процессор


def push(u, data):
    with u.lock:
        if u.dead:
            return
        # сначала пробуем сразу, не дожидаясь
        try:
            n = u.sock.send(data, socket.MSG_DONTWAIT)
        except BlockingIOError:
            n = 0
        except:
            u.dead = True
            return
        if n < len(data):
            u.tail += data[n:]
            if len(u.tail) > MAX_TAIL:
                print("drop", u.nick, "- не читает")
                u.dead = True
                u.tail.clear()
                try:
                    u.sock.shutdown(socket.SHUT_RDWR)
                except:
                    pass
                return
            if not u.flushing:
                u.flushing = True
                threading.Thread(target=flusher, args=(u,), daemon=True).start()


def send_all(msg, skip=None):
    data = (msg + "\n").encode()
    with users_lock:
        to = [u for u in users if u.nick and u is not skip]
    for u in to:
        push(u, data)


def client_thread(u):
    buf = b""
    try:
        while True:
            d = u.sock.recv(65536)
            if not d:
                break
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = line.decode(errors="replace").strip()
                if u.nick is None:
                    u.nick = msg
                    print(msg, "connected")
                    send_all(msg + " joined the chat", u)
                elif msg == "exit":
                    raise ConnectionError
                elif msg:
                    send_all(u.nick + ": " + msg, u)
    except:
        pass
    with users_lock:
        users.remove(u)
    if u.nick:
        send_all(u.nick + " left the chat")
    u.dead = True
    u.sock.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(100)
print("server on", PORT)
while True:
    c, a = s.accept()
    u = User(c)
    with users_lock:
        users.append(u)
    threading.Thread(target=client_thread, args=(u,), daemon=True).start()
