"""Lesson 02's hints: the likely bugs of a two-user console chat (a server and a client,
each with a receiving thread beside input()).

Each names the bug in words a student can act on and the anchor of its section in
docs/common-bugs.md.
"""

from __future__ import annotations

from autograder.i18n import Text
from autograder.verdicts import Hint

# --- the likely bugs -------------------------------------------------------------------
NO_RECEIVER = Hint(
    Text(
        "Пока главный поток ждёт input(), сокет никто не читает: строка от собеседника даже "
        "не принята. Запустите поток-получатель: threading.Thread(target=receive_loop, "
        "args=(sock,), daemon=True).start(), в нём — цикл recv() и печать.",
        "Nobody reads the socket while the main thread waits in input(): the line from the "
        "other side is not even received. Start a receiving thread: "
        "threading.Thread(target=receive_loop, args=(sock,), daemon=True).start(), looping "
        "recv() and printing.",
    ),
    "full-duplex",
)

NOT_PRINTED = Hint(
    Text(
        "Программа приняла строку, но ничего не напечатала: печатайте каждую принятую строку "
        'сразу, в потоке-получателе: print(f"Собеседник: {text}", flush=True).',
        "The program received the line but printed nothing: print every received line at "
        'once, in the receiving thread: print(f"Собеседник: {text}", flush=True).',
    ),
    "full-duplex",
)

TAKES_TURNS_RECEIVING = Hint(
    Text(
        "Первая строка напечатана, а вторую программа даже не прочитала: после каждой "
        "принятой строки она ждёт input() и только потом снова вызывает recv() — стороны "
        "говорят по очереди. Принимайте в отдельном потоке, в цикле.",
        "The first line was printed, the second was not even read: after each line that "
        "comes, the program waits in input() before it calls recv() again, so the two "
        "sides take turns. Receive in a thread of its own, in a loop.",
    ),
    "full-duplex",
)

NO_SEND = Hint(
    Text(
        "Набранная строка не дошла до собеседника, даже когда он сам что-то прислал: главный "
        "поток в цикле читает input() и отправляет каждую строку: "
        'sock.sendall((line + "\\n").encode()).',
        "A typed line did not reach the other side, not even once it said something itself: "
        "the main thread loops over input() and sends every line: "
        'sock.sendall((line + "\\n").encode()).',
    ),
    "full-duplex",
)

NO_EXIT = Hint(
    Text(
        "После exit программа не закрыла соединение и не завершилась. На line.strip() == "
        '"exit" выйдите из цикла ввода, затем sock.shutdown(socket.SHUT_RDWR) (он отправляет '
        "собеседнику FIN и будит поток-получатель, ждущий в recv()) и sock.close(); поток-"
        "получатель с daemon=True не держит процесс.",
        "After exit the program neither closed the connection nor ended. On line.strip() "
        '== "exit" leave the input loop, then sock.shutdown(socket.SHUT_RDWR) (it sends the '
        "other side a FIN and wakes the receiving thread blocked in recv()) and sock.close(); "
        "a daemon=True receiving thread does not keep the process alive.",
    ),
    "leaving",
)

STILL_RUNNING = Hint(
    Text(
        "Соединение закрыто, а процесс работает дальше: его держит поток-получатель без "
        "daemon=True (или главный поток ждёт его в join()). Сделайте поток daemon=True; "
        "shutdown() будит его recv().",
        "The connection is closed but the process goes on: a receiving thread without "
        "daemon=True keeps it alive (or the main thread waits for it in join()). Make the "
        "thread daemon=True; shutdown() wakes its recv().",
    ),
    "leaving",
)

EOF_IGNORED = Hint(
    Text(
        "Ввод закончился (Ctrl+D), а программа не закрыла соединение и не завершилась: "
        'input() бросает EOFError (sys.stdin.readline() возвращает ""), а программа этого не '
        "замечает или ждёт чего-то ещё. Конец ввода — то же, что exit: выйдите из цикла "
        "ввода, shutdown() и close().",
        "The input ended (Ctrl-D) and the program neither closed the connection nor "
        'ended: input() raises EOFError (sys.stdin.readline() returns ""), and the program '
        "does not notice or waits for something else. The end of input means exit: leave "
        "the input loop, shutdown() and close().",
    ),
    "leaving",
)

EOF_ERROR = Hint(
    Text(
        "В конце ввода (Ctrl+D, закрытый stdin) input() бросает EOFError: поймайте его и "
        "выйдите так же, как по exit.",
        "At the end of input (Ctrl-D, a closed stdin) input() raises EOFError: catch it "
        "and leave just as on exit.",
    ),
    "leaving",
)

