"""Урок 05 (бонус): тот же чат в одном потоке — asyncio, цикл событий.

Lesson 05 (bonus): the same chat in one thread — asyncio, an event loop.

Протокол и правила — как у server.py рядом (SendQ на потоках): приветствие, уникальные
имена, очистка управляющих символов, предел строки, уведомления о входе и выходе, прощание
при остановке. Разница — в устройстве:

* Один поток на всех. Цикл событий (event loop) сам следит за всеми сокетами (epoll в
  Linux) и будит ту корутину handle, чей клиент что-то прислал. Корутина ждёт только в
  await; между двумя await никто другой не работает, поэтому общему списку клиентов не
  нужен замок.
* writer.write(data) никогда не ждёт: что ядро не взяло сразу, транспорт asyncio держит в
  своём буфере и дописывает, когда сокет снова готов, — это и есть «хвост» клиента (SendQ).
  Его размер — transport.get_write_buffer_size(); перерос SENDQ_LIMIT — клиент не читает,
  отключаем. Ни потоков-писателей, ни замков.
* Рассылка не делает await: ни одна строка не ждёт ни одного получателя.

Запуск: python server_asyncio.py [--port N]   (порт также берётся из переменной CHAT_PORT)
"""

import argparse
import asyncio
import os
import re
import signal
import socket

HOST = "127.0.0.1"  # только локальная машина: учебному серверу не нужен внешний мир
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
MAX_LINE = 64 * 1024 + 1024  # как в server.py: сообщение в 64 КиБ проходит
MAX_NAME = 32  # самое длинное допустимое имя, в символах
SENDQ_LIMIT = 4 * 1024 * 1024  # сколько байт может ждать отправки одному клиенту
SEND_GRACE = 2.0  # сколько секунд уходящему клиенту дописывается его хвост
EXIT_WORDS = {"exit", "/quit", "выйти"}  # эти строки сервер понимает как выход

# ANSI-последовательности и управляющие символы, как в server.py.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Client:
    """Одно соединение: его StreamWriter, имя и причина отключения."""

    def __init__(self, writer):
        self.writer = writer
        self.name = None  # None, пока клиент не представился
        self.reason = None  # почему сервер отключил клиента (для уведомления о выходе)

    def send_line(self, text):
        self.send((text + "\n").encode("utf-8"))

    def send(self, data):
        """Отправить байты этому клиенту. Никогда не ждёт."""
        if self.writer.is_closing():
            return
        self.writer.write(data)  # что ядро не взяло, осталось в буфере транспорта
        if self.writer.transport.get_write_buffer_size() > SENDQ_LIMIT:
            self.reason = "не успевает читать"
            # abort: закрыть сразу, выбросив хвост. Его handle получит конец потока
            # (readline вернёт b"") и разошлёт уведомление о выходе.
            self.writer.transport.abort()


clients = []  # все подключённые клиенты; один поток — замок не нужен


def clean(text):
    """Убрать ANSI-последовательности и управляющие символы; обрезать пробелы по краям."""
    return CONTROL.sub("", ANSI_ESCAPE.sub("", text)).strip()


def broadcast(text, sender=None):
    """Разослать строку всем представившимся клиентам, кроме отправителя. Не ждёт."""
    data = (text + "\n").encode("utf-8")
    for client in list(clients):  # копия: send может отключить клиента
        if client.name and client is not sender:
            client.send(data)


async def read_line(reader):
    """Следующая строка от клиента или None, если он закрыл соединение.

    ValueError — строка длиннее MAX_LINE (предел limit= у start_server)."""
    line = await reader.readline()  # сама копит куски, пока не придёт b"\n"
    if not line.endswith(b"\n"):  # b"" или недописанная строка перед концом потока
        return None
    return clean(line.decode("utf-8", errors="replace"))


async def ask_name(client, reader):
    """Читать строки, пока клиент не назовёт свободное имя; объявить о входе."""
    while (name := await read_line(reader)) is not None:
        if name in EXIT_WORDS:
            return None
        if not name:
            client.send_line("Имя не может быть пустым, введите другое:")
        elif len(name) > MAX_NAME:
            client.send_line(f"Имя длиннее {MAX_NAME} символов, введите другое:")
        elif any(c.name == name for c in clients):
            client.send_line("Имя занято, введите другое:")
        else:
            # Проверка и запись имени — без await между ними: никто не вклинится.
            client.name = name
            print(f"{name} подключился", flush=True)
            broadcast(f"*** {name} присоединился к чату", sender=client)
            others = [c.name for c in clients if c.name is not None and c is not client]
            online = ", ".join(others) if others else "пока никого"
            client.send_line(
                f"Добро пожаловать в чат, {name}! Сейчас в чате: {online}. Для выхода введите exit."
            )
            return name
    return None


async def close_client(client, timeout):
    """Закрыть соединение, дав хвосту уйти, но не дольше timeout секунд."""
    client.writer.close()  # закроет, когда буфер транспорта допишется
    try:
        await asyncio.wait_for(client.writer.wait_closed(), timeout)
    except (OSError, asyncio.TimeoutError):  # обрыв или клиент не читает
        client.writer.transport.abort()


async def handle(reader, writer):
    """Корутина одного клиента: имя, затем сообщения, затем выход."""
    client = Client(writer)
    clients.append(client)
    try:
        name = await ask_name(client, reader)
        if name is None:
            return
        while (text := await read_line(reader)) is not None:
            if text in EXIT_WORDS:
                break
            if text:  # пустые строки никому не интересны
                broadcast(f"{name}: {text}", sender=client)
    except ValueError:  # строка длиннее MAX_LINE
        client.send_line(f"Строка длиннее {MAX_LINE} байт без перевода строки, отключаю.")
    except OSError:  # соединение сброшено (RST)
        pass
    finally:
        clients.remove(client)
        if client.name is not None:
            print(f"{client.name} вышел", flush=True)
            why = f" ({client.reason})" if client.reason else ""
            broadcast(f"*** {client.name} вышел из чата{why}")
        await close_client(client, SEND_GRACE)


async def serve(port):
    # limit: самая длинная строка для readline; backlog: 1000 клиентов разом подождут.
    server = await asyncio.start_server(
        handle, HOST, port, limit=MAX_LINE, backlog=socket.SOMAXCONN, reuse_address=True
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # только Unix; Windows: Ctrl+C прервёт run
        loop.add_signal_handler(sig, stop.set)
    print(f"Сервер чата слушает {HOST}:{port} (Ctrl+C — остановить)", flush=True)
    await stop.wait()
    print("Сервер останавливается...", flush=True)
    server.close()  # больше не принимаем
    everyone = list(clients)
    for client in everyone:
        client.send_line("*** Сервер остановлен. До свидания!")
    # Общий срок на всех: дописать прощание и закрыть.
    await asyncio.gather(*(close_client(c, SEND_GRACE) for c in everyone))


def main():
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат на asyncio")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт (по умолчанию CHAT_PORT или 9090)",
    )
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
