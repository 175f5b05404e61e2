"""Эхо-сервер TCP (эталонное решение урока 01).

TCP echo server (reference solution of lesson 01).

Всё, что присылает клиент, сервер возвращает ему без изменений. Сервер ничего не знает
о строках и буквах: он пересылает байты. Поэтому ему не страшно, что TCP доставил
сообщение по кусочкам, склеил два сообщения в одно или разрезал букву UTF-8 пополам.

Как устроен сервер:

* главный поток владеет слушающим сокетом и только принимает соединения (accept);
* каждый принятый клиент получает свой поток с функцией handle_client, поэтому
  медленный или молчащий клиент не мешает обслуживать остальных;
* handle_client в цикле: recv возвращает *сколько-то* байт (может, 1, может, 4096) ->
  sendall отправляет их обратно; и так, пока recv не вернёт b"" (клиент закрыл свою
  сторону) или соединение не оборвётся.

Запуск:   python server.py              (порт 9090)
          python server.py --port 9191  или  CHAT_PORT=9191 python server.py
Проверка: nc 127.0.0.1 9090  (наберите строку — она вернётся; выход — Ctrl+C)
"""

import argparse
import os
import signal
import socket
import threading

HOST = "127.0.0.1"  # только локальная машина: к серверу можно подключиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
BACKLOG = 50  # сколько соединений ОС держит в очереди, пока мы не вызвали accept


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Эхо-сервер TCP (урок 01)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def create_server_socket(port):
    """Слушающий TCP-сокет на HOST:port."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Соединение, которое сервер закрыл первым (его остановили при подключённых
    # клиентах), около минуты держит порт в состоянии TIME_WAIT; без SO_REUSEADDR
    # перезапущенный сервер всё это время падал бы с "Address already in use". Второй
    # живой сервер на тот же порт эта опция не пускает.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, port))
    server.listen(BACKLOG)
    return server


def handle_client(conn, addr):
    """Возвращать клиенту всё, что он присылает, пока он не отключится. Свой поток."""
    try:
        while True:
            # recv отдаёт то, что уже пришло: часть отправленного клиентом или несколько
            # его отправок, склеенных вместе. Для эха это неважно: мы возвращаем те же
            # байты в том же порядке.
            data = conn.recv(RECV_SIZE)
            if not data:
                # b"" — так TCP говорит «собеседник закрыл свою сторону»: данных больше
                # не будет никогда. Без этой проверки цикл крутился бы вечно.
                break
            # send берёт столько, сколько влезло в буфер ядра, и возвращает это число:
            # остаток остался бы у нас. sendall повторяет send, пока не уйдёт всё (или
            # бросает исключение — и тогда неизвестно, сколько успело уйти).
            conn.sendall(data)
    except OSError:
        # Сброс соединения (программа клиента упала, пропала сеть) для сервера — обычное
        # событие: забываем этого клиента и продолжаем обслуживать остальных.
        pass
    finally:
        conn.close()
        print(f"Клиент {addr[0]}:{addr[1]} отключился", flush=True)


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка, docker stop) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = create_server_socket(args.port)
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере,
    # и без flush строка появилась бы, только когда буфер заполнится или программа выйдет.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, addr = server.accept()
            print(f"Клиент {addr[0]}:{addr[1]} подключился", flush=True)
            # daemon=True: потоки клиентов не должны мешать процессу завершиться по Ctrl+C.
            threading.Thread(target=handle_client, args=(conn, addr), daemon=True).start()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
