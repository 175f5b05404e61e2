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

HOST = "127.0.0.1"  # только локальная машина: к серверу можно подключиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # эту строку сервер тоже может понимать как выход (не обязательно)

# Общий список клиентов: сокет -> имя. Его читают и меняют потоки всех клиентов сразу,
# поэтому любое обращение к нему — только под замком clients_lock.
clients = {}
clients_lock = threading.Lock()


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


def read_lines(conn):
    """Генератор: выдаёт строки (str, без "\\n" и "\\r"), пока клиент не отключится."""
    buffer = b""
    while True:
        data = conn.recv(RECV_SIZE)
        if not data:
            return  # the client closed the connection
        buffer += data
        # one recv may hold half a line or several lines: cut out every whole line
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8", errors="replace").rstrip("\r")


def broadcast(text, sender=None):
    """Отправить строку text всем клиентам, кроме sender (сокета отправителя)."""
    # copy the recipients under the lock, send without holding it
    with clients_lock:
        targets = [sock for sock in clients if sock is not sender]
    payload = (text + "\n").encode("utf-8")
    for sock in targets:
        try:
            sock.sendall(payload)
        except OSError:
            pass  # a dead client must not stop the others


def handle_client(conn, addr):
    """Обслужить одного клиента от подключения до ухода. Работает в своём потоке."""
    name = None
    try:
        conn.sendall("Пожалуйста, введите ваше имя:\n".encode("utf-8"))
        lines = read_lines(conn)
        name = next(lines, None)
        if name is None:
            return  # left before saying a name
        with clients_lock:
            clients[conn] = name
        broadcast(f"{name} присоединился к чату.", conn)
        for line in lines:
            if line == EXIT_WORD:
                break
            if line:
                broadcast(f"{name}: {line}", conn)
    except ConnectionResetError:
        pass  # the client vanished: same as leaving
    finally:
        with clients_lock:
            clients.pop(conn, None)
        if name is not None:
            broadcast(f"{name} вышел из чата.")
        conn.close()


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Перезапущенный сервер сможет сразу занять порт, без "Address already in use".
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    # Очередь ещё не принятых соединений: 50 клиентов, пришедших разом, подождут accept.
    server.listen(socket.SOMAXCONN)
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, addr = server.accept()
            # every client gets its own thread, so nobody waits for anybody
            worker = threading.Thread(target=handle_client, args=(conn, addr), daemon=True)
            worker.start()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
