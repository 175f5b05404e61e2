"""Многопользовательский TCP-чат: сервер (эталонное решение задания 4).

Multi-user TCP chat server (reference solution of lesson 04).

Протокол курса: текст в UTF-8, одно сообщение = одна строка, оканчивающаяся на "\\n"
("\\r\\n" тоже принимается). Первая строка от клиента — его имя. Остальные строки —
сообщения, которые сервер рассылает всем остальным участникам как "имя: текст".

Как устроен сервер:

* Главный поток только принимает соединения (accept) и для каждого клиента запускает
  поток-читатель. Имя читается уже в потоке клиента: клиент, который молчит, не задерживает
  приём остальных.
* Общий список клиентов защищён замком (lock). Под замком мы только читаем и меняем
  список; отправка данных под замком запрещена: один медленный клиент остановил бы всех.
* У каждого клиента своя очередь исходящих строк ограниченного размера и поток-писатель,
  который берёт строки из очереди и вызывает sendall. Рассылка лишь кладёт строку в
  очереди; если очередь клиента полна, рассылка ждёт место не дольше OUTBOX_WAIT секунд.
  Не освободилось — клиент перестал читать: сервер отключает его, а остальные получают
  уведомление о выходе.
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
import queue
import re
import signal
import socket
import sys
import threading
import time
import unicodedata

HOST = "127.0.0.1"  # только локальная машина: учебному серверу не нужен внешний мир
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT

RECV_SIZE = 65536  # сколько байт просим у recv за раз (придёт столько, сколько есть)
# Самая длинная строка, которую мы готовы копить без "\n". Сообщения до 64 КиБ
# доставляются; ещё 1 КиБ — запас, чтобы сообщение ровно в 64 КиБ вместе с "\r\n"
# никогда не отвергалось. Без предела один клиент, не присылающий "\n", съел бы память.
MAX_LINE = 64 * 1024 + 1024
MAX_NAME = 32  # самое длинное допустимое имя, в символах
# Сколько строк может ждать отправки одному клиенту. Обычно очередь почти пуста, но
# когда кто-то шлёт много и быстро, она заполняется и у тех, кто читает исправно.
OUTBOX_LIMIT = 256
# Поэтому при полной очереди мы не отключаем сразу, а ждём место до OUTBOX_WAIT секунд:
# быстрый отправитель ненадолго притормозит, а тот, кто за это время не прочитал ни
# строки, действительно перестал читать — его и отключаем.
OUTBOX_WAIT = 1.0
SEND_GRACE = 2.0  # сколько секунд ждём, пока уходящему клиенту допишутся его строки
EXIT_WORDS = {"exit", "/quit", "выйти"}  # эти строки сервер понимает как выход

# ANSI-последовательности (ESC [ ... буква и ESC + один символ): "\x1b[2J" очищает экран.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")


class LineTooLong(Exception):
    """Клиент прислал больше MAX_LINE байт без перевода строки."""


class Client:
    """Одно соединение: сокет, имя (None, пока не представился) и очередь на отправку."""

    def __init__(self, sock):
        self.sock = sock
        self.name = None
        self.dropped = False  # True, как только сервер решил отключить клиента
        self.outbox = queue.Queue(maxsize=OUTBOX_LIMIT)
        self.writer = threading.Thread(target=self.write_loop, daemon=True)

    def send_line(self, text):
        """Поставить строку в очередь. False — очередь полна дольше OUTBOX_WAIT секунд."""
        try:
            self.outbox.put((text + "\n").encode("utf-8"), timeout=OUTBOX_WAIT)
            return True
        except queue.Full:
            return False

    def write_loop(self):
        """Поток-писатель: единственное место, где этому клиенту вызывается sendall."""
        while True:
            data = self.outbox.get()
            if data is None:  # None в очереди — сигнал «больше писать нечего»
                return
            try:
                self.sock.sendall(data)
            except OSError:  # клиент ушёл; читатель заметит это и всё уберёт
                self.cut_off()
                return

    def cut_off(self):
        """Оборвать соединение из любого потока.

        shutdown, в отличие от close, будит потоки, заблокированные на этом сокете:
        recv в читателе вернёт b"" (и читатель разошлёт уведомление о выходе),
        sendall в писателе завершится ошибкой.
        """
        self.dropped = True  # рассылка сразу перестаёт ждать этого клиента
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # уже закрыт — нам того и надо
            pass


clients = []  # все подключённые клиенты, в том числе ещё не назвавшие имя
clients_lock = threading.Lock()  # охраняет список clients и поля name


def clean(text):
    """Убрать ANSI-последовательности и управляющие символы, чтобы никто не мог
    очистить другим экран или сдвинуть курсор; обрезать пробелы по краям."""
    text = ANSI_ESCAPE.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    return text.strip()


def read_lines(sock):
    """Генератор строк из сокета: собирает их из кусков, которые отдаёт recv.

    Заканчивается, когда клиент закрыл соединение. Бросает LineTooLong, если строка
    длиннее MAX_LINE байт, и OSError, если соединение оборвано.
    """
    buffer = bytearray()  # bytearray: дописывание в конец не копирует весь буфер заново
    while True:
        chunk = sock.recv(RECV_SIZE)
        if not chunk:  # b"" — клиент закрыл соединение
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
    # Под замком только снимаем копию списка: отправка под замком остановила бы всех.
    with clients_lock:
        receivers = [c for c in clients if c.name and not c.dropped and c is not sender]
    for client in receivers:
        if not client.send_line(text):
            # Очередь полна: клиент давно не читает. Отключаем его, чтобы не копить
            # память; его читатель увидит обрыв и разошлёт уведомление о выходе.
            client.cut_off()


def ask_name(client, lines):
    """Читать строки, пока клиент не назовёт свободное имя. None — ушёл, не назвавшись."""
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
        online = ", ".join(others) if others else "пока никого"
        client.send_line(
            f"Добро пожаловать в чат, {name}! Сейчас в чате: {online}. Для выхода введите exit."
        )
        return name
    return None


def serve_client(client):
    """Поток-читатель одного клиента: имя, затем сообщения, затем выход."""
    client.writer.start()
    try:
        lines = read_lines(client.sock)
        name = ask_name(client, lines)
        if name is None:
            return
        print(f"{name} подключился", flush=True)
        broadcast(f"*** {name} присоединился к чату", sender=client)
        for text in lines:
            if not text:  # пустые строки никому не интересны
                continue
            if text in EXIT_WORDS:
                break
            broadcast(f"{name}: {text}", sender=client)
    except LineTooLong:
        client.send_line(f"Строка длиннее {MAX_LINE} байт без перевода строки, отключаю.")
    except OSError:
        pass  # соединение сброшено (RST) или оборвано нами — в любом случае клиент ушёл
    finally:
        disconnect(client)


def disconnect(client):
    """Убрать клиента из списка, сообщить остальным и закрыть сокет. Ровно один раз."""
    with clients_lock:
        clients.remove(client)
        name = client.name
    if name is not None:
        print(f"{name} вышел", flush=True)
        broadcast(f"*** {name} вышел из чата")
    # Даём писателю дописать то, что уже в очереди (например, объяснение, почему мы
    # отключаем клиента), но не дольше SEND_GRACE: клиент может и не читать.
    try:
        client.outbox.put_nowait(None)
    except queue.Full:
        pass  # очередь полна — значит, клиент не читает; cut_off ниже разбудит писателя
    client.writer.join(SEND_GRACE)
    client.cut_off()
    client.sock.close()


def stop_server(signum, frame):
    """SIGTERM и SIGINT превращаем в KeyboardInterrupt: он прервёт accept в главном потоке."""
    raise KeyboardInterrupt


def say_goodbye():
    """При остановке сервера: предупредить всех, дать строкам уйти, закрыть сокеты."""
    with clients_lock:
        everyone = list(clients)
    for client in everyone:
        client.send_line("*** Сервер остановлен. До свидания!")
        try:
            client.outbox.put_nowait(None)
        except queue.Full:
            pass
    deadline = time.monotonic() + SEND_GRACE  # общий срок на всех, а не на каждого
    for client in everyone:
        client.writer.join(max(0.0, deadline - time.monotonic()))
    for client in everyone:
        client.cut_off()
        client.sock.close()


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
