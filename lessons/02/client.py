"""Урок 02: чат на двоих, клиент — заготовка.

Lesson 02: two-user console chat, client side — starter code.

Программа уже запускается: подключается к server.py (или сообщает, что не смогла).
Но разговора пока нет. Функции receive_loop и chat — те же, что в server.py: когда
они заработают там, перенесите их сюда (шаг 6 в README.md).

It already runs: it connects to server.py (or says it could not), but there is no
conversation yet. receive_loop and chat are the same as in server.py: once they work
there, copy them here (step 6 in README.en.md).

Запуск / run: python client.py [--port N]   (сначала / first: server.py)
"""

import argparse
import os
import signal
import socket
import sys
import threading  # понадобится на шаге 3 / needed in step 3

HOST = "127.0.0.1"  # адрес сервера: эта же машина / the server is on this machine
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT
RECV_SIZE = 4096  # recv вернёт не больше, часто меньше / recv returns at most this, often less
EXIT_WORD = "exit"  # набрал — разговор окончен / typing it ends the conversation
PEER_NAME = "Собеседник"  # подпись строк другой стороны / label of the peer's lines ("peer")

# Главный поток устанавливает это событие, когда пользователь уходит сам.
# The main thread sets it when its user leaves.
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
    # TODO (шаг 6 / step 6): перенесите сюда receive_loop из server.py / copy it here.
    pass


def chat(sock):
    """Разговор через подключённый sock: набранное — туда, принятое — на экран."""
    # TODO (шаг 6 / step 6): перенесите сюда chat из server.py / copy it here.
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    # Placeholder: wait for the end of input, do nothing. Replace it with your code.
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
    # flush=True: в канал (pipe) Python пишет через буфер / output to a pipe is buffered.
    print(
        f"Подключено к {HOST}:{args.port}. Пишите сообщения; {EXIT_WORD} — выход.",
        flush=True,
    )
    try:
        chat(sock)
    except KeyboardInterrupt:  # пока chat не умеет выходить сам / until chat can leave (step 4)
        pass


if __name__ == "__main__":
    main()
