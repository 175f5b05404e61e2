"""Урок 03: UDP-чат на многих пользователей, сервер — заготовка.

Lesson 03: multi-user UDP chat, server side — starter code.

Программа уже запускается: занимает UDP-порт, печатает баннер и принимает датаграммы.
Но пока ничего с ними не делает. Ваша задача — шаги со словом TODO (см. README.md):

  шаг 2 — send_to_others: отправить текст всем известным адресам, кроме отправителя;
  шаг 3 — handle_datagram: новый адрес = имя, "exit" = выход, остальное = сообщение.

Запуск: python server.py [--port N]     Проверка: python -m autograder lessons/03
"""

import argparse
import os
import signal
import socket

HOST = "127.0.0.1"  # только локальная машина: к серверу можно обратиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
# Самая большая возможная UDP-датаграмма: recvfrom(n) молча выбрасывает всё, что
# длиннее n байт, поэтому маленький буфер обрезал бы длинные сообщения.
MAX_DATAGRAM = 65535
EXIT_WORD = "exit"  # датаграмма, которой клиент выходит из чата


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="UDP-чат, сервер (урок 03)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def send_to_others(sock, users, text, sender):
    """Отправить text (str) всем адресам из users, кроме sender, — каждому датаграммой."""
    # TODO (шаг 2): закодировать text в UTF-8 и для каждого адреса addr в users, кроме
    #   sender, вызвать sock.sendto(data, addr). OSError при отправке одному адресу не
    #   должен сорвать отправку остальным.
    pass


def handle_datagram(sock, users, data, addr):
    """Обработать датаграмму data (bytes) от addr; users — словарь «адрес -> имя»."""
    # TODO (шаг 3): text = data.decode("utf-8", errors="replace") и отрезать "\r\n" на
    #   конце. errors="replace" обязателен: иначе одна датаграмма с неправильным UTF-8
    #   уронит сервер.
    # TODO (шаг 3): addr нет в users -> это имя: users[addr] = имя, остальным
    #   "<имя> присоединился к чату.".
    # TODO (шаг 3): text == EXIT_WORD -> удалить addr из users, остальным
    #   "<имя> вышел из чата.".
    # TODO (шаг 3): иначе — остальным "<имя>: текст".
    pass


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, args.port))
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    print(f"Сервер слушает {HOST}:{args.port} (UDP)", flush=True)
    users = {}  # (ip, порт) -> имя; его трогает только главный поток, замок не нужен
    try:
        while True:
            # Шаг 1 (готово, прочитайте): recvfrom ждёт следующую датаграмму от кого
            # угодно и возвращает её целиком вместе с адресом отправителя.
            data, addr = sock.recvfrom(MAX_DATAGRAM)
            handle_datagram(sock, users, data, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        sock.close()


if __name__ == "__main__":
    main()
