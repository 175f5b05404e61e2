"""Урок 01: эхо-клиент TCP — заготовка (шаг 5).

Lesson 01: TCP line echo client — starter code (step 5).

Программа уже запускается: подключается к server.py (или сообщает, что не смогла) и
читает строки с клавиатуры. Но никуда их не отправляет. Ваша задача — шаг 5 в README.md:
отправлять каждую строку серверу и печатать его ответ, прочитанный до "\\n".

It already runs: it connects to server.py (or says it could not) and reads lines from
the keyboard, but sends them nowhere. Your work is step 5 in README.en.md: send each
line to the server and print its reply, read up to its "\\n".

Запуск / run: python client.py [--port N]   (сначала / first: server.py)
Выход / quit: Ctrl+D
"""

import argparse
import os
import signal
import socket
import sys

HOST = "127.0.0.1"  # адрес сервера: эта же машина / the server is on this machine
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT
RECV_SIZE = 4096  # recv вернёт не больше, часто меньше / recv returns at most this, often less


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Эхо-клиент TCP (урок 01)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_line(sock, buffer):
    """Прочитать из sock одну строку. Вернуть (строка без "\\n", остаток буфера);
    строка — None, если сервер закрыл соединение раньше, чем она пришла целиком.

    Read one line from sock. Return (the line without "\\n", the rest of the buffer);
    the line is None if the server closed the connection before it came whole.
    """
    # TODO (шаг 5): пока в buffer нет b"\n":
    #   - data = sock.recv(RECV_SIZE) — *сколько-то* байт: кусок строки или несколько;
    #   - если data == b"", сервер закрыл соединение: return None, buffer;
    #   - buffer += data.
    #   Потом line, rest = buffer.split(b"\n", 1) и return line, rest: rest — начало
    #   следующего ответа, его не выбрасывайте.
    # TODO (step 5): while buffer holds no b"\n":
    #   - data = sock.recv(RECV_SIZE) returns *some* bytes: part of a line, or several;
    #   - data == b"" means the server closed the connection: return None, buffer;
    #   - buffer += data.
    #   Then line, rest = buffer.split(b"\n", 1) and return line, rest: rest is the start
    #   of the next reply, do not throw it away.
    return None, buffer


def talk(sock):
    """Набранная строка — серверу, его ответ — на экран; до конца ввода.

    Each typed line goes to the server, its reply to the screen, until the input ends.
    """
    buffer = b""  # noqa: F841 (байты, ещё не ставшие строкой / bytes not yet a line)
    while True:
        try:
            line = input()  # noqa: F841 (отправите на шаге 5 / sent in step 5)
        except EOFError:  # Ctrl+D: ввод закончился / the input ended
            return
        # TODO (шаг 5): отправьте строку с "\n" на конце — это граница сообщения:
        #   sock.sendall((line + "\n").encode("utf-8"))
        #   затем reply, buffer = receive_line(sock, buffer); если reply is None — сервер
        #   ушёл: напечатайте это и return; иначе напечатайте
        #   reply.decode("utf-8", errors="replace") с flush=True.
        # TODO (step 5): send the line with "\n" at its end, the message boundary:
        #   sock.sendall((line + "\n").encode("utf-8"))
        #   then reply, buffer = receive_line(sock, buffer); if reply is None the server
        #   left: say so and return; otherwise print
        #   reply.decode("utf-8", errors="replace") with flush=True.
        # Заглушка: строка никуда не уходит. / Placeholder: the line goes nowhere.
        continue


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
    print(f"Подключено к {HOST}:{args.port}. Пишите строки; Ctrl+D — выход.", flush=True)
    try:
        talk(sock)
    except KeyboardInterrupt:  # Ctrl+C — тоже выход / Ctrl-C quits too
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main()