EOF_SPINS = Hint(
    Text(
        "Ввод закончился, а цикл ввода крутится вхолостую: input() сразу и снова бросает "
        'EOFError (или sys.stdin.readline() возвращает ""). Конец ввода — то же, что exit: '
        "выйдите из цикла.",
        "The input ended and the input loop spins: input() raises EOFError (or "
        'sys.stdin.readline() returns "") at once, again and again. The end of input means '
        "the same as exit: leave the loop.",
    ),
    "leaving",
)

FATAL_STDIN = Hint(
    Text(
        "Python аварийно прервал программу при выходе («Fatal Python error: … could not "
        "acquire lock for <stdin>»): главный поток закончился, пока другой поток ещё ждал в "
        "input(). Когда собеседник ушёл, завершайте весь процесс из потока-получателя: "
        "sys.stdout.flush(); os._exit(0).",
        "Python aborted the program at exit ('Fatal Python error: ... could not acquire "
        "lock for <stdin>'): the main thread ended while another thread still waited in "
        "input(). When the other side leaves, end the whole process from the receiving "
        "thread: sys.stdout.flush(); os._exit(0).",
    ),
    "leaving",
)

PEER_LEFT = Hint(
    Text(
        "Собеседник закрыл соединение, а программа не завершилась. recv() в потоке-"
        'получателе вернёт b"" (а при обрыве бросит OSError): сообщите об этом и завершите '
        "весь процесс — sys.stdout.flush(); os._exit(0). sys.exit() в потоке завершает "
        "только этот поток, "
        "а главный остаётся в input(); и пока главный поток ждёт input(), заметить уход "
        "собеседника может только поток-получатель.",
        "The other side closed the connection and the program did not end. recv() in the "
        'receiving thread returns b"" (or raises OSError on a reset): say so and end the '
        "whole process, sys.stdout.flush(); os._exit(0). sys.exit() in a thread ends only "
        "that thread while the main thread "
        "stays in input(); and while the main thread waits in input(), only a receiving "
        "thread can notice the other side leave.",
    ),
    "leaving",
)

PEER_LEFT_SPINS = Hint(
    Text(
        "Собеседник закрыл соединение, а цикл приёма не остановился: recv() снова и снова "
        'возвращает b"" (программа печатает пустые сообщения или ест 100% процессора). На '
        'b"" — выйти из цикла, сообщить об уходе и завершиться.',
        "The other side closed the connection and the receiving loop did not stop: recv() "
        'returns b"" again and again (the program prints empty messages or burns 100% CPU). '
        'On b"": leave the loop, say the other side left, and end.',
    ),
    "empty-recv",
)

NO_NOTICE = Hint(
    Text(
        "После ухода собеседника программа ничего не напечатала: сообщите, что он ушёл "
        '(например, print("Собеседник вышел из чата.", flush=True)), и завершитесь.',
        "After the other side left the program printed nothing: say that it left (e.g. "
        'print("Собеседник вышел из чата.", flush=True)) and end.',
    ),
    "leaving",
)

PIECES_AS_LINES = Hint(
    Text(
        "Строка, пришедшая тремя кусками, напечатана как несколько: программа печатает "
        'каждый recv() как сообщение. Копите байты в буфере, режьте по b"\\n" и печатайте '
        "целые строки (receive_loop, шаг 2).",
        "A line that came in three pieces was printed as several: the program prints each "
        'recv() as a message. Keep a byte buffer, cut it at b"\\n" and print whole lines '
        "(receive_loop, step 2).",
    ),
    "recv-is-not-a-message",
)

COALESCED_AS_ONE = Hint(
    Text(
        "Две строки, пришедшие одним recv(), напечатаны как одно сообщение: подпись "
        "собеседника есть только у первой (или обе на одной строке). Делите буфер по "
        'b"\\n" и печатайте каждую строку отдельно.',
        "Two lines that came in one recv() were printed as one message: only the first has "
        'the other side\'s label (or both share a line). Split the buffer at b"\\n" and '
        "print each line by itself.",
    ),
    "recv-is-not-a-message",
)

NO_NEWLINE_SENT = Hint(
    Text(
        'Набранные строки уходят без "\\n": другая сторона (программы курса, nc) не видит, '
        "где кончается строка, и ничего не печатает или склеивает строки. Отправляйте "
        '(line + "\\n").encode().',
        'Typed lines go out without "\\n": the other side (the course\'s programs, nc) '
        "cannot tell where a line ends, and prints nothing or glues lines together. Send "
        '(line + "\\n").encode().',
    ),
    "recv-is-not-a-message",
)

