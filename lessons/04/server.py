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
    # TODO (шаг 3): буфер байтов; в цикле data = conn.recv(RECV_SIZE); b"" — конец;
    #   пока в буфере есть b"\n" — отрезать строку, декодировать целиком
    #   (.decode("utf-8", errors="replace")) и выдать: yield text.
    #   recv — это не «одно сообщение»: половина строки, две строки сразу и половина
    #   русской буквы — обычное дело.
    # Заглушка: строк нет. Замените её своим кодом.
    yield from ()


def broadcast(text, sender=None):
    """Отправить строку text всем клиентам, кроме sender (сокета отправителя)."""
    # TODO (шаг 5): под замком clients_lock только скопировать список получателей;
    #   отправлять (sendall((text + "\n").encode("utf-8"))) уже без замка, иначе один
    #   клиент, переставший читать, остановит весь чат. Ошибку отправки одному клиенту
    #   (OSError) поймать, чтобы остальные всё равно получили строку.
    # TODO (шаг 5, потом): sendall ждёт, пока получатель прочитает, и клиент, переставший
    #   читать, остановит поток отправителя. Пишите без ожидания:
    #   sock.send(data, socket.MSG_DONTWAIT) кладёт, сколько влезло, остаток — в «хвост»
    #   клиента, который отправляет его поток-писатель; хвост больше предела (4 МиБ) —
    #   отключить клиента (shutdown). Подробности — README.md, шаг 5.
    pass


def handle_client(conn, addr):
    """Обслужить одного клиента от подключения до ухода. Работает в своём потоке."""
    # TODO (шаг 4): (можно) отправить приглашение "Пожалуйста, введите ваше имя:".
    # TODO (шаг 4): первая строка от клиента — его имя. Под замком добавить его в clients
    #   и разослать остальным "<имя> присоединился к чату.".
    # TODO (шаг 4): каждую следующую строку разослать остальным как "<имя>: текст".
    # TODO (шаг 4): когда строки кончились (клиент закрыл соединение или оборвал его —
    #   ConnectionResetError), в блоке finally: убрать клиента из clients, разослать
    #   "<имя> вышел из чата.", закрыть conn.
    # Заглушка: молча читаем и выбрасываем всё, пока клиент не отключится. Удалите её.
    try:
        while conn.recv(RECV_SIZE):
            pass
    except OSError:
        pass
    finally:
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
            # TODO (шаг 2): пока следующий клиент ждёт, чтобы этот отключился. Запустите
            #   handle_client в отдельном потоке:
            #   threading.Thread(target=..., args=(...), daemon=True).start()
            handle_client(conn, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
