"""Урок 04 (задание 4): многопользовательский TCP-чат, клиент — заготовка.

Lesson 04 (assignment 4): multi-user TCP chat, client side — starter code.

Программа уже запускается: спрашивает имя и подключается к серверу. Дальше — ваша
работа (шаги со словом TODO, подробности в README.md):

  шаг 6 — отправить имя первой строкой;
  шаг 7 — receive_loop: поток-получатель печатает строки от сервера, пока вы набираете;
  шаг 8 — отправлять набранные строки; exit и конец ввода закрывают соединение.

Запуск: python client.py [--port N]   (сначала запустите server.py)
"""

import argparse
import os
import socket
import sys
import threading  # понадобится на шаге 7

HOST = "127.0.0.1"  # сервер на этой же машине
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # набрав эту строку, пользователь выходит из чата

# Главный поток устанавливает это событие, когда пользователь уходит сам: тогда закрытие
# соединения — не авария, и получатель завершается молча.
leaving = threading.Event()


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат: клиент")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock):
    """Поток-получатель: печатать строки от сервера, пока соединение живо."""
    f = sock.makefile("r", encoding="utf-8", errors="replace")
    try:
        for row in f:
            print(row, end="", flush=True)
    except OSError:
        pass
    if leaving.is_set():
        return
    print("Соединение с сервером потеряно.")
    sys.stdout.flush()
    os._exit(0)


def main():
    args = parse_args()
    try:
        name = input("Ваше имя: ")
    except (EOFError, KeyboardInterrupt):
        return
    try:
        sock = socket.create_connection((HOST, args.port))
    except OSError as error:
        print(f"Не удалось подключиться к {HOST}:{args.port}: {error}", flush=True)
        sys.exit(1)
    print(f"Подключено к {HOST}:{args.port} как {name}. {EXIT_WORD} — выход.", flush=True)
    sock.sendall(f"{name}\n".encode())
    receiver = threading.Thread(target=receive_loop, args=(sock,))
    receiver.daemon = True
    receiver.start()
    while True:
        try:
            msg = input()
        except (EOFError, KeyboardInterrupt):
            break
        if msg.strip() == EXIT_WORD:
            break
        sock.sendall(f"{msg}\n".encode())
    leaving.set()
    sock.close()
    print("Вы вышли из чата.")


if __name__ == "__main__":
    main()
