"""Урок 02: чат на двоих, клиент — заготовка.

Lesson 02: two-user console chat, client side — starter code.

Программа уже запускается: подключается к server.py (или сообщает, что не смогла).
Но разговора пока нет. Функции receive_loop и chat — те же, что в server.py: когда
они заработают там, перенесите их сюда (шаг 6 в README.md).

Запуск: python client.py [--port N]   (сначала запустите server.py)
"""

import argparse
import os
import signal
import socket
import sys
import threading  # понадобится на шаге 3

HOST = "127.0.0.1"  # адрес сервера: эта же машина
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # строка, набрав которую пользователь заканчивает разговор
PEER_NAME = "Собеседник"  # так на экране подписаны строки от другой стороны

# Главный поток устанавливает это событие, когда пользователь уходит сам.
leaving = threading.Event()


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Чат на двоих, клиент (урок 02)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock):
    """Поток-получатель: печатать строки собеседника, пока соединение живо."""
    # TODO (шаг 6): перенесите сюда receive_loop из server.py.
    pass


def chat(sock):
    """Разговор через подключённый sock: набранное — туда, принятое — на экран."""
    # TODO (шаг 6): перенесите сюда chat из server.py.
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    sys.stdin.read()


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        sock = socket.create_connection((HOST, args.port))
    except OSError as error:
        print(f"Не удалось подключиться к {HOST}:{args.port}: {error}", file=sys.stderr)
        sys.exit(1)
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    print(
        f"Подключено к {HOST}:{args.port}. Пишите сообщения; {EXIT_WORD} — выход.",
        flush=True,
    )
    try:
        chat(sock)
    except KeyboardInterrupt:  # пока chat не умеет выходить сам (шаг 4)
        pass


if __name__ == "__main__":
    main()
