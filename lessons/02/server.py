"""Урок 02: чат на двоих, сервер — заготовка.

Lesson 02: two-user console chat, server side — starter code.

Программа уже запускается: слушает порт, печатает баннер, принимает одного клиента.
Но разговора пока нет. Ваша задача — шаги со словом TODO (подробности в README.md):

  шаг 2 — receive_loop: принимать байты, резать их на строки, печатать строки;
  шаг 3 — chat: поток-получатель + ввод с клавиатуры и отправка строк;
  шаг 4 — exit и конец ввода: закрыть соединение, завершиться с кодом 0;
  шаг 5 — собеседник ушёл: сообщить об этом и завершиться с кодом 0.

Те же функции нужны в client.py: напишите их здесь и перенесите туда.

Запуск: python server.py [--port N]     Проверка: python -m autograder lessons/02
"""

import argparse
import os
import signal
import socket
import sys
import threading  # понадобится на шаге 3

HOST = "127.0.0.1"  # только локальная машина: к серверу можно подключиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # строка, набрав которую пользователь заканчивает разговор
PEER_NAME = "Собеседник"  # так на экране подписаны строки от другой стороны

# Пригодится на шагах 4–5: главный поток устанавливает это событие, когда пользователь
# уходит сам, чтобы получатель отличил «мы ушли» от «собеседник ушёл».
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
    """
    # TODO (шаг 2): буфер байтов; в цикле data = sock.recv(RECV_SIZE), buffer += data;
    #   пока в буфере есть b"\n" — отрезать строку, убрать "\r" на конце, декодировать
    #   .decode("utf-8", errors="replace") и напечатать. Декодируйте целую строку, а не
    #   каждый кусок: recv может разрезать русскую букву пополам.
    # TODO (шаг 5): recv вернул b"" или бросил OSError — соединение закончилось.
    #   Если leaving не установлено, напечатать f"{PEER_NAME} вышел из чата." и завершить
    #   весь процесс: sys.stdout.flush(); os._exit(0) (почему — в README.md).
    pass


def chat(sock):
    """Разговор через подключённый sock: набранное — туда, принятое — на экран."""
    # TODO (шаг 3): запустить receive_loop в потоке-демоне:
    #   threading.Thread(target=receive_loop, args=(sock,), daemon=True).start()
    # TODO (шаг 3): в цикле line = input(); отправить sock.sendall((line + "\n").encode())
    # TODO (шаг 4): на EXIT_WORD, EOFError (конец ввода) и KeyboardInterrupt: выйти из
    #   цикла, leaving.set(), sock.shutdown(socket.SHUT_RDWR), sock.close(),
    #   напечатать "Вы вышли из чата."
    # Заглушка: ждём конца ввода и ничего не делаем. Замените её своим кодом.
    sys.stdin.read()


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Перезапущенный сервер сможет сразу занять порт, без "Address already in use".
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    server.listen(1)
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        conn, addr = server.accept()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
        return
    finally:
        # Разговор только один: перестаём слушать, чтобы второй клиент сразу получил отказ.
        server.close()
    print(
        f"{PEER_NAME} подключился ({addr[0]}:{addr[1]}). Пишите сообщения; {EXIT_WORD} — выход.",
        flush=True,
    )
    try:
        chat(conn)
    except KeyboardInterrupt:  # пока chat не умеет выходить сам (шаг 4)
        pass


if __name__ == "__main__":
    main()
