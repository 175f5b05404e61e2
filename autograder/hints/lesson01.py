"""Lesson 01's hints: the likely bugs of a TCP echo server.

Each names the bug in words a student can act on and the anchor of its section in
docs/common-bugs.md. `exact_hint` reads what came back against what was sent (a table,
tested in tests/test_hints.py).
"""

from __future__ import annotations

from collections.abc import Callable

from autograder.i18n import Text
from autograder.peers import describe_bytes
from autograder.verdicts import Hint

# --- the likely bugs -------------------------------------------------------------------
USES_SOCKET = Hint(
    Text(
        "Урок — про сокеты: сервер сам создаёт socket, вызывает bind/listen/accept и "
        "recv/sendall. Готовый socketserver или asyncio прячет ровно это.",
        "The lesson is about sockets: the server creates its socket and calls "
        "bind/listen/accept and recv/sendall itself. socketserver or asyncio hide exactly that.",
    ),
    "requirements",
)

CLOSES_AT_ONCE = Hint(
    Text(
        "Сервер закрыл соединение, ничего не вернув: handle_client сразу делает "
        "conn.close() (так в заготовке). Нужен цикл: data = conn.recv(4096); если data == "
        'b"" — выйти; иначе conn.sendall(data).',
        "The server closed the connection without sending anything back: handle_client "
        "calls conn.close() at once (the starter's stub). It needs a loop: data = "
        'conn.recv(4096); if data == b"", leave; otherwise conn.sendall(data).',
    ),
    "echo",
)

NO_ECHO = Hint(
    Text(
        "Сервер прочитал строку, но ничего не вернул: отправьте обратно то, что вернул "
        "recv(), — conn.sendall(data) в тот же conn.",
        "The server read the line but sent nothing back: send back what recv() returned, "
        "conn.sendall(data), on the same conn.",
    ),
    "echo",
)


def answers_otherwise(sent: str, came: str) -> Hint:
    """The server sent something, only not the line it read (`came`: what it sent): a
    greeting alone, a login that took the line, or the line changed (upper-cased)."""
    if any(form in came for form in (sent.upper(), sent.lower(), sent.title())):
        what = Text(
            "строка вернулась изменённой (другой регистр букв)",
            "the line came back changed (other letter case)",
        )
    else:
        what = Text(
            f"пришли только слова самого сервера, «{sent}» не вернулась",
            f'only the server\'s own words came, not "{sent}"',
        )
    return Hint(
        Text(
            f"Сервер ответил, но не тем, что прочитал: {what.ru} (см. «Получили»). Прочитав "
            "строку, эхо-сервер отправляет обратно ровно те байты, что вернул recv(): "
            "conn.sendall(data). Приветствие до этого можно; вход по имени, который забирает "
            "первую строку, upper() или replace() — нет.",
            f"The server answered, but not with what it read: {what.en} (see Received). "
            "Having read a line, an echo server sends back exactly the bytes recv() returned: "
            "conn.sendall(data). A greeting before that is fine; a login that takes the first "
            "line, upper() or replace() is not.",
        ),
        "echo",
    )


NOT_READ = Hint(
    Text(
        "Сервер принял соединение, но не читает из него: recv() для этого клиента не "
        'вызывается. handle_client должен читать в цикле, пока recv() не вернёт b"".',
        "The server accepted the connection but does not read from it: nobody calls "
        'recv() for this client. handle_client must read in a loop until recv() returns b"".',
    ),
    "echo",
)

ONCE_ONLY = Hint(
    Text(
        "Первая строка вернулась, следующая — нет: сервер отвечает один раз и закрывает "
        "соединение (или перестаёт читать). recv() → sendall() повторяются в цикле, пока "
        'recv() не вернёт b"".',
        "The first line came back, the next did not: the server answers once and closes "
        "the connection (or stops reading). Repeat recv() → sendall() in a loop until "
        'recv() returns b"".',
    ),
    "echo",
)

