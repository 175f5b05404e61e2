"""Урок 01: эхо-сервер TCP — заготовка.

Lesson 01: TCP echo server — starter code.

Эта программа уже запускается: создаёт сокет, занимает порт, печатает баннер и
принимает соединения. Но эха пока нет: каждого клиента она сразу отключает.
Ваша задача — шаги со словом TODO (подробности в README.md):

  шаг 3 — handle_client: возвращать клиенту всё, что он присылает;
  шаг 4 — обслуживать каждого клиента в отдельном потоке.

It already runs: it creates the socket, takes the port, prints a banner and accepts
connections, but it hangs up on every client at once. Your work is at the TODO marks
(details in README.en.md): step 3, handle_client sends back whatever the client sends;
step 4, each client is served in a thread of its own.

Запуск / run: python server.py [--port N]     Проверка / grade: python -m autograder lessons/01
"""

import argparse
import os
import signal
import socket
import threading  # noqa: F401 (понадобится на шаге 4 / needed in step 4)

HOST = "127.0.0.1"  # только эта машина / reachable from this machine only
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT
RECV_SIZE = 4096  # recv вернёт не больше, часто меньше / recv returns at most this, often less
BACKLOG = 50  # очередь соединений до accept / connections the OS queues before accept


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
    """Шаги 1–2 (готово, прочитайте): слушающий TCP-сокет на HOST:port.

    Steps 1-2 (done, read them): a listening TCP socket on HOST:port.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Соединение, которое сервер закрыл первым (остановили при подключённых клиентах),
    # около минуты держит порт в TIME_WAIT, и без SO_REUSEADDR перезапуск падает с
    # "Address already in use". Второй живой сервер на тот же порт не пустит и она.
    # A connection the server closed first (stopped with clients connected) holds the
    # port in TIME_WAIT for about a minute; without SO_REUSEADDR a restart fails with
    # "Address already in use". It never lets a second live server share the port.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, port))
    server.listen(BACKLOG)
    return server


def handle_client(conn, addr):
    """Возвращать клиенту conn всё, что он присылает, пока он не отключится.

    conn — сокет этого клиента (его вернул accept), addr — его адрес (ip, порт).
    Send back to conn whatever it sends until it leaves; addr is its (ip, port).
    """
    # TODO (шаг 3): в цикле
    #   - data = conn.recv(RECV_SIZE) — вернёт *сколько-то* байт, не «одно сообщение»;
    #   - если data == b"", клиент закрыл соединение: выйти из цикла;
    #   - conn.sendall(data) — именно sendall: send может взять не всё.
    # TODO (step 3): in a loop
    #   - data = conn.recv(RECV_SIZE) returns *some* bytes, not "one message";
    #   - data == b"" means the client closed the connection: leave the loop;
    #   - conn.sendall(data): sendall, because send may take only part of it.
    # TODO (шаг 3): ConnectionResetError (клиент оборвал связь) не должен ронять
    #   сервер: поймайте OSError и просто завершите обслуживание этого клиента.
    # TODO (step 3): a ConnectionResetError (the client broke off) must not bring the
    #   server down: catch OSError and just stop serving this client.
    # Заглушка: сразу закрываем соединение. Замените её своим кодом.
    # Placeholder: hang up at once. Replace it with your code.
    conn.close()
    print(f"Клиент {addr[0]}:{addr[1]} отключился", flush=True)


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = create_server_socket(args.port)
    # flush=True: в канал (pipe) Python пишет через буфер / output to a pipe is buffered.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, addr = server.accept()
            print(f"Клиент {addr[0]}:{addr[1]} подключился", flush=True)
            # TODO (шаг 4): пока второй клиент ждёт, чтобы первый отключился. Запустите
            #   handle_client в отдельном потоке:
            # TODO (step 4): a second client now waits until the first one leaves. Run
            #   handle_client in a thread of its own:
            #   threading.Thread(target=..., args=(...), daemon=True).start()
            handle_client(conn, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
