"""Урок 05 (бонус): медленные клиенты — сервер чата с SendQ, заготовка.

Lesson 05 (bonus): slow consumers — a chat server with a SendQ, starter code.

Весь чат уже написан: приём соединений, поток-читатель на клиента, строки, имена,
уведомления, остановка. Не написана отправка — методы Client.send и Client.write_loop
(шаги со словом TODO, подробности в README.md):

  шаг 2 — send: писать в сокет без ожидания (MSG_DONTWAIT), остаток — в хвост клиента;
  шаг 3 — write_loop: поток-писатель отправляет хвост и завершается, когда тот ушёл;
  шаг 4 — предел: хвост длиннее SENDQ_LIMIT — отключить клиента (cut_off).

The whole chat is written already: accepting, a reader thread per client, lines,
nicknames, notices, stopping. Sending is not: the methods Client.send and
Client.write_loop (the TODO steps, details in README.en.md):

  step 2 — send: write to the socket without waiting (MSG_DONTWAIT), the rest to the
           client's tail;
  step 3 — write_loop: the writer thread sends the tail and ends once it is gone;
  step 4 — the limit: a tail longer than SENDQ_LIMIT: drop the client (cut_off).

MSG_DONTWAIT есть только в Unix (Linux, macOS, WSL) / MSG_DONTWAIT is Unix-only.

Запуск / run: python server.py [--port N]
Нагрузка / load: python -m autograder load lessons/05 --slow
"""

import argparse
import os
import re
import signal
import socket
import sys
import threading
import time

HOST = "127.0.0.1"  # только локальная машина: учебному серверу не нужен внешний мир
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT

RECV_SIZE = 65536  # сколько байт просим у recv за раз (придёт столько, сколько есть)
# Самая длинная строка, которую мы готовы копить без "\n". Сообщения до 64 КиБ
# доставляются; ещё 1 КиБ — запас, чтобы сообщение ровно в 64 КиБ вместе с "\r\n"
# никогда не отвергалось. Без предела один клиент, не присылающий "\n", съел бы память.
MAX_LINE = 64 * 1024 + 1024
MAX_NAME = 32  # самое длинное допустимое имя, в символах
# Сколько байт может ждать отправки одному клиенту сверх буфера ядра. У того, кто читает,
# хвост почти всегда пуст; но когда кто-то шлёт мегабайты подряд, хвост бывает и у того,
# кто читает исправно, только медленнее, чем сервер рассылает (в наших замерах — до
# 1,5 МБ). 4 МиБ — запас на такой всплеск. Хвост длиннее — клиент давно не читает:
# отключаем его, а не копим память.
SENDQ_LIMIT = 4 * 1024 * 1024
SEND_CHUNK = 65536  # сколько байт хвоста писатель отдаёт send за один вызов
SEND_GRACE = 2.0  # сколько секунд ждём, пока уходящему клиенту допишется его хвост
EXIT_WORDS = {"exit", "/quit", "выйти"}  # эти строки сервер понимает как выход

# ANSI-последовательности (ESC [ ... буква и ESC + один символ): "\x1b[2J" очищает экран.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
# Управляющие символы (категория Unicode Cc): \x00-\x1f, \x7f-\x9f, в том числе \r и \x07.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class LineTooLong(Exception):
    """Клиент прислал больше MAX_LINE байт без перевода строки."""


