"""Урок 03: UDP-чат на многих пользователей, сервер — заготовка.

Lesson 03: multi-user UDP chat, server side — starter code.

Программа уже запускается: занимает UDP-порт, печатает баннер и принимает датаграммы.
Но пока ничего с ними не делает. Ваша задача — шаги со словом TODO (см. README.md):

  шаг 2 — send_to_others: отправить текст всем известным адресам, кроме отправителя;
  шаг 3 — handle_datagram: новый адрес = имя, "exit" = выход, остальное = сообщение.

It already runs: it binds its UDP port, prints a banner and receives datagrams, but does
nothing with them yet. Your work is at the TODO marks (details in README.en.md): step 2,
send_to_others sends a text to every known address but the sender's; step 3,
handle_datagram: a new address = a nickname, "exit" = leaving, anything else = a message.

Запуск / run: python server.py [--port N]     Проверка / grade: python -m autograder lessons/03
"""

import argparse
import os
import signal
import socket

HOST = "127.0.0.1"  # только эта машина / reachable from this machine only
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT
# Буфер больше любой датаграммы (их предел — 65 507 байт): recvfrom(n) молча выбрасывает
# всё, что длиннее n байт, и маленький буфер обрезал бы длинные сообщения.
# Larger than any datagram (at most 65,507 bytes): recvfrom(n) silently drops whatever
# is longer than n, so a small buffer would cut long messages.
MAX_DATAGRAM = 65535
EXIT_WORD = "exit"  # датаграмма выхода из чата / the datagram that leaves the chat


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
    """Отправить text (str) всем адресам из users, кроме sender, — каждому датаграммой.

    Send text (str) to every address in users except sender, one datagram each.
    """
    # TODO (шаг 2): закодировать text в UTF-8 и для каждого адреса addr в users, кроме
    #   sender, вызвать sock.sendto(data, addr). OSError при отправке одному адресу не
    #   должен сорвать отправку остальным.
    # TODO (step 2): encode text as UTF-8 and call sock.sendto(data, addr) for every
    #   address addr in users except sender. An OSError for one address must not stop
    #   the sending to the others.
    pass


def handle_datagram(sock, users, data, addr):
    """Обработать датаграмму data (bytes) от addr; users — словарь «адрес -> имя».

    Handle the datagram data (bytes) from addr; users is a dict address -> nickname.
    """
    # TODO (шаг 3): text = data.decode("utf-8", errors="replace") и отрезать "\r\n" на
    #   конце. errors="replace" обязателен: иначе одна датаграмма с неправильным UTF-8
    #   уронит сервер.
    # TODO (step 3): text = data.decode("utf-8", errors="replace"), strip a trailing
    #   "\r\n". errors="replace" is a must: one datagram of invalid UTF-8 would crash
    #   the server.
    # TODO (шаг 3): addr нет в users -> это имя: users[addr] = имя, остальным
    #   "<имя> присоединился к чату.".
    # TODO (step 3): addr not in users -> this is its nickname: users[addr] = nickname,
    #   to the others "<nick> присоединился к чату." ("joined the chat").
    # TODO (шаг 3): text == EXIT_WORD -> удалить addr из users, остальным
    #   "<имя> вышел из чата.".
    # TODO (step 3): text == EXIT_WORD -> remove addr from users, to the others
    #   "<nick> вышел из чата." ("left the chat").
    # TODO (шаг 3 / step 3): иначе — остальным / otherwise, to the others "<имя>: текст".
    pass


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, args.port))
    # flush=True: в канал (pipe) Python пишет через буфер / output to a pipe is buffered.
    print(f"Сервер слушает {HOST}:{args.port} (UDP)", flush=True)
    # (ip, порт) -> имя; его трогает только главный поток, замок не нужен.
    # (ip, port) -> nickname; only the main thread touches it: no lock needed.
    users = {}
    try:
        while True:
            # Шаг 1 (готово, прочитайте): recvfrom ждёт следующую датаграмму от кого
            # угодно и возвращает её целиком вместе с адресом отправителя.
            # Step 1 (done, read it): recvfrom waits for the next datagram from anyone
            # and returns it whole, with its sender's address.
            data, addr = sock.recvfrom(MAX_DATAGRAM)
            handle_datagram(sock, users, data, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        sock.close()


if __name__ == "__main__":
    main()
