# chat server, bonus task 5
# every client has his own queue + sender thread, so nobody waits for a slow client.
# if too much is waiting for a client he is not reading -> kick him
import queue
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090
MAX_LINE = 32 * 1024  # longer messages are spam, nobody gets them
MAX_WAITING = 32 * 1024  # 32 KB not sent yet = he stopped reading

clients = []
lock = threading.Lock()


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.nick = None
        self.q = queue.Queue()
        self.waiting = 0  # bytes in the queue


def sender(c):
    while True:
        msg = c.q.get()
        if msg is None:
            break
        c.waiting -= len(msg)
        try:
            c.sock.sendall(msg)
        except:
            break


def kick(c):
    print("kicking", c.nick, "- too slow")
    try:
        c.sock.shutdown(socket.SHUT_RDWR)
    except:
        pass


def broadcast(text, skip=None):
    msg = (text + "\n").encode("utf-8")
    with lock:
        targets = [c for c in clients if c.nick and c is not skip]
    for c in targets:
        if c.waiting > MAX_WAITING:
            kick(c)
            continue
        c.waiting += len(msg)
        c.q.put(msg)


def handle(c):
    threading.Thread(target=sender, args=(c,), daemon=True).start()
    buf = b""
    try:
        while True:
            data = c.sock.recv(65536)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if len(line) > MAX_LINE:
                    print("too long message from", c.nick)
                    continue
                text = line.decode("utf-8", "replace").strip()
                if c.nick is None:
                    c.nick = text
                    print(text, "joined")
                    broadcast(text + " joined the chat", c)
                elif text == "/quit":
                    raise ConnectionError
                elif text:
                    broadcast(c.nick + ": " + text, c)
    except:
        pass
    with lock:
        clients.remove(c)
    if c.nick:
        broadcast(c.nick + " left the chat")
    c.q.put(None)
    c.sock.close()


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(50)
print("listening on", PORT)
while True:
    conn, addr = srv.accept()
    c = Client(conn)
    with lock:
        clients.append(c)
    threading.Thread(target=handle, args=(c,), daemon=True).start()
