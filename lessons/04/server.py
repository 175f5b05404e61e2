"""Урок 04 (задание 4): многопользовательский TCP-чат, сервер — заготовка.

Lesson 04 (assignment 4): multi-user TCP chat, server side — starter code.

Программа уже запускается: слушает порт, печатает баннер и принимает соединения. Но
чата пока нет: она молча читает и выбрасывает всё, что присылает клиент, и обслуживает
клиентов по одному. Ваша задача — шаги со словом TODO (подробности в README.md):

  шаг 2 — каждого клиента обслуживать в отдельном потоке;
  шаг 3 — read_lines: резать поток байтов на строки (буфер, "\\n", UTF-8);
  шаг 4 — handle_client: имя, уведомление о входе, сообщения, уведомление о выходе;
  шаг 5 — send_loop и broadcast: у каждого клиента своя очередь и свой поток-писатель,
          рассылка кладёт строку в очереди и никого не ждёт.

The program already runs: it listens, prints a banner and accepts connections. There is
no chat yet: it silently reads and drops whatever a client sends, and serves one client
at a time. Your work is the TODO steps (details in README.en.md):

  step 2 — serve each client in its own thread;
  step 3 — read_lines: cut the byte stream into lines (a buffer, "\\n", UTF-8);
  step 4 — handle_client: nickname, join notice, messages, leave notice;
  step 5 — send_loop and broadcast: each client has its own queue and writer thread;
           broadcast puts a line in the queues and waits for nobody.

Запуск / run: python server.py [--port N]     Проверка / grade: python -m autograder lessons/04
"""

import argparse
import os
import queue  # noqa: F401 - понадобится на шагах 4–5 / needed in steps 4-5
import signal
import socket
import threading

HOST = "127.0.0.1"  # только эта машина может подключиться / only this machine can connect
DEFAULT_PORT = 9090  # если не задан --port или CHAT_PORT / unless --port or CHAT_PORT is given
RECV_SIZE = 4096  # recv вернёт не больше, часто меньше / recv returns at most this, often less
EXIT_WORD = "exit"  # сервер может понимать и это слово / the server may understand it too
# Самая длинная строка без "\n", которую копим (64 КБ проходит): без предела клиент, не
# присылающий "\n", съел бы память. / The longest line without "\n" we keep (64 KB passes):
# without a limit a client that never sends "\n" would eat all memory.
MAX_LINE = 64 * 1024 + 1024
# Сколько строк может ждать отправки одному клиенту; полная очередь — он давно не читает.
# How many lines may wait to be sent to one client; a full queue: it stopped reading.
QUEUE_SIZE = 1000

# Общий словарь клиентов: сокет -> очередь строк (bytes), ждущих отправки этому клиенту.
# Его меняют потоки всех клиентов сразу, поэтому обращаться к нему — только под замком.
# The shared dict of clients: socket -> queue of lines (bytes) waiting to be sent to that
# client. The threads of all clients change it at once, so touch it only under the lock.
clients = {}
clients_lock = threading.Lock()


def parse_args():
    """Порт: --port, иначе переменная CHAT_PORT, иначе 9090. / The port: --port, else CHAT_PORT, else 9090."""
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
    отключится. / A generator of lines (str, no "\\n", stripped) until the client leaves."""
    # TODO (шаг 3): буфер байтов; в цикле data = conn.recv(RECV_SIZE); b"" — конец;
    #   отрезать из буфера целые строки по b"\n", каждую декодировать
    #   (.decode("utf-8", errors="replace").strip()) и выдать: yield text. Хвост без "\n"
    #   остаётся в буфере; если он длиннее MAX_LINE — raise ValueError.
    #   recv — это не «одно сообщение»: половина строки, две строки сразу и половина
    #   русской буквы — обычное дело.
    # TODO (step 3): a byte buffer; in a loop data = conn.recv(RECV_SIZE); b"" is the end;
    #   cut whole lines out of the buffer at b"\n", decode each one
    #   (.decode("utf-8", errors="replace").strip()) and hand it out: yield text. The tail
    #   without "\n" stays in the buffer; longer than MAX_LINE: raise ValueError.
    #   recv is not "one message": half a line, two lines at once and half a Cyrillic
    #   letter are all normal.
    # Заглушка: строк нет. Замените её своим кодом. / A stub: no lines. Replace it.
    yield from ()


def send_loop(conn, outbox):
    """Поток-писатель одного клиента: отправляет строки из его очереди, пока не придёт None.
    / One client's writer thread: sends the lines of its queue until None comes."""
    # TODO (шаг 5): в цикле data = outbox.get(); None — конец; иначе conn.sendall(data),
    #   ошибку OSError поймать (клиент ушёл) и брать из очереди дальше, до None. После
    #   цикла — conn.close(): писатель пользуется сокетом последним.
    #   sendall возвращается, как только байты легли в буфер отправки ядра. Ждёт он, только
    #   когда клиент не читает и буферы полны (его окно приёма и наш буфер отправки), — и
    #   тогда ждёт лишь этот поток, а не отправитель и не остальные.
    # TODO (step 5): in a loop data = outbox.get(); None is the end; otherwise
    #   conn.sendall(data), catch OSError (the client left) and keep taking from the queue
    #   until None. After the loop: conn.close(), the writer is the last to use the socket.
    #   sendall returns as soon as the bytes fit in the kernel's send buffer. It waits only
    #   when the client does not read and the buffers are full (its receive window and our
    #   send buffer), and then only this thread waits, not the sender, not the others.
    pass


