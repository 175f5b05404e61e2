"""Урок 03: UDP-чат на многих пользователей, клиент — заготовка.

Lesson 03: multi-user UDP chat, client side — starter code.

Программа уже запускается: создаёт UDP-сокет и спрашивает имя. Дальше — ваша работа
(шаги со словом TODO, подробности в README.md):

  шаг 4 — receive_loop: поток-получатель, печатающий каждую датаграмму от сервера;
  шаг 5 — main: отправить имя, запустить получателя, отправлять набранные строки;
  шаг 6 — exit и конец ввода: отправить датаграмму "exit" и завершиться с кодом 0.

Запуск: python client.py [--port N]   (сначала запустите server.py)
"""

import argparse
import os
import socket
import sys
import threading  # noqa: F401 (понадобится на шаге 5)

HOST = "127.0.0.1"  # адрес сервера: эта же машина
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
MAX_DATAGRAM = 65535  # самая большая UDP-датаграмма: буфер меньше обрезал бы сообщения
EXIT_WORD = "exit"  # строка (и датаграмма), которой пользователь выходит из чата


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
    """Поток-получатель: печатать каждую датаграмму, пришедшую с адреса server."""
    # TODO (шаг 4): в цикле data, addr = sock.recvfrom(MAX_DATAGRAM); датаграммы не от
    #   server пропускать; остальные декодировать (errors="replace") и печатать с
    #   flush=True. OSError (сокет закрыт) — выйти из цикла.
    pass


def send(sock, server, text):
    """Отправить одно сообщение text (str) одной датаграммой на адрес server."""
    # TODO (шаг 5): sock.sendto(...) с текстом в UTF-8.
    pass


def main():
    args = parse_args()
    server = (HOST, args.port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Занимаем свободный порт сразу (порт 0 = «любой свободный»): получателю нужен
    # адрес, на котором ждать, ещё до первой отправки.
    sock.bind((HOST, 0))

    # Приглашение отдельной строкой и с flush: программу могут вести через канал (pipe).
    print(f"UDP-чат, сервер {server[0]}:{server[1]}. Введите ваше имя:", flush=True)
    # TODO (шаг 5): прочитать имя (input), отправить его первой датаграммой, запустить
    #   receive_loop в потоке-демоне (daemon=True), затем в цикле читать строки и
    #   отправлять каждую датаграммой.
    # TODO (шаг 6): на EXIT_WORD, EOFError и KeyboardInterrupt отправить датаграмму
    #   EXIT_WORD, напечатать "Вы вышли из чата." и выйти из main.
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    sock.close()


if __name__ == "__main__":
    main()
