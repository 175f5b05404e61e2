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
    while True:
        try:
            got = sock.recv(RECV_SIZE)
        except OSError:
            got = b""
        if not got:
            break
        sys.stdout.write(got.decode("utf-8", "replace"))
        sys.stdout.flush()
    if not leaving.is_set():
        print("Соединение с сервером потеряно.", flush=True)
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
    sock.sendall(name.encode("utf-8") + b"\n")
    threading.Thread(target=receive_loop, args=(sock,), daemon=True).start()
    for typed in sys.stdin:
        typed = typed.rstrip("\n")
        if typed == EXIT_WORD:
            break
        sock.sendall(typed.encode("utf-8") + b"\n")
    leaving.set()
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()
    print("Вы вышли из чата.", flush=True)


if __name__ == "__main__":
    main()