PIECES_AS_MESSAGES = Hint(
    Text(
        "Строка, отправленная тремя кусками, вернулась разрезанной: сервер считает каждый "
        "recv() отдельным сообщением и добавляет к куску перевод строки. TCP режет поток "
        "где угодно; эхо возвращает байты как есть.",
        "A line sent in three pieces came back cut: the server takes each recv() for a "
        "message of its own and adds a newline to each piece. TCP cuts the stream "
        "anywhere; an echo returns the bytes as they are.",
    ),
    "recv-is-not-a-message",
)

FIRST_PIECE_ONLY = Hint(
    Text(
        "Сервер вернул первый кусок и больше ничего: он считает, что один recv() — это всё "
        "сообщение, и отвечает один раз. TCP может разрезать строку на несколько recv(): "
        'повторяйте recv() → sendall() в цикле, пока recv() не вернёт b"".',
        "The server sent back the first piece and nothing more: it takes one recv() for "
        "the whole message and answers once. TCP may cut a line over several recv() "
        'calls: repeat recv() → sendall() in a loop until recv() returns b"".',
    ),
    "recv-is-not-a-message",
)

DECODES_SPLIT_CHARACTER = Hint(
    Text(
        "Символ, разрезанный между двумя recv(), сломался: data.decode() половины буквы "
        "бросает UnicodeDecodeError (поток клиента падает) или даёт «�». Эхо-сервер не "
        "декодирует: sendall(data) с байтами как есть.",
        "A character split between two recv() calls broke: data.decode() of half a letter "
        "raises UnicodeDecodeError (the client's thread dies) or gives '�'. An echo server "
        "does not decode: sendall(data) with the bytes as they are.",
    ),
    "split-utf8",
)
COALESCED_LOST = Hint(
    Text(
        "Три строки, пришедшие одним recv(), вернулись не все: сервер оставляет только "
        "часть прочитанного (например, первую строку). Возвращайте всё, что вернул recv().",
        "Three lines that came in one recv() did not all come back: the server keeps only "
        "part of what it read (say, the first line). Send back everything recv() returned.",
    ),
    "recv-is-not-a-message",
)

CHANGED_BYTES = Hint(
    Text(
        "Текст вернулся изменённым: эхо возвращает ровно те байты, что вернул recv(), — "
        "без strip(), без приставки, без добавленного перевода строки: conn.sendall(data).",
        "The text came back changed: an echo returns exactly the bytes recv() returned, "
        "with no strip(), no prefix and no added newline: conn.sendall(data).",
    ),
    "echo-exact",
)

STRIPPED = Hint(
    Text(
        "Пробелы, табуляция или \\r по краям строки пропали: сервер делает strip() (и, "
        'может быть, добавляет свой "\\n"). Эхо возвращает байты как есть: conn.sendall(data).',
        "Spaces, a tab or \\r at the ends of the line were lost: the server calls strip() "
        '(and maybe adds its own "\\n"). An echo returns the bytes as they are: '
        "conn.sendall(data).",
    ),
    "echo-exact",
)

NEWLINE_ADDED = Hint(
    Text(
        'К ответу добавлен перевод строки: сервер отправляет data + "\\n" (или печатает в '
        "сокет через print). Эхо не добавляет ничего: conn.sendall(data).",
        'A newline was added to the answer: the server sends data + "\\n" (or prints into '
        "the socket). An echo adds nothing: conn.sendall(data).",
    ),
    "echo-exact",
)

EMPTY_LINE = Hint(
    Text(
        'Пустая строка ("\\n") не вернулась, и сервер закрыл соединение: он принимает '
        "пустой текст за уход клиента (strip(), затем if not text: break). Клиент ушёл, "
        'только когда recv() вернул b"".',
        'An empty line ("\\n") did not come back and the server closed the connection: it '
        "takes empty text for the client leaving (strip(), then if not text: break). A "
        'client has left only when recv() returns b"".',
    ),
    "echo-exact",
)

