"""Чат на двоих, сервер (эталонное решение урока 02).

Two-user console chat, server side (reference solution of lesson 02).

Оператор сервера и оператор одного клиента переписываются друг с другом. Каждый может
набрать строку в любой момент и должен увидеть строку собеседника тоже в любой момент,
даже пока сам ничего не набирает. Поэтому программа делает два дела одновременно:

* главный поток читает клавиатуру (input) и отправляет набранные строки;
* поток-получатель читает сокет и печатает строки собеседника.

Протокол: текст в UTF-8, одно сообщение = одна строка с "\\n" на конце ("\\r\\n" тоже
принимается). TCP — поток байтов: строка может прийти по кусочкам, несколько строк —
одним recv, буква — разрезанной пополам; получатель копит байты и режет их по "\\n".

Конец разговора: exit (или конец ввода, Ctrl+D) на любой стороне. Эта сторона закрывает
соединение, другая видит закрытие, сообщает о нём и тоже завершается. Обе — с кодом 0.

Сервер принимает ровно одного клиента. Функции чата повторены в client.py нарочно:
каждый файл читается сам по себе.

Запуск: python server.py [--port N]   затем в другом терминале:  python client.py [--port N]
"""

import argparse
import os
import signal
import socket
import sys
import threading

HOST = "127.0.0.1"  # только локальная машина: к серверу можно подключиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # строка, набрав которую пользователь заканчивает разговор
PEER_NAME = "Собеседник"  # так на экране подписаны строки от другой стороны

# Главный поток устанавливает это событие, когда пользователь уходит сам: тогда закрытие
# соединения — не авария, и поток-получатель завершается молча.
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
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Кто закрыл соединение первым, у того оно около минуты держит порт в TIME_WAIT.
    # SO_REUSEADDR даёт перезапустить сервер сразу после exit на его стороне, без
    # "Address already in use" (но не второй сервер, пока работает первый).
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
        # Разговор только один: перестаём слушать, чтобы второй клиент сразу получил
        # отказ, а не ждал в очереди accept, который никогда не случится.
        server.close()
    chat(
        conn,
        f"{PEER_NAME} подключился ({addr[0]}:{addr[1]}). Пишите сообщения; {EXIT_WORD} — выход.",
    )


if __name__ == "__main__":
    main()
