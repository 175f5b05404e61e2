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
import threading

HOST = "127.0.0.1"
DEFAULT_PORT = 9090
RECV_SIZE = 4096
EXIT_WORD = "exit"

quitting = threading.Event()


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


def listen(s):
    """Поток-получатель: печатать строки от сервера, пока соединение живо."""
    buf = b""
    try:
        while True:
            chunk = s.recv(RECV_SIZE)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                text, buf = buf.split(b"\n", 1)
                print(text.decode("utf-8", errors="replace"), flush=True)
    except OSError:
        pass
    if not quitting.is_set():
        print("Соединение с сервером потеряно.", flush=True)
        sys.stdout.flush()
        os._exit(0)


def main():
    args = parse_args()
    try:
        nick = input("Ваше имя: ")
    except (EOFError, KeyboardInterrupt):
        return
    try:
        s = socket.create_connection((HOST, args.port))
    except OSError as error:
        print(f"Не удалось подключиться к {HOST}:{args.port}: {error}", flush=True)
        sys.exit(1)
    print(f"Подключено к {HOST}:{args.port} как {name}. {EXIT_WORD} — выход.", flush=True)
    s.sendall((nick + "\n").encode("utf-8"))
    # печатаем входящие в отдельном потоке
    threading.Thread(target=listen, args=(s,), daemon=True).start()
    try:
        while True:
            text = input()
            if text == EXIT_WORD:
                break
            s.sendall((text + "\n").encode("utf-8"))
    except (EOFError, KeyboardInterrupt):
        pass
    quitting.set()
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()
    print("Вы вышли из чата.", flush=True)


if __name__ == "__main__":
    main()