WAITS_FOR_NEWLINE = Hint(
    Text(
        "Половина строки не вернулась: сервер ждёт конца строки (readline(), makefile(), "
        'цикл до "\\n"). Эхо сразу возвращает всё, что вернул recv(), даже кусок строки.',
        "Half a line did not come back: the server waits for the end of the line "
        '(readline(), makefile(), a loop until "\\n"). An echo sends back whatever recv() '
        "returned at once, even part of a line.",
    ),
    "echo-exact",
)

DECODES = Hint(
    Text(
        "Байты вернулись испорченными («�» вместо них): сервер декодирует их "
        '(decode(errors="replace"), "ascii", "latin-1") и кодирует обратно. Эхо-сервер не '
        "декодирует вовсе: conn.sendall(data) с байтами как есть.",
        "The bytes came back broken ('�' in their place): the server decodes them "
        '(decode(errors="replace"), "ascii", "latin-1") and encodes them again. An echo '
        "server does not decode at all: conn.sendall(data) with the bytes as they are.",
    ),
    "echo-exact",
)

DECODE_CRASH = Hint(
    Text(
        "Байты, которые не являются UTF-8, уронили поток клиента: data.decode() бросает "
        "UnicodeDecodeError (см. трассировку). Эхо-сервер не декодирует: conn.sendall(data) "
        "с байтами как есть; для журнала печатайте data или len(data), не data.decode().",
        "Bytes that are not UTF-8 killed the client's thread: data.decode() raises "
        "UnicodeDecodeError (see the traceback). An echo server does not decode: "
        "conn.sendall(data) with the bytes as they are; to log, print data or len(data), "
        "not data.decode().",
    ),
    "echo-exact",
)

DECODE_SWALLOWED = Hint(
    Text(
        "На байтах, которые не являются UTF-8, сервер молча закрыл соединение: decode() "
        "бросил UnicodeDecodeError, а except без трассировки закрыл соединение. Эхо-сервер "
        "не декодирует: conn.sendall(data) с байтами как есть.",
        "On bytes that are not UTF-8 the server silently closed the connection: decode() "
        "raised UnicodeDecodeError, and an except with no traceback closed the connection. "
        "An echo server does not decode: conn.sendall(data) with the bytes as they are.",
    ),
    "echo-exact",
)

NO_READ_LOOP = Hint(
    Text(
        "Вернулась только часть мегабайта, потом сервер остановился: он читает один раз "
        "(один recv() на клиента) вместо цикла, или отправляет через send(), который "
        'отправляет не всё. Читайте в цикле, пока recv() не вернёт b"", и возвращайте '
        "каждый кусок через sendall().",
        "Only part of the megabyte came back, then the server stopped: it reads once (one "
        "recv() per client) instead of a loop, or sends with send(), which may send less "
        'than it was given. Read in a loop until recv() returns b"" and send every chunk '
        "back with sendall().",
    ),
    "echo-large",
)

WAITS_FOR_ALL = Hint(
    Text(
        "Из мегабайта не вернулось ничего, хотя короткие строки возвращаются: сервер копит "
        'всё, что приходит (ждёт b"" или заполненного буфера), и только потом отвечает. '
        "Клиент же ещё отправляет и ждёт ответа. Возвращайте каждый кусок сразу, как его "
        "вернул recv().",
        "Nothing of the megabyte came back, although short lines do: the server collects "
        'everything that comes (until b"" or a full buffer) before it answers, while the '
        "client is still sending and waiting. Send every chunk back as soon as recv() "
        "returns it.",
    ),
    "echo-large",
)

LARGE_CHANGED = Hint(
    Text(
        "В середине мегабайта байты пропали или перепутались: send() взял только часть "
        "куска, а остаток программа так и не отправила, или в один сокет пишут несколько "
        "потоков. Используйте sendall() — она отправляет всё до последнего байта.",
        "Bytes went missing or out of order in the middle of the megabyte: send() took "
        "only part of a chunk and the program never sent the rest, or several threads "
        "write to one socket. Use sendall(): it sends everything to the last byte.",
    ),
    "echo-large",
)

