"""Урок 04 (задание 4): многопользовательский TCP-чат, клиент — эталонное решение.

Lesson 04 (assignment 4): multi-user TCP chat client — the reference solution.

Имена — из заготовки lessons/04/client.py, каждый её TODO выполнен. Работают два потока:
главный читает, что набирает пользователь (input), и отправляет; поток-получатель печатает
всё, что присылает сервер, — в том числе пока главный ждёт ввода.

Запуск: python client.py [--port N]   (сначала запустите server.py)
"""

import argparse
import os
import socket
import sys
import threading

HOST = "127.0.0.1"  # сервер на этой же машине
DEFAULT_PORT = 9090  # порт по умолчанию, если не задан --port или CHAT_PORT
RECV_SIZE = 4096  # больше этого recv за раз не вернёт; часто возвращает меньше
EXIT_WORD = "exit"  # набрав эту строку, пользователь выходит из чата

# Главный поток устанавливает это событие, когда пользователь уходит сам: тогда закрытие
# соединения — не авария, и получатель завершается молча.
leaving = threading.Event()


def parse_args():
    """Порт: аргумент --port, иначе переменная окружения CHAT_PORT, иначе 9090."""
    parser = argparse.ArgumentParser(description="Многопользовательский TCP-чат: клиент")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("CHAT_PORT", DEFAULT_PORT)),
        help="порт сервера (по умолчанию CHAT_PORT или 9090)",
    )
    return parser.parse_args()


def receive_loop(sock):
    """Поток-получатель: печатать строки от сервера, пока соединение живо."""
    buffer = b""
    while True:
        try:
            data = sock.recv(RECV_SIZE)
        except OSError:  # соединение сброшено или закрыто нами
            data = b""
        if not data:
            break
        buffer += data
        # TCP не хранит границы сообщений: режем байты по "\n" и только потом декодируем,
        # чтобы не сломать разрезанную между recv букву. Хвост ждёт продолжения.
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            print(line.rstrip(b"\r").decode("utf-8", errors="replace"), flush=True)
    if leaving.is_set():
        return
    print("Соединение с сервером потеряно.", flush=True)
    # Главный поток ждёт в input(), и прервать его из другого потока нельзя: sys.exit()
    # здесь завершил бы только этот поток. os._exit завершает весь процесс сразу, без
    # обычной уборки, поэтому сначала сбрасываем буфер вывода.
    sys.stdout.flush()
    os._exit(0)


def main():
    args = parse_args()
    try:
        name = input("Ваше имя: ")
    except (EOFError, KeyboardInterrupt):
        return
    try:
        sock = socket.create_connection((HOST, args.port))
    except OSError as error:
        print(f"Не удалось подключиться к {HOST}:{args.port}: {error}", flush=True)
        sys.exit(1)
    print(f"Подключено к {HOST}:{args.port} как {name}. {EXIT_WORD} — выход.", flush=True)
    sock.sendall((name + "\n").encode("utf-8"))  # имя — первой строкой
    # daemon=True: когда главный поток закончит, процесс не будет ждать получателя.
    threading.Thread(target=receive_loop, args=(sock,), daemon=True).start()
    try:
        while True:
            line = input()
            if line.strip() == EXIT_WORD:
                break
            sock.sendall((line + "\n").encode("utf-8"))
    except (EOFError, KeyboardInterrupt):  # конец ввода (Ctrl+D) и Ctrl+C — тоже выход
        pass
    except OSError:  # сервер пропал; получатель уже сообщает об этом
        pass
    leaving.set()
    # shutdown сообщает серверу «я ушёл» (FIN) и будит получателя, ждущего в recv;
    # close этого не делает.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
    print("Вы вышли из чата.", flush=True)


if __name__ == "__main__":
    main()