class Client:
    """Одно соединение: сокет, имя и хвост — байты, которые ещё не ушли в сеть."""

    def __init__(self, sock):
        self.sock = sock
        self.name = None  # None, пока клиент не представился
        # Свой замок у каждого клиента: охраняет pending, writer и closed. Под ним send
        # только с MSG_DONTWAIT, который не ждёт, — так что замок держат лишь мгновение.
        self.lock = threading.Lock()
        self.pending = bytearray()  # хвост: байты, которым не хватило места в буфере ядра
        self.writer = None  # поток, отправляющий хвост; живёт, только пока хвост не пуст
        self.closed = False  # True, как только соединение закрыто для отправки
        self.reason = None  # почему сервер отключил клиента (для уведомления о выходе)

    def send_line(self, text):
        """Отправить одну строку этому клиенту."""
        self.send((text + "\n").encode("utf-8"))

    def send(self, data):
        """Отправить байты этому клиенту из любого потока. Никогда не ждёт.
        / Send bytes to this client from any thread. Never waits."""
        # TODO (шаг 2): всё — под self.lock (свой замок клиента), и ничего под ним не ждёт.
        #   Клиент закрыт (self.closed) — ничего не делать. Хвоста нет (not self.pending) —
        #   писать прямо в сокет: sent = self.sock.send(data, socket.MSG_DONTWAIT); он
        #   кладёт, сколько влезло в буфер ядра, и не ждёт; не влезло ничего —
        #   BlockingIOError (sent = 0); другой OSError — клиент ушёл: self.cut_off(...).
        #   Остаток data[sent:] (или всё, если хвост уже есть: порядок!) — в конец
        #   self.pending. Хвост не пуст, а писателя нет (self.writer is None) — запустить
        #   threading.Thread(target=self.write_loop, daemon=True).
        # TODO (шаг 4): хвост длиннее SENDQ_LIMIT — клиент давно не читает:
        #   self.cut_off("не успевает читать") вместо писателя.
        # TODO (step 2): everything under self.lock (the client's own lock), and nothing
        #   under it waits. A closed client (self.closed): do nothing. No tail (not
        #   self.pending): write straight to the socket:
        #   sent = self.sock.send(data, socket.MSG_DONTWAIT); it puts as much as fits in
        #   the kernel's buffer and never waits; nothing fits: BlockingIOError (sent = 0);
        #   any other OSError: the client is gone, self.cut_off(...). The rest data[sent:]
        #   (or all of it when there is a tail already: the order!) goes to the end of
        #   self.pending. A tail and no writer (self.writer is None): start
        #   threading.Thread(target=self.write_loop, daemon=True).
        # TODO (step 4): a tail longer than SENDQ_LIMIT: the client stopped reading long
        #   ago: self.cut_off("не успевает читать") instead of a writer.
        # Заглушка: никому ничего не отправляет. / A stub: sends nothing to anyone.
        pass

    def write_loop(self):
        """Поток-писатель: отправляет хвост, пока он не кончится, и завершается.
        / The writer thread: sends the tail until it is gone, then ends."""
        # TODO (шаг 3): в цикле: под self.lock — хвост пуст или клиент закрыт:
        #   self.writer = None и выйти; иначе копия начала хвоста
        #   chunk = self.pending[:SEND_CHUNK]. Без замка: sent = self.sock.send(chunk)
        #   (писателю ждать можно: рассылку это не держит); OSError — под замком
        #   self.cut_off(...), self.writer = None, выйти. Под замком:
        #   del self.pending[:sent].
        # TODO (step 3): in a loop: under self.lock: an empty tail or a closed client:
        #   self.writer = None and return; otherwise copy the tail's head,
        #   chunk = self.pending[:SEND_CHUNK]. Without the lock: sent = self.sock.send(chunk)
        #   (the writer may wait: the broadcast does not); OSError: under the lock
        #   self.cut_off(...), self.writer = None, return. Under the lock:
        #   del self.pending[:sent].
        # Заглушка: писателю нечего делать. / A stub: the writer has nothing to do.
        with self.lock:
            self.writer = None

    def cut_off(self, reason=None):
        """Оборвать соединение (из любого потока, под self.lock); reason — для остальных.

        shutdown, в отличие от close, будит потоки, заблокированные на этом сокете:
        recv в читателе вернёт b"" (и читатель разошлёт уведомление о выходе),
        send в писателе завершится ошибкой.
        """
        if self.closed:
            return
        self.closed = True
        self.reason = reason
        self.pending.clear()  # память хвоста отдаём сразу
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # уже закрыт — нам того и надо
            pass


clients = []  # все подключённые клиенты, в том числе ещё не назвавшие имя
clients_lock = threading.Lock()  # охраняет список clients и поля name


def clean(text):
    """Убрать ANSI-последовательности и управляющие символы, чтобы никто не мог
    очистить другим экран или сдвинуть курсор; обрезать пробелы по краям."""
    return CONTROL.sub("", ANSI_ESCAPE.sub("", text)).strip()


def read_lines(sock):
    """Генератор строк из сокета: собирает их из кусков, которые отдаёт recv.

    Заканчивается, когда клиент закрыл соединение. Бросает LineTooLong, если строка
    длиннее MAX_LINE байт, и OSError, если соединение оборвано.
    """
    buffer = bytearray()  # bytearray: дописывание в конец не копирует весь буфер заново
    while True:
        chunk = sock.recv(RECV_SIZE)
        if not chunk:  # b"" — клиент закрыл соединение (или сервер сделал shutdown)
            return
        buffer += chunk
        if b"\n" in chunk:
            # Последний кусок после "\n" — начало следующей строки, он остаётся в буфере.
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if len(line) > MAX_LINE:
                    raise LineTooLong
                # errors="replace": испорченные байты станут "�", а не уронят поток.
                yield clean(line.decode("utf-8", errors="replace"))
        if len(buffer) > MAX_LINE:
            raise LineTooLong


def broadcast(text, sender=None):
    """Разослать строку всем представившимся клиентам, кроме отправителя."""
    data = (text + "\n").encode("utf-8")  # кодируем один раз, а не для каждого получателя
    # Под общим замком только снимаем копию списка; отправляем уже без него.
    with clients_lock:
        receivers = [c for c in clients if c.name and c is not sender]
    for client in receivers:
        client.send(data)  # не ждёт: медленный получатель не задержит остальных