TOO_SLOW = Hint(
    Text(
        "Мегабайт возвращается, но слишком медленно: сервер засыпает (time.sleep) или "
        "читает по нескольку байт. Читайте recv(4096) и возвращайте сразу.",
        "The megabyte comes back, but too slowly: the server sleeps (time.sleep) or reads "
        "a few bytes at a time. Read recv(4096) and send it back at once.",
    ),
    "echo-large",
)

THREAD_DIED = Hint(
    Text(
        "Поток этого клиента упал посреди разговора: причина — в последней строке "
        "трассировки ниже. Ловите OSError вокруг recv()/sendall() и не декодируйте данные.",
        "This client's thread died in the middle of the conversation: the cause is on the "
        "last line of the traceback below. Catch OSError around recv()/sendall() and do "
        "not decode the data.",
    ),
    "server-exits",
)

ONE_AT_A_TIME = Hint(
    Text(
        "Второго клиента не обслуживают, пока подключён первый: handle_client работает в "
        "главном потоке, и accept() ждёт, пока первый не уйдёт. Запускайте поток на "
        "каждого клиента: threading.Thread(target=handle_client, args=(conn, addr), "
        "daemon=True).start() (шаг 4).",
        "The second client is not served while the first is connected: handle_client runs "
        "in the main thread, and accept() waits until the first one leaves. Start a thread "
        "per client: threading.Thread(target=handle_client, args=(conn, addr), "
        "daemon=True).start() (step 4).",
    ),
    "thread-per-client",
)

SHARED_CONN = Hint(
    Text(
        "Когда подключился следующий клиент, прежнего перестали обслуживать: потоки берут "
        "сокет из общей (глобальной) переменной conn, которую перезаписывает каждый "
        "accept(). Передавайте сокет потоку: Thread(target=handle_client, args=(conn, addr)).",
        "When the next client connected, the earlier one stopped being served: the threads "
        "take the socket from one shared (global) conn variable that every accept() "
        "overwrites. Hand the socket to the thread: Thread(target=handle_client, "
        "args=(conn, addr)).",
    ),
    "thread-per-client",
)

SPINS = Hint(
    Text(
        "Клиент закрыл соединение, а цикл сервера не остановился: recv() снова и снова "
        'возвращает b"", поток крутится вхолостую (сервер ест 100% процессора). Проверяйте: '
        "if not data: break.",
        "The client closed the connection but the server's loop did not stop: recv() "
        'returns b"" again and again and the thread spins (the server burns 100% CPU). '
        "Check it: if not data: break.",
    ),
    "empty-recv",
)

NEXT_NOT_SERVED = Hint(
    Text(
        "После ухода клиента следующего не обслуживают: сервер больше не возвращается к "
        "accept() (return или break после первого клиента?). accept() — в вечном цикле.",
        "After a client left, the next one is not served: the server no longer gets back "
        "to accept() (a return or break after the first client?). Call accept() in an "
        "endless loop.",
    ),
    "accept-loop",
)

ENDS_AFTER_CLIENT = Hint(
    Text(
        "Сервер завершился, когда ушёл первый клиент: accept() вызывается один раз (как во "
        "многих примерах из интернета), а не в вечном цикле. Сервер работает, пока его не "
        "остановят: while True: conn, addr = server.accept() ...",
        "The server ended when its first client left: accept() is called once (as in many "
        "examples on the web), not in an endless loop. A server runs until it is stopped: "
        "while True: conn, addr = server.accept() ...",
    ),
    "accept-loop",
)

