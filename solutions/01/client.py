"""Эхо-клиент TCP (эталонное решение урока 01, шаг 5).

TCP line echo client (reference solution of lesson 01, step 5).

Каждую набранную строку клиент отправляет серверу и печатает ответ. Сообщение здесь —
строка, которая кончается на "\\n": клиент добавляет его к каждой отправке и читает
ответ до него. Один recv — не одно сообщение: ответ может прийти кусками, поэтому
клиент копит байты в буфере, пока в нём не появится b"\\n".

Запуск:   python client.py [--port N]   (сначала запустите server.py)
Выход:    Ctrl+D (конец ввода) или Ctrl+C
"""

import argparse
import os
import signal
import socket
import sys

HOST = "127.0.0.1"  # адрес сервера: эта же машина
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше


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
    строка — None, если сервер закрыл соединение раньше, чем она пришла целиком."""
    while b"\n" not in buffer:
        data = sock.recv(RECV_SIZE)  # *сколько-то* байт: кусок строки или несколько строк
        if not data:  # b"": сервер закрыл соединение
            return None, buffer
        buffer += data
    line, rest = buffer.split(b"\n", 1)  # всё после первого "\n" — начало следующей строки
    return line, rest


def talk(sock):
    """Набранная строка — серверу, его ответ — на экран; до конца ввода."""
    buffer = b""  # принятые байты, которые ещё не стали целой строкой
    while True:
        try:
            line = input()
        except EOFError:  # Ctrl+D: ввод закончился
            return
        sock.sendall((line + "\n").encode("utf-8"))  # "\n" — граница сообщения
        reply, buffer = receive_line(sock, buffer)
        if reply is None:
            print("Сервер закрыл соединение.", flush=True)
            return
        # Декодируем целую строку: "\n" не бывает внутри буквы UTF-8, так что буква,
        # разрезанная между кусками, в буфере уже склеилась.
        print(reply.rstrip(b"\r").decode("utf-8", errors="replace"), flush=True)


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
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    print(f"Подключено к {HOST}:{args.port}. Пишите строки; Ctrl+D — выход.", flush=True)
    try:
        talk(sock)
    except KeyboardInterrupt:  # Ctrl+C — тоже выход, без трассировки
        pass
    except OSError as error:  # соединение оборвалось (сервер упал)
        print(f"Соединение потеряно: {error}", file=sys.stderr)
    finally:
        sock.close()


if __name__ == "__main__":
    main()
