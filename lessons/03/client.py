"""Урок 03: UDP-чат на многих пользователей, клиент — заготовка.

Lesson 03: multi-user UDP chat, client side — starter code.

Программа уже запускается: создаёт UDP-сокет и спрашивает имя. Дальше — ваша работа
(шаги со словом TODO, подробности в README.md):

  шаг 4 — receive_loop: поток-получатель, печатающий каждую датаграмму от сервера;
  шаг 5 — main: отправить имя, запустить получателя, отправлять набранные строки;
  шаг 6 — exit и конец ввода: отправить датаграмму "exit" и завершиться с кодом 0.

It already runs: it creates a UDP socket and asks for a nickname. The rest is your work
(TODO marks, details in README.en.md): step 4, receive_loop prints every datagram from
the server; step 5, main sends the nickname, starts the receiver, sends typed lines;
step 6, exit and end of input send the datagram "exit", exit code 0.

Запуск / run: python client.py [--port N]   (сначала / first: server.py)
"""

import argparse
import os
import socket
import sys
import threading  # noqa: F401 (понадобится на шаге 5 / needed in step 5)

HOST = "127.0.0.1"  # адрес сервера: эта же машина / the server is on this machine
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT
MAX_DATAGRAM = 65535  # больше любой датаграммы / larger than any datagram (max 65,507 B)
EXIT_WORD = "exit"  # строка и датаграмма выхода / the line (and datagram) that leaves


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="UDP-чат, клиент (урок 03)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock, server):
    """Поток-получатель: печатать каждую датаграмму, пришедшую с адреса server.

    Receiving thread: print every datagram that comes from the address server.
    """
    # TODO (шаг 4): в цикле data, addr = sock.recvfrom(MAX_DATAGRAM); датаграммы не от
    #   server пропускать; остальные декодировать (errors="replace") и печатать с
    #   flush=True. OSError — выйти из цикла. (Поток, который уже ждёт в recvfrom,
    #   close() на Linux не будит: поток-демон просто кончится вместе с процессом.)
    # TODO (step 4): loop data, addr = sock.recvfrom(MAX_DATAGRAM); skip datagrams not
    #   from server; decode the rest (errors="replace") and print them with flush=True.
    #   OSError: leave the loop. (close() on Linux does not wake a thread already
    #   waiting in recvfrom: a daemon thread simply ends with the process.)
    pass


def send(sock, server, text):
    """Отправить одно сообщение text (str) одной датаграммой на адрес server.

    Send one message text (str) as one datagram to the address server.
    """
    # TODO (шаг 5): sock.sendto(...) с текстом в UTF-8. Датаграмма длиннее 65 507 байт
    #   не бывает: sendto бросит OSError — лучше проверить длину и сказать пользователю.
    # TODO (step 5): sock.sendto(...) with the text in UTF-8. No datagram is longer
    #   than 65,507 bytes: sendto raises OSError, so check the length and tell the user.
    pass


def main():
    args = parse_args()
    server = (HOST, args.port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Занимаем свободный порт сразу (порт 0 = «любой свободный»): получателю нужен
    # адрес, на котором ждать, ещё до первой отправки.
    # Take a free port now (port 0 = "any free one"): the receiver needs an address to
    # wait on before the first send.
    sock.bind((HOST, 0))

    # Приглашение отдельной строкой и с flush: программу могут вести через канал (pipe).
    # The prompt on a line of its own, flushed: the program may be driven through a pipe.
    print(f"UDP-чат, сервер {server[0]}:{server[1]}. Введите ваше имя:", flush=True)
    # TODO (шаг 5): прочитать имя (input), отправить его первой датаграммой, запустить
    #   receive_loop в потоке-демоне (daemon=True), затем в цикле читать строки и
    #   отправлять каждую датаграммой.
    # TODO (step 5): read the nickname (input), send it as the first datagram, start
    #   receive_loop in a daemon thread (daemon=True), then loop: read a line, send it
    #   as a datagram.
    # TODO (шаг 6): на EXIT_WORD, EOFError и KeyboardInterrupt отправить датаграмму
    #   EXIT_WORD, напечатать "Вы вышли из чата." и выйти из main.
    # TODO (step 6): on EXIT_WORD, EOFError and KeyboardInterrupt send the datagram
    #   EXIT_WORD, print "Вы вышли из чата." ("you left the chat") and return from main.
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    # Placeholder: wait for the end of input, do nothing. Replace it with your code.
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    sock.close()


if __name__ == "__main__":
    main()
