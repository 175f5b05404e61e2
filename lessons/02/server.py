"""Урок 02: чат на двоих, сервер — заготовка.

Lesson 02: two-user console chat, server side — starter code.

Программа уже запускается: слушает порт, печатает баннер, принимает одного клиента.
Но разговора пока нет. Ваша задача — шаги со словом TODO (подробности в README.md):

  шаг 2 — receive_loop: принимать байты, резать их на строки, печатать строки;
  шаг 3 — chat: поток-получатель + ввод с клавиатуры и отправка строк;
  шаг 4 — exit и конец ввода: закрыть соединение, завершиться с кодом 0;
  шаг 5 — собеседник ушёл: сообщить об этом и завершиться с кодом 0.

Те же функции нужны в client.py: напишите их здесь и перенесите туда.

It already runs: it listens, prints a banner and accepts one client, but there is no
conversation yet. Your work is at the TODO marks (details in README.en.md): step 2,
receive_loop cuts the bytes into lines and prints them; step 3, chat runs the receiving
thread next to input() and sends typed lines; step 4, exit and end of input close the
connection, exit code 0; step 5, the peer left: say so, exit code 0. client.py needs
the same functions: write them here, then copy them there.

Запуск / run: python server.py [--port N]     Проверка / grade: python -m autograder lessons/02
"""

import argparse
import os
import signal
import socket
import sys
import threading  # понадобится на шаге 3 / needed in step 3

HOST = "127.0.0.1"  # только эта машина / reachable from this machine only
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT
RECV_SIZE = 4096  # recv вернёт не больше, часто меньше / recv returns at most this, often less
EXIT_WORD = "exit"  # набрал — разговор окончен / typing it ends the conversation
PEER_NAME = "Собеседник"  # подпись строк другой стороны / label of the peer's lines ("peer")

# Пригодится на шагах 4–5: главный поток устанавливает это событие, когда пользователь
# уходит сам, чтобы получатель отличил «мы ушли» от «собеседник ушёл».
# Steps 4-5: the main thread sets it when its user leaves, so that the receiver can
# tell "we left" from "the peer left".
leaving = threading.Event()


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Чат на двоих, сервер (урок 02)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock):
    """Поток-получатель: печатать строки собеседника, пока соединение живо.

    Каждую принятую строку печатать как f"{PEER_NAME}: текст" с flush=True.
    Receiving thread: print each of the peer's lines as f"{PEER_NAME}: text", flush=True.
    """
    # TODO (шаг 2): как receive_line в клиенте урока 01 — буфер байтов; в цикле
    #   data = sock.recv(RECV_SIZE), buffer += data;
    #   пока в буфере есть b"\n" — отрезать строку, убрать "\r" на конце, декодировать
    #   .decode("utf-8", errors="replace") и напечатать. Декодируйте целую строку, а не
    #   каждый кусок: recv может разрезать русскую букву пополам.
    # TODO (step 2): as receive_line in lesson 01's client: a byte buffer; loop
    #   data = sock.recv(RECV_SIZE), buffer += data;
    #   while the buffer holds b"\n", cut a line off, strip a trailing "\r", decode it
    #   with .decode("utf-8", errors="replace") and print it. Decode whole lines, not
    #   each piece: recv may cut a Russian letter in two.
    # TODO (шаг 5): recv вернул b"" или бросил OSError — соединение закончилось.
    #   Если leaving не установлено, напечатать f"{PEER_NAME} вышел из чата." и завершить
    #   весь процесс: sys.stdout.flush(); os._exit(0) (почему — в README.md).
    # TODO (step 5): recv returned b"" or raised OSError: the connection is over. If
    #   leaving is not set, print f"{PEER_NAME} вышел из чата." ("the peer left") and end
    #   the whole process: sys.stdout.flush(); os._exit(0) (why: see README.en.md).
    pass


def chat(sock):
    """Разговор через подключённый sock: набранное — туда, принятое — на экран.

    The conversation over sock: typed lines go out, received lines go to the screen.
    """
    # TODO (шаг 3 / step 3): запустить receive_loop в потоке-демоне / start receive_loop
    #   in a daemon thread:
    #   threading.Thread(target=receive_loop, args=(sock,), daemon=True).start()
    # TODO (шаг 3): в цикле line = input(); отправить sock.sendall((line + "\n").encode())
    # TODO (step 3): loop line = input(); send sock.sendall((line + "\n").encode())
    # TODO (шаг 4): на EXIT_WORD, EOFError (конец ввода) и KeyboardInterrupt: выйти из
    #   цикла, leaving.set(), sock.shutdown(socket.SHUT_RDWR), sock.close(),
    #   напечатать "Вы вышли из чата."
    # TODO (step 4): on EXIT_WORD, EOFError (end of input) and KeyboardInterrupt: leave
    #   the loop, leaving.set(), sock.shutdown(socket.SHUT_RDWR) (it wakes the receiver's
    #   recv; close alone would not), sock.close(), print "Вы вышли из чата." ("you left").
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    # Placeholder: wait for the end of input, do nothing. Replace it with your code.
    sys.stdin.read()


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Кто закрыл соединение первым, у того оно около минуты держит порт в TIME_WAIT;
    # SO_REUSEADDR даёт перезапустить сервер сразу после exit на его стороне (но не
    # второй сервер, пока работает первый).
    # Whoever closes first keeps the connection in TIME_WAIT on its port for about a
    # minute; SO_REUSEADDR lets the server restart right after its own exit (it does not
    # let a second server in while the first one runs).
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    server.listen(1)
    # flush=True: в канал (pipe) Python пишет через буфер / output to a pipe is buffered.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        conn, addr = server.accept()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
        return
    finally:
        # Разговор только один: перестаём слушать, и второй клиент сразу получит отказ.
        # One conversation only: stop listening, so a second client is refused at once.
        server.close()
    print(
        f"{PEER_NAME} подключился ({addr[0]}:{addr[1]}). Пишите сообщения; {EXIT_WORD} — выход.",
        flush=True,
    )
    try:
        chat(conn)
    except KeyboardInterrupt:  # пока chat не умеет выходить сам / until chat can leave (step 4)
        pass


if __name__ == "__main__":
    main()
