"""Урок 05 (бонус): медленные клиенты. Сервер чата с SendQ — эталонное решение.

Lesson 05 (bonus): slow consumers. A chat server with a SendQ — the reference solution.

Тот же чат, что в уроке 04, но без очереди строк и без постоянного потока-писателя на
каждого клиента: рассылка пишет в сокет получателя прямо из потока отправителя, не
ожидая (MSG_DONTWAIT), а что не влезло — в ограниченный хвост. Та же идея в одном потоке
с циклом событий — server_asyncio.py рядом.

Протокол курса: текст в UTF-8, одно сообщение = одна строка, оканчивающаяся на "\\n"
("\\r\\n" тоже принимается). Первая строка от клиента — его имя. Остальные строки —
сообщения, которые сервер рассылает всем остальным участникам как "имя: текст".

Как устроен сервер:

* Главный поток только принимает соединения (accept) и для каждого клиента запускает
  поток-читатель. Имя читается уже в потоке клиента: клиент, который молчит, не задерживает
  приём остальных.
* Общий список клиентов защищён замком (lock). Под замком мы только читаем и меняем
  список, но никогда не работаем с сокетами: один медленный клиент остановил бы всех.
* Рассылка пишет строку в сокет каждого получателя прямо из потока отправителя, но так,
  чтобы send никогда не ждал (флаг MSG_DONTWAIT): он кладёт байты в буфер ядра, пока там
  есть место, — то есть почти всегда, — и строка уходит сразу, без очередей и потоков.
  MSG_DONTWAIT есть только в Unix (Linux, macOS); в Windows этого флага нет, там ту же
  идею даёт asyncio (server_asyncio.py).
* Что не поместилось, ложится в «хвост» этого клиента (pending, как SendQ в IRC-серверах),
  и хвост отправляет поток-писатель клиента. Писатель запускается, только когда хвост
  появился, и завершается, когда хвост ушёл. Пока хвост не пуст, новые строки встают за
  ним: порядок строк у каждого получателя не нарушается никогда.
* Хвост ограничен: кто не читает так долго, что хвост перерос SENDQ_LIMIT байт, того
  сервер сразу отключает, а остальные получают уведомление. Никто никогда не ждёт
  медленного клиента, и память на него ограничена.
* TCP — поток байтов, а не сообщений: recv может вернуть половину строки, несколько
  строк сразу или половину многобайтной буквы. Поэтому мы копим байты в буфере и режем
  его по b"\\n" и только потом декодируем: байт "\\n" никогда не встречается внутри
  многобайтного символа UTF-8, так что разрезанная буква склеится в буфере сама.
* Уведомление о выходе рассылает ровно одна функция, disconnect(), и вызывается она
  ровно один раз — в конце потока-читателя, как бы клиент ни ушёл: закрыл соединение,
  написал exit, оборвал связь или был отключён сервером.
* Ctrl+C (SIGINT) и SIGTERM: сервер сообщает всем клиентам, что останавливается,
  закрывает сокеты и завершается с кодом 0.

Запуск: python server.py [--port N]   (порт также берётся из переменной CHAT_PORT)
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
        """Отправить байты этому клиенту из любого потока. Никогда не ждёт."""
        with self.lock:
            if self.closed:
                return
            if not self.pending:
                # Хвоста нет — пишем прямо в сокет. С MSG_DONTWAIT send не ждёт места
                # в буфере ядра: кладёт, сколько влезло, и говорит сколько (или, если не
                # влезло ничего, бросает BlockingIOError).
                try:
                    sent = self.sock.send(data, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    sent = 0
                except OSError:  # EPIPE, ECONNRESET: клиент уже ушёл
                    self.cut_off("соединение оборвано")
                    return
                data = data[sent:]
                if not data:
                    return  # обычный случай: всё ушло сразу
            # Остаток строки (или вся строка, если хвост уже есть) — в конец хвоста.
            self.pending += data
            if len(self.pending) > SENDQ_LIMIT:
                self.cut_off("не успевает читать")
            elif self.writer is None:
                self.writer = threading.Thread(target=self.write_loop, daemon=True)
                self.writer.start()

    def write_loop(self):
        """Поток-писатель: отправляет хвост, пока он не кончится, и завершается."""
        while True:
            with self.lock:
                if not self.pending or self.closed:
                    self.writer = None  # следующий хвост запустит нового писателя
                    return
                # Копия начала хвоста: пока мы ждём в send, рассылка дописывает хвост.
                chunk = self.pending[:SEND_CHUNK]
            try:
                # Без замка и без MSG_DONTWAIT: писателю можно ждать, пока клиент
                # прочитает, — рассылку это не задерживает.
                sent = self.sock.send(chunk)
            except OSError:  # клиент ушёл или отключён (shutdown будит send ошибкой)
                with self.lock:
                    self.cut_off("соединение оборвано")
                    self.writer = None
                return
            with self.lock:
                del self.pending[:sent]  # то, что ушло, из хвоста убираем

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
