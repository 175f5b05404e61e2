"""Многопользовательский TCP-чат: клиент (эталонное решение задания 4).

Multi-user TCP chat client (reference solution of lesson 04).

Клиент спрашивает имя, подключается к серверу и отправляет имя первой строкой.
Дальше работают два потока:

* главный поток читает строки, которые набирает пользователь (input), и отправляет их;
* поток-получатель печатает всё, что присылает сервер, — в том числе пока главный
  поток ждёт ввода. Без него чужие сообщения появлялись бы только после Enter.

Выход: слово exit (а также /quit или выйти) или конец ввода (Ctrl+D, закрытый stdin).
Если пропал сервер, клиент сообщает об этом и завершается с кодом 0.

Каждый print делается с flush=True: когда stdout — не терминал, а канал (pipe),
Python копит вывод в буфере, и без flush собеседник мог бы не увидеть строку вовремя.

Запуск: python client.py [--port N]   (порт также берётся из переменной CHAT_PORT)
"""

import argparse
import os
import socket
import sys
import threading

HOST = "127.0.0.1"  # сервер на этой же машине
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # сколько байт просим у recv за раз (придёт столько, сколько есть)
EXIT_WORDS = {"exit", "/quit", "выйти"}  # слова, по которым пользователь выходит

# Устанавливается главным потоком, когда пользователь уходит сам: тогда закрытие
# соединения — не авария, и получатель молча завершается.
leaving = threading.Event()


def receive_loop(sock):
    """Поток-получатель: печатать строки от сервера, пока соединение живо."""
    buffer = b""
    while True:
        try:
            chunk = sock.recv(RECV_SIZE)
        except OSError:  # соединение сброшено или закрыто нами
            chunk = b""
        if not chunk:
            break
        buffer += chunk
        # TCP не хранит границы сообщений: режем по "\n" сами, хвост ждёт продолжения.
        # Режем байты до декодирования, чтобы не сломать разрезанную пополам букву.
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            print(line.rstrip(b"\r").decode("utf-8", errors="replace"), flush=True)
    if leaving.is_set():
        return
    print("Соединение с сервером потеряно.", flush=True)
    # Главный поток сейчас, скорее всего, заблокирован в input(), и прервать его из
    # другого потока нельзя: sys.exit() здесь завершил бы только этот поток.
    # os._exit завершает весь процесс сразу, без обычной уборки, поэтому сначала
    # сбрасываем буферы вывода. Закрывать больше нечего: сокет закроет ОС.
    sys.stdout.flush()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат: клиент")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    args = parser.parse_args()

    try:
        name = input("Ваше имя: ")
    except (EOFError, KeyboardInterrupt):
        return
    if name.strip() in EXIT_WORDS:  # передумал заходить
        return

    try:
        sock = socket.create_connection((HOST, args.port))
    except OSError as error:
        print(f"Не удалось подключиться к {HOST}:{args.port}: {error}", flush=True)
        sys.exit(1)
    sock.sendall((name + "\n").encode("utf-8"))

    # daemon=True: когда главный поток закончит, процесс не будет ждать получателя.
    threading.Thread(target=receive_loop, args=(sock,), daemon=True).start()

    try:
        while True:
            try:
                line = input()
            except EOFError:  # ввод закончился — уходим так же, как по exit
                break
            if line.strip() in EXIT_WORDS:
                break
            try:
                sock.sendall((line + "\n").encode("utf-8"))
            except OSError:  # сервер пропал; получатель уже сообщает об этом
                break
    except KeyboardInterrupt:  # Ctrl+C — тоже выход, без трассировки стека
        pass

    leaving.set()
    # shutdown сообщает серверу «я ушёл» (FIN) и будит получателя, ждущего в recv.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
    print("Вы вышли из чата.", flush=True)


if __name__ == "__main__":
    main()
