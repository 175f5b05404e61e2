"""Урок 04 (задание 4): многопользовательский TCP-чат, клиент — заготовка.

Lesson 04 (assignment 4): multi-user TCP chat, client side — starter code.

Программа уже запускается: спрашивает имя и подключается к серверу. Дальше — ваша
работа (шаги со словом TODO, подробности в README.md):

  шаг 6 — отправить имя первой строкой;
  шаг 7 — receive_loop: поток-получатель печатает строки от сервера, пока вы набираете;
  шаг 8 — отправлять набранные строки; exit и конец ввода закрывают соединение.

The program already runs: it asks for a nickname and connects to the server. The rest is
your work (the TODO steps, details in README.en.md):

  step 6 — send the nickname as the first line;
  step 7 — receive_loop: a receiving thread prints the server's lines while you type;
  step 8 — send the typed lines; exit and end of input close the connection.

Запуск / run: python client.py [--port N]   (сначала / first: server.py)
"""

import argparse
import os
import socket
import sys
import threading  # понадобится на шаге 7 / needed in step 7

HOST = "127.0.0.1"  # сервер на этой же машине / the server is on this machine
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT is given
RECV_SIZE = 4096  # recv вернёт не больше, часто меньше / recv returns at most this, often less
EXIT_WORD = "exit"  # набрав это, пользователь выходит / typing this, the user leaves

# Главный поток устанавливает это событие, когда пользователь уходит сам: тогда закрытие
# соединения — не авария, и получатель завершается молча.
# The main thread sets this event when the user leaves: then the closed connection is no
# accident, and the receiver ends silently.
leaving = threading.Event()


def parse_args():
    """Порт: --port, иначе переменная CHAT_PORT, иначе 9090. / The port: --port, else CHAT_PORT, else 9090."""
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат: клиент")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock):
    """Поток-получатель: печатать строки от сервера, пока соединение живо.
    / The receiving thread: print the server's lines while the connection lives."""
    # TODO (шаг 7): как в уроке 02 — буфер, резать по b"\n", декодировать целые строки
    #   (errors="replace"), печатать с flush=True. recv вернул b"" или OSError: если
    #   leaving не установлено — напечатать "Соединение с сервером потеряно.",
    #   sys.stdout.flush() и os._exit(0).
    # TODO (step 7): as in lesson 02: a buffer, cut at b"\n", decode whole lines
    #   (errors="replace"), print with flush=True. recv returned b"" or raised OSError:
    #   unless leaving is set, print "Соединение с сервером потеряно." (connection lost),
    #   sys.stdout.flush() and os._exit(0).
    pass


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
    # TODO (шаг 6): отправить имя первой строкой: sock.sendall((name + "\n").encode("utf-8"))
    # TODO (шаг 7): запустить receive_loop в потоке-демоне (daemon=True).
    # TODO (шаг 8): в цикле line = input() и отправить строку с "\n". На EXIT_WORD,
    #   EOFError и KeyboardInterrupt: leaving.set(), sock.shutdown(socket.SHUT_RDWR),
    #   sock.close(), напечатать "Вы вышли из чата.".
    # TODO (step 6): send the nickname as the first line:
    #   sock.sendall((name + "\n").encode("utf-8"))
    # TODO (step 7): start receive_loop in a daemon thread (daemon=True).
    # TODO (step 8): in a loop line = input() and send the line with "\n". On EXIT_WORD,
    #   EOFError and KeyboardInterrupt: leaving.set(), sock.shutdown(socket.SHUT_RDWR),
    #   sock.close(), print "Вы вышли из чата." (you left the chat).
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    # A stub: wait for the end of input and do nothing. Replace it with your code.
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    sock.close()


if __name__ == "__main__":
    main()