CRASHED_ON_LEAVE = Hint(
    Text(
        "Сервер упал, когда клиент закрыл соединение: причина — в последней строке "
        'трассировки ниже. Уход клиента (recv() вернул b"") — обычное событие: выйдите '
        "из цикла этого клиента и закройте только его conn.",
        "The server crashed when a client closed the connection: the cause is on the last "
        'line of the traceback below. A client leaving (recv() returned b"") is an '
        "ordinary event: leave that client's loop and close just its conn.",
    ),
    "server-exits",
)

RESET_ENDS_SERVER = Hint(
    Text(
        "Сервер сам завершился (код 0), когда соединение оборвали, хотя после обычного "
        "ухода клиента работает дальше: обработчик ошибки выходит из цикла accept() "
        "(break, return, sys.exit). Поймав OSError, закройте только это соединение.",
        "The server ended by itself (status 0) when a connection was reset, although it "
        "goes on after a client leaves normally: the error handler leaves the accept() "
        "loop (break, return, sys.exit). On OSError close just that connection.",
    ),
    "connection-reset",
)

STUCK_AFTER_RESET = Hint(
    Text(
        "После обрыва соединения сервер больше никого не обслуживает, хотя не упал: "
        "обработчик оборванного клиента не возвращается (ловит ошибку и снова вызывает "
        "recv()?). На OSError выходите из цикла этого клиента.",
        "After the reset the server serves nobody, although it did not crash: the handler "
        "of the reset client never returns (it catches the error and calls recv() again?). "
        "On OSError leave that client's loop.",
    ),
    "connection-reset",
)


def added_prefix(prefix: bytes) -> Hint:
    """The likely bug when `prefix` came back in front of the bytes sent."""
    shown = describe_bytes(prefix, 40)
    return Hint(
        Text(
            f"Сервер добавляет {shown} перед тем, что вернул recv(): так текст ещё узнаётся "
            "(проверка echo это прощает), но байты уже не те. Эхо возвращает ровно "
            "полученное: conn.sendall(data).",
            f"The server adds {shown} in front of what recv() returned: the text is still "
            "recognisable (check echo forgives it), but the bytes are no longer the same. An "
            "echo returns exactly what it got: conn.sendall(data).",
        ),
        "echo-exact",
    )


REPLACEMENT = "\ufffd".encode()  # what a decode with errors="replace" leaves for bad bytes

# Why the bytes that came back differ from those sent (an echo must return them exactly):
# the first row whose test holds on (sent, got, closed) names the bug; `closed` says the
# server closed the connection. A row's hint may be made from the bytes themselves.
Test = Callable[[bytes, bytes, bool], bool]
EXACT_BYTES: tuple[tuple[Test, Hint | Callable[[bytes, bytes], Hint]], ...] = (
    # Something in front of the bytes sent: a prefix ("Echo: ").
    (
        lambda sent, got, _: got.endswith(sent) and len(got) > len(sent),
        lambda sent, got: added_prefix(got[: -len(sent)]),
    ),
    (
        lambda sent, got, _: sent in got and got.index(sent) > 0,
        lambda sent, got: added_prefix(got[: got.index(sent)]),
    ),
    # "�" where bytes were: decoded with errors="replace" (or "ascii", "latin-1").
    (lambda sent, got, _: REPLACEMENT in got and REPLACEMENT not in sent, DECODES),
    # The same but for a line ending added, or for whitespace at the ends.
    (lambda sent, got, _: bool(got) and got.rstrip(b"\r\n") == sent and got != sent, NEWLINE_ADDED),
    (lambda sent, got, _: bool(got) and got.strip() == sent.strip() and got != sent, STRIPPED),
    # An empty line came back as a closed connection: empty text taken for leaving.
    (lambda sent, got, closed: not got and closed and not sent.strip(), EMPTY_LINE),
)


def exact_hint(sent: bytes, got: bytes, closed: bool, default: Hint) -> Hint:
    """Why `got` came back for `sent` (see EXACT_BYTES), else `default`."""
    for test, hint in EXACT_BYTES:
        if test(sent, got, closed):
            return hint if isinstance(hint, Hint) else hint(sent, got)
    return default


