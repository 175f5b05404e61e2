"""Урок 04 (задание 4): многопользовательский TCP-чат, сервер — заготовка.

Lesson 04 (assignment 4): multi-user TCP chat, server side — starter code.

Программа уже запускается: слушает порт, печатает баннер и принимает соединения. Но
чата пока нет: она молча читает и выбрасывает всё, что присылает клиент, и обслуживает
клиентов по одному. Ваша задача — шаги со словом TODO (подробности в README.md):

  шаг 2 — каждого клиента обслуживать в отдельном потоке;
  шаг 3 — read_lines: резать поток байтов на строки (буфер, "\\n", UTF-8);
  шаг 4 — handle_client: имя, уведомление о входе, сообщения, уведомление о выходе;
  шаг 5 — broadcast: разослать строку всем остальным, не держа замок во время отправки
          и не ожидая медленного получателя.

Запуск: python server.py [--port N]     Проверка: python -m autograder lessons/04
"""

import argparse
import os
import signal
import socket
import threading

HOST = "127.0.0.1"
DEFAULT_PORT = 9090
RECV_SIZE = 4096
EXIT_WORD = "exit"

users = {}
users_lock = threading.Lock()


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат: сервер")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def get_lines(connection):
    """Генератор: выдаёт строки (str, без "\\n" и "\\r"), пока клиент не отключится."""
    buf = b""
    while True:
        chunk = connection.recv(RECV_SIZE)
        if not chunk:
            return  # клиент отключился
        buf += chunk
        # режем по переводу строки
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            yield raw.decode("utf-8", errors="replace").rstrip("\r")


def send_all(msg, author=None):
    """Отправить строку text всем клиентам, кроме sender (сокета отправителя)."""
    # под замком только копия списка
    with users_lock:
        receivers = [peer for peer in users if peer is not author]
    encoded = (msg + "\n").encode("utf-8")
    for peer in receivers:
        try:
            peer.sendall(encoded)
        except OSError:
            pass  # ошибка у одного не мешает другим


def serve(connection, address):
    """Обслужить одного клиента от подключения до ухода. Работает в своём потоке."""
    nick = None
    try:
        connection.sendall("Пожалуйста, введите ваше имя:\n".encode("utf-8"))
        incoming = get_lines(connection)
        nick = next(incoming, None)
        if nick is None:
            return  # ушёл без имени
        with users_lock:
            users[connection] = nick
        send_all(f"{name} присоединился к чату.", connection)
        for raw in incoming:
            if raw == EXIT_WORD:
                break
            if raw:
                send_all(f"{name}: {line}", connection)
    except ConnectionResetError:
        pass  # обрыв = выход
    finally:
        with users_lock:
            users.pop(connection, None)
        if nick is not None:
            send_all(f"{name} вышел из чата.")
        connection.close()


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    server.listen(socket.SOMAXCONN)
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            connection, address = server.accept()
            # поток на клиента
            t = threading.Thread(target=serve, args=(connection, address), daemon=True)
            t.start()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
