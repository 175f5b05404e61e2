"""Урок 01: эхо-сервер TCP — заготовка.

Lesson 01: TCP echo server — starter code.

Эта программа уже запускается: создаёт сокет, занимает порт, печатает баннер и
принимает соединения. Но эха пока нет: каждого клиента она сразу отключает.
Ваша задача — шаги со словом TODO (подробности в README.md):

  шаг 3 — handle_client: возвращать клиенту всё, что он присылает;
  шаг 4 — обслуживать каждого клиента в отдельном потоке.

Запуск: python server.py [--port N]     Проверка: python -m autograder lessons/01
"""

import argparse
import os
import signal
import socket
import threading  # noqa: F401 (понадобится на шаге 4)

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
    """Шаги 1–2 (готово, прочитайте): слушающий TCP-сокет на HOST:port."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Без SO_REUSEADDR перезапущенный сервер около минуты падает с "Address already in
    # use": старые соединения ещё висят в состоянии TIME_WAIT и держат порт.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, port))
    server.listen(BACKLOG)
    return server


def handle_client(conn, addr):
    """Возвращать клиенту conn всё, что он присылает, пока он не отключится.

    conn — сокет этого клиента (его вернул accept), addr — его адрес (ip, порт).
    """
    # TODO (шаг 3): в цикле
    #   - data = conn.recv(RECV_SIZE) — вернёт *сколько-то* байт, не «одно сообщение»;
    #   - если data == b"", клиент закрыл соединение: выйти из цикла;
    #   - conn.sendall(data) — именно sendall, а не send: send может отправить не всё.
    # TODO (шаг 3): ConnectionResetError (клиент оборвал связь) не должен ронять
    #   сервер: поймайте OSError и просто завершите обслуживание этого клиента.
    # Заглушка: сразу закрываем соединение. Замените её своим кодом.
    conn.close()
    print(f"Клиент {addr[0]}:{addr[1]} отключился", flush=True)


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = create_server_socket(args.port)
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, addr = server.accept()
            print(f"Клиент {addr[0]}:{addr[1]} подключился", flush=True)
            # TODO (шаг 4): пока второй клиент ждёт, чтобы первый отключился. Запустите
            #   handle_client в отдельном потоке:
            #   threading.Thread(target=..., args=(...), daemon=True).start()
            handle_client(conn, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