# --- the line echo client (step 5) -----------------------------------------------------
CLIENT_SENDS_NOTHING = Hint(
    Text(
        "Набранная строка не дошла до сервера: клиент прочитал её через input(), но не "
        'отправил. После input(): sock.sendall((line + "\\n").encode("utf-8")) (шаг 5).',
        "The typed line did not reach the server: the client read it with input() but did "
        'not send it. After input(): sock.sendall((line + "\\n").encode("utf-8")) (step 5).',
    ),
    "echo-client",
)

CLIENT_NO_NEWLINE = Hint(
    Text(
        'Строка ушла без "\\n" на конце. Сообщение в этом курсе — строка, которая кончается '
        'на "\\n": только по нему получатель (и ваш же клиент, читающий ответ до "\\n") '
        'видит, где она кончилась. Отправляйте (line + "\\n").encode("utf-8").',
        'The line went out without "\\n" at its end. A message in this course is a line that '
        'ends in "\\n": only by it does the receiver (your own client too, reading the reply '
        'up to its "\\n") see where it ends. Send (line + "\\n").encode("utf-8").',
    ),
    "echo-client",
)

CLIENT_NOT_PRINTED = Hint(
    Text(
        'Сервер вернул строку, а клиент её не напечатал. Прочитайте ответ до b"\\n" (цикл '
        "recv() в receive_line) и напечатайте его с flush=True. Цикл «recv(), пока не "
        'вернёт b""» здесь не годится: эхо-сервер не закрывает соединение после ответа.',
        "The server sent the line back, but the client did not print it. Read the reply up "
        'to b"\\n" (the recv() loop of receive_line) and print it with flush=True. A loop '
        '"recv() until it returns b\\"\\"" does not do here: an echo server does not close '
        "the connection after a reply.",
    ),
    "echo-client",
)

CLIENT_ONE_RECV = Hint(
    Text(
        "Клиент напечатал ответ не целым: только то, что вернул первый recv(). Один recv() — "
        "не одно сообщение: ответ может прийти кусками. Копите байты в буфере, пока в нём "
        'нет b"\\n", печатайте строку до него, а остаток оставьте для следующего ответа '
        "(receive_line, шаг 5).",
        "The client printed the reply before it was whole: only what the first recv() "
        "returned. One recv() is not one message: a reply may come in pieces. Keep the bytes "
        'in a buffer until it holds b"\\n", print the line up to it and keep the rest for the '
        "next reply (receive_line, step 5).",
    ),
    "echo-client",
)

CLIENT_PRINTS_BYTES = Hint(
    Text(
        "Клиент печатает байты, а не текст: print(data) показывает b'...\\n' (а кириллицу — "
        'как \\xd0\\xbf...). Декодируйте строку ответа без "\\n": '
        'print(line.decode("utf-8", errors="replace"), flush=True).',
        "The client prints bytes, not text: print(data) shows b'...\\n' (and Cyrillic as "
        '\\xd0\\xbf...). Decode the reply\'s line without its "\\n": '
        'print(line.decode("utf-8", errors="replace"), flush=True).',
    ),
    "echo-client",
)

CLIENT_SPLIT_LETTER = Hint(
    Text(
        "Клиент декодирует каждый recv(), а буква, разрезанная между кусками, не "
        'декодируется: UnicodeDecodeError (или «�» с errors="replace"). Декодируйте целую '
        'строку, отрезанную по b"\\n": байт "\\n" никогда не встречается внутри буквы UTF-8.',
        "The client decodes each recv(), and a letter cut between pieces does not decode: "
        "UnicodeDecodeError (or '�' with errors=\"replace\"). Decode the whole line cut at "
        'b"\\n": the byte "\\n" never occurs inside a UTF-8 letter.',
    ),
    "echo-client",
)
