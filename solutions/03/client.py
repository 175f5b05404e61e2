"""UDP-чат на многих пользователей, клиент (эталонное решение урока 03).

Multi-user UDP chat, client side (reference solution of lesson 03).

Сначала пользователь вводит имя: оно уходит серверу первой датаграммой. Дальше каждая
набранная строка — одна датаграмма, а exit (или конец ввода, Ctrl+D) отправляет
датаграмму "exit" и завершает программу с кодом 0.

Сообщения других участников приходят в любой момент — в том числе пока input() ждёт
клавиатуру, — поэтому датаграммы принимает и печатает отдельный поток-получатель. Он
демон (daemon=True): когда пользователь уходит, главный поток заканчивается, и процесс
завершается, не дожидаясь получателя. (Разбудить поток, ждущий в recvfrom, закрытием
сокета нельзя: на Linux close() его не будит.)

Строку длиннее одной датаграммы клиент не отправляет, а говорит об этом пользователю:
sendto такой датаграммы бросил бы OSError и уронил бы программу.

Запуск: python client.py [--port N]   (сначала запустите server.py)
"""

import argparse
import os
import socket
import threading

HOST = "127.0.0.1"  # адрес сервера: эта же машина
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
MAX_DATAGRAM = 65535  # буфер recvfrom больше любой датаграммы: меньший обрезал бы сообщения
# Самое длинное сообщение, которое мы отправим. В датаграмму IPv4 помещается не больше
# 65 507 байт (65 535 − 20 байт заголовка IP − 8 байт заголовка UDP): sendto большего
# бросает OSError "Message too long". А сервер ещё допишет к тексту "<имя>: " — оставим
# ему полтора килобайта.
MAX_MESSAGE = 64_000
EXIT_WORD = "exit"  # строка (и датаграмма), которой пользователь выходит из чата


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="UDP-чат, клиент (урок 03)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock, server):
    """Поток-получатель: печатать каждую датаграмму от сервера."""
    while True:
        try:
            data, addr = sock.recvfrom(MAX_DATAGRAM)
        except ConnectionResetError:
            # Windows: «порт недоступен» для прошлой датаграммы (сервер не запущен).
            continue
        except OSError:
            # Главный поток уже закрыл сокет: следующий recvfrom бросает OSError. Но поток,
            # который уже ждёт в recvfrom, close() на Linux не будит: он спит, пока
            # процесс не завершится, — для того поток и сделан демоном.
            return
        if addr != server:
            continue  # прислать датаграмму может кто угодно; считаются только от сервера
        print(data.decode("utf-8", errors="replace").rstrip("\r\n"), flush=True)


def send(sock, server, text):
    """Отправить одно сообщение одной датаграммой; False, если оно туда не помещается."""
    data = text.encode("utf-8", errors="replace")
    if len(data) > MAX_MESSAGE:
        # Резать на несколько датаграмм не станем: каждая дошла бы (или потерялась) сама
        # по себе, и другие увидели бы полсообщения или половины в другом порядке. Чтобы
        # собирать их обратно, нужны номера и повторы — то есть TCP (урок 04).
        print(
            f"Не отправлено: {len(data)} байт, а в одну датаграмму чата помещается "
            f"{MAX_MESSAGE}. Сократите сообщение.",
            flush=True,
        )
        return False
    sock.sendto(data, server)
    return True


def main():
    args = parse_args()
    server = (HOST, args.port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Занимаем свободный порт сразу (порт 0 = «любой свободный»): получателю нужен
    # адрес, на котором ждать, ещё до первого sendto, который выбрал бы порт сам.
    sock.bind((HOST, 0))
    # daemon=True: когда главный поток закончит, процесс не будет ждать получателя.
    threading.Thread(target=receive_loop, args=(sock, server), daemon=True).start()

    # Приглашение отдельной строкой и с flush: программу могут вести через канал (pipe).
    print("Введите ваше имя:", flush=True)
    nickname = ""
    try:
        while not nickname:
            nickname = input().strip()
            if nickname and not send(sock, server, nickname):
                nickname = ""  # не поместилось в датаграмму: спросим снова
    except (EOFError, KeyboardInterrupt):
        return  # имени нет — и чата нет
    print(f"Вы в чате как {nickname}. Пишите сообщения; {EXIT_WORD} — выход.", flush=True)

    try:
        while True:
            line = input()
            if line.strip() == EXIT_WORD:
                break
            if line.strip():
                send(sock, server, line)
    except (EOFError, KeyboardInterrupt):
        pass  # Ctrl+D / Ctrl+C — выходим так же, как по exit
    # В UDP нет «соединение закрыто»: без этой датаграммы сервер так и слал бы нам
    # сообщения, а остальные не узнали бы, что мы ушли.
    send(sock, server, EXIT_WORD)
    print("Вы вышли из чата.", flush=True)
    sock.close()  # получатель, ждущий в recvfrom, завершится вместе с процессом (он демон)


if __name__ == "__main__":
    main()
