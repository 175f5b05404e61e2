"""UDP-чат на многих пользователей, сервер (эталонное решение урока 03).

Multi-user UDP chat, server side (reference solution of lesson 03).

В UDP нет соединений: у сервера один сокет, и каждая пришедшая датаграмма несёт адрес
(ip, порт) отправителя. Всё состояние чата — словарь «адрес -> имя»:

* первая датаграмма с незнакомого адреса — имя этого пользователя; остальные получают
  "<имя> присоединился к чату.";
* датаграмма "exit" от знакомого адреса удаляет его; остальные получают
  "<имя> вышел из чата.";
* любая другая датаграмма от знакомого адреса уходит всем остальным как "<имя>: текст".

Одна датаграмма = одно сообщение, поэтому резать поток на строки не нужно: recvfrom
возвращает ровно одну датаграмму целиком. Исходящие датаграммы идут без "\\n"; "\\n" или
"\\r\\n" на конце входящих (их добавляет, например, nc) отрезается.

Хватает одного потока: recvfrom ждёт следующую датаграмму от кого угодно, а sendto на
UDP-адрес надолго не блокирует (что ОС не может доставить, она просто выбрасывает).

Запуск: python server.py [--port N]   затем несколько раз:  python client.py [--port N]
"""

import argparse
import os
import re
import signal
import socket

HOST = "127.0.0.1"  # только локальная машина: к серверу можно обратиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
# Буфер recvfrom больше любой датаграммы (в IPv4 их предел — 65 507 байт данных).
# recvfrom(n) возвращает не больше n байт датаграммы, а остаток молча выбрасывает
# (Windows вместо этого бросает ошибку): маленький буфер обрезал бы длинные сообщения.
MAX_DATAGRAM = 65535
EXIT_WORD = "exit"  # датаграмма, которой клиент выходит из чата
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # управляющие символы (категория Cc)


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
    """Отправить text всем известным адресам, кроме sender."""
    data = text.encode("utf-8")
    for addr in list(users):
        if addr == sender:
            continue
        try:
            sock.sendto(data, addr)
        except OSError:
            # Один недоступный адрес не должен сорвать доставку остальным. (Бросит и
            # текст, который вместе с "<имя>: " длиннее 65 507 байт: такой датаграммы нет.)
            pass


def handle_datagram(sock, users, data, addr):
    """Обработать датаграмму data от addr: обновить users и разослать сообщение."""
    # errors="replace": датаграмма с неправильным UTF-8 превращается в текст со
    # значками-заменителями. Строгий decode бросил бы UnicodeDecodeError и уронил бы
    # весь сервер из-за одного плохого пакета.
    text = data.decode("utf-8", errors="replace").rstrip("\r\n")
    # Управляющие символы (перевод строки, ESC, BEL...) убираем: иначе имя "mal\nalice"
    # или текст "hi\nalice: ..." показались бы остальным строкой от alice, а "\x1b[2J"
    # очистил бы им экран.
    text = CONTROL.sub("", text)
    if addr not in users:
        nickname = text.strip()
        if not nickname:
            return  # пустое имя: не регистрируем, ждём настоящее
        users[addr] = nickname
        print(f"{nickname} ({addr[0]}:{addr[1]}) вошёл в чат", flush=True)
        send_to_others(sock, users, f"{nickname} присоединился к чату.", addr)
    elif text.strip() == EXIT_WORD:
        nickname = users.pop(addr)
        print(f"{nickname} ({addr[0]}:{addr[1]}) вышел из чата", flush=True)
        send_to_others(sock, users, f"{nickname} вышел из чата.", addr)
    elif text.strip():
        send_to_others(sock, users, f"{users[addr]}: {text}", addr)


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
            try:
                data, addr = sock.recvfrom(MAX_DATAGRAM)
            except ConnectionResetError:
                # Windows сообщает «порт недоступен» для прошлого sendto ушедшему клиенту
                # ошибкой в следующем recvfrom. К ожидаемой датаграмме это не относится.
                continue
            handle_datagram(sock, users, data, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        sock.close()


if __name__ == "__main__":
    main()