ENCODE_UTF8 = Hint(
    Text(
        'Набранная кириллица пришла не в UTF-8: кодируйте набранные строки line.encode("utf-8").',
        'Typed Cyrillic did not arrive as UTF-8: encode typed lines with line.encode("utf-8").',
    ),
    "split-utf8",
)

NOT_RECEIVED_AT_ALL = Hint(
    Text(
        "Программа вообще не читает сокет: строка собеседника не принята ни пока программа "
        "ждёт ввода, ни после Enter. Нужен цикл recv() в потоке-получателе: "
        "threading.Thread(target=receive_loop, args=(sock,), daemon=True).start(), в нём — "
        "recv() и печать каждой строки.",
        "The program does not read the socket at all: the other side's line is not received "
        "while it waits for input, nor after Enter. It needs a recv() loop in a receiving "
        "thread: threading.Thread(target=receive_loop, args=(sock,), daemon=True).start(), "
        "receiving and printing every line.",
    ),
    "full-duplex",
)

BLOCKS_IN_INPUT = Hint(
    Text(
        "Строка собеседника напечатана, только когда оператор нажал Enter: программа "
        "читает сокет между двумя вызовами input(), а пока она ждёт ввода, приём стоит. "
        "Принимайте и печатайте в отдельном потоке-получателе: "
        "threading.Thread(target=receive_loop, args=(sock,), daemon=True).start().",
        "The other side's line was printed only once the operator pressed Enter: the "
        "program reads the socket between two input() calls, and while it waits for input, "
        "nothing is received. Receive and print in a receiving thread of its own: "
        "threading.Thread(target=receive_loop, args=(sock,), daemon=True).start().",
    ),
    "full-duplex",
)

TWO_CLIENTS = Hint(
    Text(
        "Сервер принял второго клиента, пока первый ждал ответа: он ждёт двух клиентов и "
        "передаёт строки между ними. В уроке 02 собеседник клиента — оператор сервера: сервер "
        "принимает одного клиента, печатает его строки и отправляет ему набранное на своей "
        "клавиатуре.",
        "The server accepted a second client while the first waited: it waits for two "
        "clients and passes lines between them. In lesson 02 the client's other side is "
        "the server's operator: the server accepts one client, prints its lines and sends "
        "it what is typed at the server's own keyboard.",
    ),
    "two-user-server",
)

ACCEPTS_AGAIN = Hint(
    Text(
        "Клиент ушёл, а сервер снова ждёт в accept() нового: в чате на двоих разговор "
        "кончается, когда уходит собеседник. Сообщите об этом и завершитесь с кодом 0 "
        "(sys.stdout.flush(); os._exit(0) из потока-получателя).",
        "The client left and the server waits in accept() for a new one: in a two-user "
        "chat the conversation ends when the other side leaves. Say so and end with status "
        "0 (sys.stdout.flush(); os._exit(0) from the receiving thread).",
    ),
    "two-user-server",
)

TRACEBACK_AT_END = Hint(
    Text(
        "Программа завершилась с кодом 0, но напечатала трассировку: поток упал при выходе "
        "(чаще всего recv() в потоке-получателе на уже закрытом сокете — OSError). Поймайте "
        "OSError вокруг recv() и выходите из цикла молча, если уходите вы сами.",
        "The program ended with status 0 but printed a traceback: a thread died on the way "
        "out (most often recv() in the receiving thread on a socket already closed: "
        "OSError). Catch OSError around recv() and leave the loop quietly when you are the "
        "one leaving.",
    ),
    "leaving",
)

KEYBOARD_INTERRUPT = Hint(
    Text(
        "Программа упала с KeyboardInterrupt: input() в главном потоке прервали (например, "
        "os.kill(os.getpid(), signal.SIGINT) из потока-получателя), а исключение никто не "
        "поймал. Поймайте KeyboardInterrupt вокруг цикла ввода или завершайте процесс из "
        "потока-получателя: sys.stdout.flush(); os._exit(0).",
        "The program died of KeyboardInterrupt: input() in the main thread was interrupted "
        "(say, os.kill(os.getpid(), signal.SIGINT) from the receiving thread) and nobody "
        "caught it. Catch KeyboardInterrupt around the input loop, or end the process from "
        "the receiving thread: sys.stdout.flush(); os._exit(0).",
    ),
    "leaving",
)
