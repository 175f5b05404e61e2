import queue
import socket
import threading

HOST, PORT = "127.0.0.1", 9090


class Client(threading.Thread):
    """Поток одного участника. Сообщения видят все, в том числе сам автор (эхо)."""

    everyone = []
    lock = threading.Lock()

    def __init__(self, conn):
        super().__init__(daemon=True)
        self.conn = conn
        self.nick = None
        self.outbox = queue.Queue(maxsize=300)
        threading.Thread(target=self.write_loop, daemon=True).start()

    def write_loop(self):
        while (data := self.outbox.get()) is not None:
            try:
                self.conn.sendall(data)
            except OSError:
                break

    def push(self, data):
        try:
            self.outbox.put(data, timeout=2)
        except queue.Full:  # не читает больше 2 секунд - выгоняем
            try:
                self.conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @classmethod
    def say(cls, text):
        with cls.lock:
            members = list(cls.everyone)
        for member in members:
            member.push((text + "\n").encode("utf-8"))

    def run(self):
        buffer = b""
        try:
            while chunk := self.conn.recv(4096):
                *lines, buffer = (buffer + chunk).split(b"\n")
                for raw in lines:
                    text = raw.decode("utf-8", "replace").strip()
                    if self.nick is None and text:
                        self.nick = text
                        with Client.lock:
                            Client.everyone.append(self)
                        Client.say(f"[+] {self.nick} вошёл в чат")
                    elif text:
                        Client.say(f"[{self.nick}] {text}")
        except OSError:
            pass
        with Client.lock:
            if self in Client.everyone:
                Client.everyone.remove(self)
        if self.nick:
            Client.say(f"[-] {self.nick} покинул чат")
        self.conn.close()
        try:
            self.outbox.put_nowait(None)
        except queue.Full:
            pass


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((HOST, PORT))
listener.listen(64)
print("chat server on", PORT)
while True:
    Client(listener.accept()[0]).start()