def broadcast(text, sender=None):
    """Отправить строку text всем клиентам, кроме sender (сокета отправителя).
    / Send the line text to every client except sender (the sender's socket)."""
    # TODO (шаг 5): data = (text + "\n").encode("utf-8"); под замком clients_lock только
    #   скопировать пары (сокет, очередь) всех, кроме sender; уже без замка каждому
    #   outbox.put_nowait(data). put_nowait не ждёт: очередь полна — queue.Full; значит,
    #   клиент давно не читает: отключить его, conn.shutdown(socket.SHUT_RDWR) (его поток
    #   проснётся и разошлёт уведомление о выходе). Никогда не ждите получателя здесь.
    # TODO (step 5): data = (text + "\n").encode("utf-8"); under clients_lock only copy the
    #   (socket, queue) pairs of everyone but sender; then, without the lock,
    #   outbox.put_nowait(data) for each. put_nowait never waits: a full queue raises
    #   queue.Full, meaning the client stopped reading long ago: drop it with
    #   conn.shutdown(socket.SHUT_RDWR) (its thread wakes up and announces the leave).
    #   Never wait for a receiver here.
    pass


def handle_client(conn, addr):
    """Обслужить одного клиента от подключения до ухода. Работает в своём потоке.
    / Serve one client from connecting to leaving. Runs in its own thread."""
    # TODO (шаг 4): outbox = queue.Queue(maxsize=QUEUE_SIZE) и поток-писатель:
    #   threading.Thread(target=send_loop, args=(conn, outbox), daemon=True).start().
    # TODO (шаг 4): первая строка от клиента (next(lines, None)) — его имя. Под замком
    #   clients[conn] = outbox, затем разослать остальным "<имя> присоединился к чату.".
    # TODO (шаг 4): каждую следующую строку разослать остальным как "<имя>: текст";
    #   пустые пропускать; EXIT_WORD — выход.
    # TODO (шаг 4): когда строки кончились (клиент закрыл соединение), оборвались
    #   (ConnectionResetError — это OSError) или строка слишком длинная (ValueError), в
    #   блоке finally: под замком убрать клиента из clients, разослать "<имя> вышел из
    #   чата.", conn.shutdown(socket.SHUT_RDWR) (разбудит писателя) и outbox.put(None).
    # TODO (step 4): outbox = queue.Queue(maxsize=QUEUE_SIZE) and a writer thread:
    #   threading.Thread(target=send_loop, args=(conn, outbox), daemon=True).start().
    # TODO (step 4): the client's first line (next(lines, None)) is its nickname. Under
    #   the lock clients[conn] = outbox, then tell the others "<nick> присоединился к чату.".
    # TODO (step 4): send every following line to the others as "<nick>: text"; skip
    #   empty ones; EXIT_WORD means leaving.
    # TODO (step 4): when the lines run out (the client closed), break off
    #   (ConnectionResetError is an OSError) or a line is too long (ValueError), in a
    #   finally block: under the lock remove the client from clients, tell the others
    #   "<nick> вышел из чата.", conn.shutdown(socket.SHUT_RDWR) (wakes the writer) and
    #   outbox.put(None).
    # Заглушка: молча читаем и выбрасываем всё, пока клиент не отключится. Удалите её.
    # A stub: silently read and drop everything until the client leaves. Remove it.
    try:
        while conn.recv(RECV_SIZE):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def stop_on_sigterm(signum, frame):
    """SIGTERM (kill, автопроверка) — как Ctrl+C. / SIGTERM (kill, the grader) acts as Ctrl+C."""
    raise KeyboardInterrupt


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Перезапущенный сервер сразу займёт порт, хотя соединения, которые он закрыл первым,
    # ещё висят в TIME_WAIT. Два живых сервера на одном порту эта опция не пустит.
    # A restarted server can bind the port at once, though the connections it closed first
    # still sit in TIME_WAIT. It does not let two live servers share a port.
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, args.port))
    # Очередь ещё не принятых соединений: 50 клиентов, пришедших разом, подождут accept.
    # The backlog of connections not yet accepted: 50 clients at once wait for accept.
    server.listen(socket.SOMAXCONN)
    # flush=True: когда stdout — канал (pipe), а не терминал, Python копит вывод в буфере.
    # flush=True: when stdout is a pipe, not a terminal, Python buffers the output.
    print(f"Сервер слушает {HOST}:{args.port}", flush=True)
    try:
        while True:
            conn, addr = server.accept()
            # TODO (шаг 2): пока следующий клиент ждёт, чтобы этот отключился. Запустите
            #   handle_client в отдельном потоке:
            #   threading.Thread(target=..., args=(...), daemon=True).start()
            # TODO (step 2): the next client waits until this one leaves. Run
            #   handle_client in its own thread:
            #   threading.Thread(target=..., args=(...), daemon=True).start()
            handle_client(conn, addr)
    except KeyboardInterrupt:
        print("Сервер остановлен", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
