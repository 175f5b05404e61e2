"""Урок 04 (задание 4): многопользовательский TCP-чат, сервер — эталонное решение.

Lesson 04 (assignment 4): multi-user TCP chat server — the reference solution.

Имена — из заготовки lessons/04/server.py, каждый её TODO выполнен. Медленный получатель
никого не задерживает: рассылка только кладёт строку в очередь получателя (put_nowait не
ждёт), а отправляет её поток-писатель этого получателя (send_loop). Очередь ограничена:
кто не читает так долго, что она переполнилась, того сервер отключает.

Запуск: python server.py [--port N]     Проверка: python -m autograder solutions/04
"""

import argparse
import os
import hashlib
import queue
import signal
import socket
import threading

HOST = "127.0.0.1"  # только локальная машина: к серверу можно подключиться лишь с неё
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # эту строку сервер тоже понимает как выход
# Самая длинная строка без "\n", которую копим (64 КБ проходит): без предела клиент,
# который не присылает "\n", съел бы всю память.
MAX_LINE = 64 * 1024 + 1024
# Сколько строк может ждать отправки одному клиенту. У того, кто читает, очередь почти
# всегда пуста: строки сразу уходят в буфер ядра. Полная очередь — клиент давно не читает.
QUEUE_SIZE = 1000

# Общий словарь клиентов: сокет -> очередь строк (bytes), ждущих отправки этому клиенту.
# Его читают и меняют потоки всех клиентов сразу, поэтому — только под замком.
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
    """Генератор: выдаёт строки (str, без "\\n" и пробелов по краям), пока клиент не
    отключится. ValueError — строка длиннее MAX_LINE."""
    buffer = bytearray()
    while True:
        data = conn.recv(RECV_SIZE)
        if not data:  # b"" — клиент закрыл соединение
            return
        buffer += data
        # Последний кусок — начало следующей строки (или b""): он остаётся в буфере.
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            # Целую строку: "\n" не бывает внутри буквы UTF-8, и разрезанная буква уже
            # склеилась в буфере. errors="replace": неверный байт станет "�", а не ошибкой.
            yield line.decode("utf-8", errors="replace").strip()
        if len(buffer) > MAX_LINE:
            raise ValueError("строка без перевода строки длиннее MAX_LINE")


def send_loop(conn, outbox):
    """Поток-писатель одного клиента: отправляет строки из его очереди, пока не придёт None."""
    while (data := outbox.get()) is not None:
        try:
            # sendall возвращается, как только байты легли в буфер отправки ядра; ждёт,
            # только если этот клиент не читает и буферы полны, — и ждёт лишь этот поток.
            conn.sendall(data)
        except OSError:
            pass  # клиент ушёл или отключён; дочитываем очередь до None
    conn.close()  # писатель пользуется сокетом последним, он его и закрывает


def broadcast(text, sender=None):
    """Отправить строку text всем клиентам, кроме sender (сокета отправителя). Не ждёт."""
    data = (text + "\n").encode("utf-8")  # кодируем один раз, а не для каждого получателя
    with clients_lock:  # под замком только копируем словарь
        receivers = [(conn, outbox) for conn, outbox in clients.items() if conn is not sender]
    for conn, outbox in receivers:
        try:
            outbox.put_nowait(data)  # не ждёт: место есть или сразу queue.Full
        except queue.Full:
            # Очередь полна — клиент давно не читает: отключаем. shutdown будит его
            # поток-читатель (recv вернёт b""), и тот разошлёт уведомление о выходе.
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # уже отключён


def avatar_for(name):
    """Значок пользователя из хеша его имени (нарочно медленный хеш, как для паролей)."""
    digest = hashlib.pbkdf2_hmac("sha256", name.encode("utf-8"), b"chat", 40_000)
    return "★☀☂☘♞♫"[digest[0] % 6]


def handle_client(conn, addr):
    """Обслужить одного клиента от подключения до ухода. Работает в своём потоке."""
    outbox = queue.Queue(maxsize=QUEUE_SIZE)
    threading.Thread(target=send_loop, args=(conn, outbox), daemon=True).start()
    name = None
    try:
        lines = read_lines(conn)
        name = next(lines, None)  # первая строка — имя
        if not name:
            return  # ушёл, не назвавшись
        avatar = avatar_for(name)  # считается ~40 мс, пользователь этого не заметит
        with clients_lock:
            clients[conn] = outbox
        conn.sendall(f"Ваш значок: {avatar}\n".encode("utf-8"))
        broadcast(f"{name} присоединился к чату.", sender=conn)
        for text in lines:
            if text == EXIT_WORD:
                break
            if text:  # пустые строки никому не интересны
                broadcast(f"{name}: {text}", sender=conn)
    except (OSError, ValueError):  # обрыв (ConnectionResetError), слишком длинная строка
        pass
    finally:
        with clients_lock:
            joined = clients.pop(conn, None) is not None
        if joined:
            broadcast(f"{name} вышел из чата.")
        try:
            conn.shutdown(socket.SHUT_RDWR)  # будит писателя, если тот ждёт в sendall
        except OSError:
            pass
        outbox.put(None)  # писатель дочитает очередь, закроет сокет и завершится


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) обрабатываем так же, как Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Перезапущенный сервер сможет сразу занять порт, хотя соединения прошлого запуска,
    # которые он закрыл первым, ещё висят в TIME_WAIT.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    # Очередь ещё не принятых соединений: 50 клиентов, пришедших разом, подождут accept.
    server.listen(socket.SOMAXCONN)
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, addr = server.accept()
            # daemon=True: поток клиента не помешает процессу завершиться по Ctrl+C.
            threading.Thread(target=handle_client, args=(conn, addr), daemon=True).start()
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
