"""Чат на двоих, клиент (эталонное решение урока 02).

Two-user console chat, client side (reference solution of lesson 02).

Подключается к server.py; дальше оператор клиента и оператор сервера переписываются.
Устройство то же, что у server.py (функции чата повторены нарочно, чтобы каждый файл
читался сам по себе):

* главный поток читает клавиатуру (input) и отправляет набранные строки;
* поток-получатель читает сокет и печатает строки собеседника.

Разговор кончается вместе с соединением: после exit (или Ctrl+D) на любой стороне или
когда пропал сервер. Код выхода 0; 1 — если к серверу не удалось подключиться.

Запуск: python client.py [--port N]   (сначала запустите server.py)
"""

import argparse
import os
import signal
import socket
import sys
import threading

HOST = "127.0.0.1"  # адрес сервера: эта же машина
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # строка, набрав которую пользователь заканчивает разговор
PEER_NAME = "Собеседник"  # так на экране подписаны строки от другой стороны

# Главный поток устанавливает это событие, когда пользователь уходит сам: тогда закрытие
# соединения — не авария, и поток-получатель завершается молча.
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


def show_line(raw_line):
    """Напечатать одну принятую строку (байты без "\\n")."""
    # Декодировать целую строку безопасно: байт b"\n" никогда не встречается внутри
    # многобайтного символа UTF-8, так что букву, которую recv разрезал пополам, буфер
    # к этому моменту уже склеил. errors="replace": неправильный UTF-8 от собеседника
    # превращается в значки-заменители, а не в UnicodeDecodeError.
    text = raw_line.rstrip(b"\r").decode("utf-8", errors="replace")
    print(f"{PEER_NAME}: {text}", flush=True)


def receive_loop(sock):
    """Поток-получатель: печатать строки собеседника, пока соединение живо."""
    buffer = b""  # принятые байты, которые ещё не закончились на "\n"
    while True:
        try:
            data = sock.recv(RECV_SIZE)
        except OSError:  # соединение сброшено (программа собеседника упала) или закрыто нами
            data = b""
        if not data:  # b"": собеседник закрыл соединение (или мы сами сделали shutdown)
            break
        # recv вернул *сколько-то* байт: может, полстроки, может, три строки сразу.
        # Сообщение — только то, что кончается на "\n"; остаток ждёт в буфере.
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            show_line(line)
    if leaving.is_set():
        return
    if buffer:  # собеседник закрыл соединение сразу после строки без "\n"
        show_line(buffer)
    print(f"{PEER_NAME} вышел из чата.", flush=True)
    # Главный поток сейчас, скорее всего, ждёт в input(), и прервать его из другого потока
    # нельзя: sys.exit() здесь завершил бы только этот поток. А обычный выход из программы
    # при потоке, застрявшем в input(), Python аварийно прерывает ("could not acquire lock
    # for <stdin>"). os._exit завершает процесс сразу, без уборки, поэтому сначала
    # сбрасываем буфер вывода. Сокет закроет ОС.
    sys.stdout.flush()
    os._exit(0)


def chat(sock, greeting):
    """Разговор через подключённый sock: набранное — туда, принятое — на экран."""
    try:
        # Всё — внутри try: Ctrl+C может прийти в любой миг, и если он попадёт между
        # приветствием и try, except его не поймает — вылетит трассировка.
        # daemon=True: когда главный поток закончит, процесс не будет ждать получателя.
        threading.Thread(target=receive_loop, args=(sock,), daemon=True).start()
        # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
        print(greeting, flush=True)
        while True:
            try:
                line = input()  # без приглашения: оно перемешалось бы с чужими строками
            except EOFError:  # ввод закончился (Ctrl+D, закрытый stdin) — как exit
                break
            if line.strip() == EXIT_WORD:
                break
            if not line.strip():
                continue
            try:
                sock.sendall((line + "\n").encode("utf-8", errors="replace"))
            except OSError:  # собеседник пропал; получатель уже сообщает об этом
                break
    except KeyboardInterrupt:  # Ctrl+C (и SIGTERM, см. ниже) — тоже выход, без трассировки
        pass
    leaving.set()
    # shutdown, а не только close: он отправляет собеседнику FIN («я ушёл» — тот увидит
    # b"" и тоже завершится) и будит наш поток-получатель, ждущий в recv.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # собеседник уже закрыл соединение
        pass
    sock.close()
    print("Вы вышли из чата.", flush=True)


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
    chat(sock, f"Подключено к {HOST}:{args.port}. Пишите сообщения; {EXIT_WORD} — выход.")


if __name__ == "__main__":
    main()
