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
import queue
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
    pending = bytearray()
    while chunk := conn.recv(RECV_SIZE):
        pending.extend(chunk)
        end = pending.find(b"\n")
        while end >= 0:
            yield bytes(pending[:end]).decode("utf-8", errors="replace").removesuffix("\r")
            del pending[: end + 1]
            end = pending.find(b"\n")


def broadcast(text, sender=None):
    """Отправить строку text всем клиентам, кроме sender (сокета отправителя)."""
    data = text.encode("utf-8") + b"\n"
    with clients_lock:
        queues = [q for s, q in clients.items() if s is not sender]
    for q in queues:
        q.put(data)


def handle_client(conn, addr):
    """Обслужить одного клиента от подключения до ухода. Работает в своём потоке."""
    outbox = queue.Queue()

    def pump():
        while (item := outbox.get()) is not None:
            try:
                conn.sendall(item)
            except OSError:
                return

    threading.Thread(target=pump, daemon=True).start()
    who = ""
    try:
        for i, text in enumerate(read_lines(conn)):
            if i == 0:
                who = text or "аноним"
                broadcast(f"{who} присоединился к чату.", conn)
                with clients_lock:
                    clients[conn] = outbox
            elif text.lower() in (EXIT_WORD, "/quit"):
                break
            else:
                broadcast(f"{who}: {text}", conn)
    except OSError:
        pass
    with clients_lock:
        known = clients.pop(conn, None) is not None
    if known:
        broadcast(f"{who} вышел из чата.")
    outbox.put(None)
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
            threading.Thread(target=handle_client, args=(conn, addr), daemon=True).start()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