def ask_name(client, lines):
    """Читать строки, пока клиент не назовёт свободное имя; объявить о входе.

    Возвращает имя или None, если клиент ушёл, не назвавшись.
    """
    for name in lines:
        if name in EXIT_WORDS:
            return None
        if not name:
            client.send_line("Имя не может быть пустым, введите другое:")
            continue
        if len(name) > MAX_NAME:
            client.send_line(f"Имя длиннее {MAX_NAME} символов, введите другое:")
            continue
        # Проверка «имя свободно» и запись имени — под одним замком, иначе двое
        # клиентов могли бы одновременно проверить одно имя и оба его занять.
        with clients_lock:
            taken = any(c.name == name for c in clients)
            if not taken:
                client.name = name
            others = [c.name for c in clients if c.name is not None and c is not client]
        if taken:
            client.send_line("Имя занято, введите другое:")
            continue
        print(f"{name} подключился", flush=True)
        # Сначала уведомление остальным, потом приветствие. Наоборот тот, кто вошёл
        # сразу после нашего приветствия, мог бы получить уведомление о нашем входе,
        # хотя мы вошли раньше него.
        broadcast(f"*** {name} присоединился к чату", sender=client)
        online = ", ".join(others) if others else "пока никого"
        client.send_line(
            f"Добро пожаловать в чат, {name}! Сейчас в чате: {online}. Для выхода введите exit."
        )
        return name
    return None


def serve_client(client):
    """Поток-читатель одного клиента: имя, затем сообщения, затем выход."""
    try:
        lines = read_lines(client.sock)
        name = ask_name(client, lines)
        if name is None:
            return
        for text in lines:
            if not text:  # пустые строки никому не интересны
                continue
            if text in EXIT_WORDS:
                break
            broadcast(f"{name}: {text}", sender=client)
    except LineTooLong:
        client.send_line(f"Строка длиннее {MAX_LINE} байт без перевода строки, отключаю.")
    except OSError:
        pass  # соединение сброшено (RST) — клиент ушёл
    finally:
        disconnect(client)


def finish_writing(client, timeout):
    """Дать писателю клиента дописать хвост, но не дольше timeout секунд."""
    with client.lock:
        writer = client.writer
    if writer is not None:
        writer.join(timeout)


def close_client(client):
    """Закрыть соединение и сокет, не оставив писателя внутри send."""
    with client.lock:
        client.cut_off()
    # shutdown разбудил писателя, если тот ждал в send. Закрываем сокет, только когда
    # писатель ушёл: номер закрытого сокета ОС сразу отдаёт новому соединению, и send
    # писателя, успевший взять этот номер до close, записал бы в чужое соединение.
    finish_writing(client, SEND_GRACE)
    client.sock.close()


def disconnect(client):
    """Убрать клиента из списка, сообщить остальным и закрыть сокет. Ровно один раз."""
    with clients_lock:
        clients.remove(client)
        name = client.name
    if name is not None:
        print(f"{name} вышел", flush=True)
        why = f" ({client.reason})" if client.reason else ""
        broadcast(f"*** {name} вышел из чата{why}")
    # Уходящему даём дочитать хвост (например, объяснение, почему мы его отключаем).
    finish_writing(client, SEND_GRACE)
    close_client(client)


def stop_server(signum, frame):
    """SIGTERM и SIGINT превращаем в KeyboardInterrupt: он прервёт accept в главном потоке."""
    raise KeyboardInterrupt


def say_goodbye():
    """При остановке сервера: предупредить всех, дать строкам уйти, закрыть сокеты."""
    with clients_lock:
        everyone = list(clients)
    for client in everyone:
        client.send_line("*** Сервер остановлен. До свидания!")
    deadline = time.monotonic() + SEND_GRACE  # общий срок на всех, а не на каждого
    for client in everyone:
        finish_writing(client, max(0.0, deadline - time.monotonic()))
    for client in everyone:
        close_client(client)


def main():
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат: сервер")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт (по умолчанию CHAT_PORT или 9090)",
    )
    args = parser.parse_args()

    # Обработчики ставим до bind: сигнал может прийти в любой момент после старта.
    signal.signal(signal.SIGINT, stop_server)
    signal.signal(signal.SIGTERM, stop_server)

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # SO_REUSEADDR: после остановки сервера старые соединения ещё какое-то время висят
    # в состоянии TIME_WAIT; без этой опции перезапуск на том же порту получил бы
    # "Address already in use".
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    # Очередь ещё не принятых соединений: пусть сотня клиентов, пришедших разом,
    # подождёт своего accept, а не получит отказ.
    server.listen(socket.SOMAXCONN)
    print(f"Сервер чата слушает {HOST}:{args.port} (Ctrl+C — остановить)", flush=True)

    try:
        while True:
            try:
                conn, address = server.accept()
            except OSError as error:
                # Например, кончились файловые дескрипторы. Уже подключённые клиенты
                # не виноваты: ждём немного и продолжаем работать.
                print(f"Ошибка accept: {error}", file=sys.stderr, flush=True)
                time.sleep(0.1)
                continue
            client = Client(conn)
            with clients_lock:
                clients.append(client)
            # daemon=True: зависший клиент не помешает процессу завершиться.
            threading.Thread(target=serve_client, args=(client,), daemon=True).start()
    except KeyboardInterrupt:
        print("Сервер останавливается...", flush=True)
    finally:
        server.close()
        say_goodbye()


if __name__ == "__main__":
    main()
