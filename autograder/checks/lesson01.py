"""Lesson 01 checks: the TCP echo server.

An echo server moves bytes: whatever a client sends comes back to that client, in order
and unchanged, however TCP cut or glued it. `echo` looks for the text coming back by
content (a greeting or an "Echo: " prefix still earns it) on one connection, line after
line, also when a line arrives in pieces; `exact_bytes` compares bytes (no prefix, no
strip, no decode); `large` streams 1 MiB through the server while reading it back. The
other checks are about the server as a server: the next client after one left
(`sequential`), after one vanished (`abrupt`), and two at once (`concurrent`, few
points: lesson 01 may be single-threaded). Every check but the static one needs some
echo, so they depend on `echo`: without it there is nothing to judge.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from autograder.checks import lesson04
from autograder.checks.common import settle, spinning, static_requirements
from autograder.framework import (
    SERVER_EXITED,
    CheckContext,
    CheckFailed,
    CheckSet,
    Hint,
    Quiescence,
    Server,
    StepResult,
    quiet_reason,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer, describe_bytes
from autograder.sandbox import SandboxError
from autograder.textmatch import excerpt

CHECKS = CheckSet("01", "tcp")
EXPECT = 3.0  # seconds an echo gets to come back
LARGE = 1 << 20  # bytes streamed through the server by `large`
LARGE_TIMEOUT = 10.0  # seconds 1 MiB gets to come back (ends early once nothing moves)

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
COALESCED_LOST = Hint(
    Text(
        "Три строки, пришедшие одним recv(), вернулись не все: сервер оставляет только "
        "часть прочитанного (например, первую строку). Возвращайте всё, что вернул recv().",
        "Three lines that came in one recv() did not all come back: the server keeps only "
        "part of what it read (say, the first line). Send back everything recv() returned.",
    ),
    "recv-is-not-a-message",
)
SPLIT_CHARACTER = Hint(
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
CRASHED = Hint(
    Text(
        "Сервер упал: причина — в последней строке трассировки ниже.",
        "The server crashed: the cause is on the last line of the traceback below.",
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
RESET_CRASH = Hint(
    Text(
        "Обрыв соединения (ConnectionResetError) уронил сервер: ловите OSError вокруг "
        "recv()/sendall() в handle_client и закрывайте только это соединение.",
        "A reset connection (ConnectionResetError) brought the server down: catch OSError "
        "around recv()/sendall() in handle_client and close just that connection.",
    ),
    "connection-reset",
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


# --- helpers ---------------------------------------------------------------------------
def join(server: Server, name: str) -> TcpPeer:
    """A new client: connected, reading in the background, nothing sent yet. A server
    that ended without an error when its previous client left calls accept() once."""
    try:
        try:
            server.fail_if_dead()  # a namespace whose program ended takes no new sockets
            peer = server.open(name)
        except SandboxError:
            server.box.exited.wait(1.0)
            server.fail_if_dead()
            raise
    except CheckFailed as failure:
        # Refused: a program on its way out (on a loaded machine its exit is seen late).
        if server.box.exited.wait(1.0) and server.box.exit_status == 0:
            failure.hint = ENDS_AFTER_CLIENT
        raise
    peer.start_reading()
    return peer


def consumed(server: Server, peer: TcpPeer, hint: Hint, crash_hint: Hint | None = None) -> None:
    """Wait until the server read what `peer` sent. A server that died meanwhile is
    reported with `crash_hint` when the check's own input is the likely cause."""
    try:
        server.wait_consumed(peer, hint=hint)
    except CheckFailed as failure:
        if crash_hint is not None and failure.hint is SERVER_EXITED:
            failure.hint = crash_hint
        raise


def fail(
    server: Server,
    message: Text,
    expected: Text,
    received: str | Text | None,
    hint: Hint,
) -> None:
    """Fail with the check's own hint; a server that died is named in the message."""
    if server.box.exited.wait(0.05) and server.box.exit_status is not None:
        status = server.box.exit_status
        message = Text(
            f"{message.ru} — сервер завершился (код {status})",
            f"{message.en} — the server exited (status {status})",
        )
    raise CheckFailed(message, expected, received, hint)


def tracebacks(server: Server) -> int:
    """How many tracebacks the server printed so far (a thread that died prints one)."""
    return server.box.stderr_text().count("Traceback (most recent call last)")


def traceback_since(server: Server, before: int, wait: float = 0.5) -> bool:
    """Has the server printed a traceback since it had printed `before`? (its stderr is
    read on a thread of its own, which may lag on a loaded machine: a short wait)"""
    deadline = time.monotonic() + wait
    while tracebacks(server) <= before:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def echoed(
    server: Server,
    peer: TcpPeer,
    text: str,
    hint: Hint,
    newline: bool = True,
    crash_hint: Hint | None = None,
) -> None:
    """`peer` sends `text` (a line, unless `newline` is False); it must come back (by
    content: a prefix or a greeting around it is fine here)."""
    peer.send(f"{text}\n" if newline else text)
    consumed(server, peer, NOT_READ if hint is NO_ECHO else hint, crash_hint)
    quiet = server.quiet()
    if peer.expect(text, timeout=EXPECT, give_up=quiet):
        return
    came = peer.received_since_mark()
    if peer.closed_by_server and not came and hint is NO_ECHO:
        hint = CLOSES_AT_ONCE
    fail(
        server,
        Text(
            f"сервер закрыл соединение {peer.name}, не вернув отправленное",
            f"the server closed {peer.name}'s connection without sending back what it sent",
        )
        if peer.closed_by_server
        else Text(
            f"к {peer.name} не вернулось отправленное" + quiet_reason(quiet, EXPECT).ru,
            f"{peer.name} did not get back what it sent" + quiet_reason(quiet, EXPECT).en,
        ),
        Text(f'у {peer.name} "{text}"', f'{peer.name} gets "{text}" back'),
        excerpt(came) or None,
        crash_hint or hint,
    )


def line_prefix(peer: TcpPeer, start: int, text: str) -> bytes:
    """What the server put in front of `text` on its line ("Echo: "), from the bytes
    received since `start`; a greeting on a line of its own is not part of it."""
    raw = bytes(peer.raw[start:])
    at = raw.find(text.encode())
    if at <= 0:
        return b""
    return raw[:at].rsplit(b"\n", 1)[-1]


def without(data: bytes, prefix: bytes) -> bytes:
    """`data` with every copy of the server's own `prefix` taken out (see `echo`)."""
    return data.replace(prefix, b"") if prefix else data


def comes_back(
    server: Server, peer: TcpPeer, start: int, wanted: bytes, prefix: bytes, timeout: float
) -> bytes | None:
    """Wait until `wanted` is among the bytes received since `start` once the server's
    own `prefix` is taken out (it may be put in front of every recv()'s worth); the
    bytes that came, or None if it came back whole."""
    quiet = server.quiet()

    def found(_text: str) -> bool:
        return wanted in without(bytes(peer.raw[start:]), prefix)

    if peer.wait_until(found, timeout=timeout, give_up=quiet):
        peer.skip_to_end()
        return None
    return bytes(peer.raw[start:])


def exact_hint(sent: bytes, got: bytes, closed: bool, default: Hint) -> Hint:
    """Why `got` came back for `sent`: a prefix, a strip, an added newline, a decode."""
    if got.endswith(sent) and len(got) > len(sent):
        return added_prefix(got[: -len(sent)])
    if sent in got and got.index(sent) > 0:
        return added_prefix(got[: got.index(sent)])
    if "\ufffd".encode() in got and "\ufffd".encode() not in sent:
        return DECODES
    if got and got.rstrip(b"\r\n") == sent and got != sent:
        return NEWLINE_ADDED
    if got and got.strip() == sent.strip() and got != sent:
        return STRIPPED
    if sent.strip() and got.strip() == sent.strip():
        return STRIPPED
    if not got and closed and not sent.strip():
        return EMPTY_LINE
    return default


class Unread(Exception):
    """The server did not read what was sent on a connection it had answered before."""


def echoed_exactly(
    server: Server, peer: TcpPeer, data: bytes, hint: Hint, reused: bool = False
) -> None:
    """`peer` sends `data`; exactly these bytes must come back, nothing more or less.
    The hint names what was done to them (`exact_hint`), else `hint`. `reused`: the
    connection was answered before, and a server that answers once per connection does
    not read it again (raises Unread, so the caller may try a fresh connection)."""
    raw_start = len(peer.raw)
    before = tracebacks(server)
    peer.send(data)
    try:
        consumed(server, peer, NOT_READ, crash_hint=hint)
    except CheckFailed:
        if reused and server.alive():
            raise Unread from None
        raise
    # Until as many bytes came as went, or the echo went quiet (a server that strips
    # sends fewer); then a little longer, for an added newline or prefix.
    quiet = server.quiet()
    peer.wait_until(
        lambda _t: len(peer.raw) - raw_start >= len(data), timeout=EXPECT, give_up=quiet
    )
    settle([peer], quiet=0.05, limit=1.0)  # a newline sent on its own, after the echo
    got = bytes(peer.raw[raw_start:])
    peer.skip_to_end()
    if got == data:
        return
    likely = exact_hint(data, got, peer.closed_by_server, hint)
    if likely is hint and not got:
        if traceback_since(server, before):
            died_decoding = "UnicodeDecodeError" in server.box.stderr_text()
            likely = DECODE_CRASH if died_decoding else THREAD_DIED
        elif hint is DECODES and peer.closed_by_server:
            likely = DECODE_SWALLOWED
    fail(
        server,
        Text(
            f"к {peer.name} вернулись не те байты, что ушли",
            f"{peer.name} did not get back the bytes it sent",
        ),
        Text(f"ровно {describe_bytes(data, 80)}", f"exactly {describe_bytes(data, 80)}"),
        (describe_bytes(got, 80) if got else None)
        or (
            Text("ничего (сервер закрыл соединение)", "nothing (the server closed the connection)")
            if peer.closed_by_server
            else Text("ничего", "nothing")
        ),
        likely,
    )


def served_within(server: Server, peers: list[TcpPeer], timeout: float) -> list[TcpPeer]:
    """Which of `peers` the server has not read from within `timeout` (one shared deadline)."""
    deadline = time.monotonic() + timeout
    unread = []
    for peer in peers:
        try:
            server.wait_consumed(peer, timeout=max(0.05, deadline - time.monotonic()))
        except CheckFailed:
            server.fail_if_dead()
            unread.append(peer)
    return unread


class Connection:
    """The client connection a check keeps using across its steps.

    It is replaced by a new one when a step broke it (the server closed it, or the step
    failed on it and its thread may be dead), or when a step asks for a fresh one, so one
    step's failure does not fail the next; the old one leaves first, so a server that
    serves one client at a time gets to the new one.
    """

    def __init__(self, server: Server, names: tuple[str, ...]) -> None:
        self.server = server
        self.names = list(names)
        self.peer: TcpPeer | None = None

    def open(self) -> bool:
        return self.peer is not None and not self.peer.closed_by_server

    @contextlib.contextmanager
    def use(self, fresh: bool = False) -> Iterator[TcpPeer]:
        if fresh or self.peer is None or self.peer.closed_by_server:
            if self.peer is not None:
                self.peer.leave()
            self.peer = join(self.server, self.names.pop(0))
        peer = self.peer
        try:
            yield peer
        except CheckFailed:
            peer.leave()
            self.peer = None
            raise


def passed_part(ctx: CheckContext, weight: float, title: Text) -> None:
    """Record a part of a check that had to pass before the rest could be judged: its
    failure was the check's own (blocking) failure, its success is worth `weight`."""
    ctx.steps.append(StepResult(title, weight, True))


def sent_in_pieces(
    server: Server,
    peer: TcpPeer,
    pieces: list[bytes],
    prefix: bytes,
    crash_hint: Hint,
) -> int:
    """Send `pieces` one by one, each read by the server before the next goes: TCP cut
    the line there. The position in `peer.raw` before the first piece."""
    start = len(peer.raw)
    for piece in pieces:
        peer.send(piece)
        try:
            consumed(server, peer, crash_hint, crash_hint=crash_hint)
        except CheckFailed as failure:
            # The first piece came back and the next one is not read: the server answered
            # once (one recv() for the whole message) and stopped reading.
            if without(bytes(peer.raw[start:]), prefix) == pieces[0]:
                failure.hint = FIRST_PIECE_ONLY
            raise
    return start


def whole_again(
    server: Server,
    peer: TcpPeer,
    pieces: list[bytes],
    wanted: str,
    prefix: bytes,
    default: Hint,
) -> None:
    """A line sent in `pieces` must come back whole (the server's prefix taken out)."""
    start = sent_in_pieces(server, peer, pieces, prefix, default)
    came = comes_back(server, peer, start, wanted.encode(), prefix, EXPECT)
    if came is None:
        return
    hint = default
    if without(came, prefix) == pieces[0]:
        hint = FIRST_PIECE_ONLY
    elif default is PIECES_AS_MESSAGES and b"\n" in without(came, prefix).rstrip(b"\n"):
        hint = PIECES_AS_MESSAGES
    fail(
        server,
        Text(
            f"к {peer.name} строка, отправленная кусками, не вернулась целой",
            f"{peer.name} did not get back whole the line it sent in pieces",
        ),
        Text(f'у {peer.name} строка "{wanted}"', f'{peer.name} gets the line "{wanted}" back'),
        describe_bytes(came, 80) if came else None,
        hint,
    )


# --- checks ----------------------------------------------------------------------------
@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """The server imports socket (read from the source, not run)."""
    static_requirements(ctx, server_modules=("socket",), client_modules=(), hint=USES_SOCKET)


# The same start-up check as lesson 04: listens, accepts, a fixed port other than 9090 is
# accepted with a note, a random one is not.
CHECKS.check("starts", depends=())(lesson04.starts)


@CHECKS.check("echo")
def echo(ctx: CheckContext) -> None:
    """A line a client sends comes back to it (found by content: a greeting or a prefix
    such as "Echo: " is fine here); more lines on the same connection come back too; a
    line that arrives in pieces (a letter cut in two among them) and three lines in one
    segment come back whole."""
    server = ctx.server()
    alice = join(server, "alice")
    start = len(alice.raw)
    # Nothing comes back: nothing else here (nor in the other checks) can be judged.
    echoed(server, alice, "hello, echo", NO_ECHO)
    prefix = line_prefix(alice, start, "hello, echo")
    passed_part(ctx, 0.4, Text("строка возвращается", "a line comes back"))
    connection = Connection(server, ("bob", "carol"))
    connection.peer = alice
    with ctx.step(
        0.2,
        Text("ещё две строки по тому же соединению", "two more lines on the same connection"),
    ):
        try:
            for text in ("second line", "third line"):
                echoed(server, alice, text, ONCE_ONLY)
        except CheckFailed:
            alice.leave()  # the next step gets a connection of its own
            connection.peer = None
            raise
    with (
        ctx.step(
            0.2,
            Text(
                "строка тремя кусками и три строки одним send()",
                "a line in three pieces and three lines in one send()",
            ),
        ),
        connection.use() as peer,
    ):
        pieces = [b"frag", b"mented mess", b"age\n"]
        whole_again(server, peer, pieces, "fragmented message", prefix, PIECES_AS_MESSAGES)
        lines = ("one apple", "two pears", "three plums")
        start = len(peer.raw)
        peer.send("".join(f"{line}\n" for line in lines))
        consumed(server, peer, NOT_READ, crash_hint=COALESCED_LOST)
        wanted = "".join(f"{line}\n" for line in lines).encode()
        came = comes_back(server, peer, start, wanted, prefix, EXPECT)
        if came is not None and not all(line.encode() in without(came, prefix) for line in lines):
            fail(
                server,
                Text(
                    f"к {peer.name} вернулись не все три строки",
                    f"{peer.name} did not get all three lines back",
                ),
                Text(f"у {peer.name} все три строки", f"{peer.name} gets all three lines back"),
                describe_bytes(came, 80) if came else None,
                COALESCED_LOST,
            )
    with (
        ctx.step(
            0.2,
            Text("буква, разрезанная между кусками", "a letter cut in two between pieces"),
        ),
        connection.use() as peer,
    ):
        # "ё" and "🎄" are cut in two: a strict decode() of the first piece kills the
        # thread (then nobody reads the rest, which is this step's bug, not a missing thread).
        data = "ёлка и 🎄\n".encode()
        emoji_at = data.index("🎄".encode())
        pieces = [data[:1], data[1 : emoji_at + 2], data[emoji_at + 2 :]]
        whole_again(server, peer, pieces, "ёлка и 🎄", prefix, SPLIT_CHARACTER)


@CHECKS.check("exact_bytes", depends=("echo",))
def exact_bytes(ctx: CheckContext) -> None:
    """The bytes come back exactly, with no prefix, strip or decode: Cyrillic and emoji,
    bytes that are not UTF-8, spaces, a tab and \\r\\n, an empty line, half a line."""
    server = ctx.server()
    names = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")
    connection = Connection(server, names)
    cases = [
        (0.3, Text("кириллица и эмодзи", "Cyrillic and emoji"), "привет, мир 👋\n".encode(), None),
        (
            0.2,
            Text("байты, которые не UTF-8", "bytes that are not UTF-8"),
            b"\xff\xfe not \xc3\x28 utf-8 \x80\n",
            DECODES,
        ),
        (
            0.2,
            Text("пробелы, табуляция и \\r\\n — как были", "spaces, a tab and \\r\\n as they were"),
            b"  two spaces,\ta tab and CRLF  \r\n",
            None,
        ),
        (0.1, Text("пустая строка", "an empty line"), b"\n", None),
        (
            0.2,
            Text("половина строки, без \\n", "half a line, no \\n"),
            b"no newline yet",
            WAITS_FOR_NEWLINE,
        ),
    ]
    greets = True  # until the first connection shows that the server does not greet
    rereads = True  # until a connection answered once is not read again
    for weight, title, data, hint in cases:
        with ctx.step(weight, title):
            # On the connection so far; on a fresh one when the server closed it, or no
            # longer reads it (it answers once per connection: that is echo's business).
            for fresh in (not rereads, True):
                reused = connection.open() and not fresh
                with connection.use(fresh=fresh) as peer:
                    if greets and not reused:
                        settle([peer], quiet=0.05)  # a greeting is not the echo
                        greets = peer.received_bytes > 0
                    try:
                        echoed_exactly(server, peer, data, hint or CHANGED_BYTES, reused)
                        break
                    except Unread:
                        rereads = False
                        ctx.transcript.add(
                            "grader",
                            Text(
                                "сервер больше не читает это соединение: берём новое",
                                "the server no longer reads this connection: taking a new one",
                            ),
                        )


def large_payload() -> bytes:
    """1 MiB of numbered 64-byte lines: where the echo went wrong can be read off it."""
    line = b"-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ-echo-"
    lines = [f"{n:06d}".encode() + line[: 64 - 7] + b"\n" for n in range(LARGE // 64)]
    return b"".join(lines)


def kilobytes(count: int) -> str:
    return f"{count / 1024:.0f}"


@CHECKS.check("large", depends=("echo",))
def large(ctx: CheckContext) -> None:
    """1 MiB sent while reading concurrently comes back whole and in order: the server
    reads in a loop and sends with sendall() (a prefix the server adds is taken out)."""
    server = ctx.server()
    payload = large_payload()
    peer = join(server, "alice")
    settle([peer])  # a greeting is not part of the echo
    start = len(peer.raw)
    before = tracebacks(server)
    ctx.transcript.add(
        "alice",
        Text(
            f"отправляет 1 МиБ ({len(payload) // 64} строки по 64 байта) и одновременно читает",
            f"sends 1 MiB ({len(payload) // 64} lines of 64 bytes) while reading",
        ),
    )
    # Sent from a thread of its own while alice's reader takes the echo: a client that
    # only sends would fill both directions' buffers and deadlock with the server's sendall.
    sender = threading.Thread(
        target=peer.send,
        args=(payload,),
        kwargs={"timeout": LARGE_TIMEOUT, "log": False},
        daemon=True,
    )
    sender.start()
    deadline = time.monotonic() + LARGE_TIMEOUT
    quiet: Quiescence = server.quiet()
    prefix = b""

    def back() -> bytes:
        """What came back, the server's prefix taken out (learnt from the first line)."""
        nonlocal prefix
        got = bytes(peer.raw[start:])
        if not prefix and got and not payload.startswith(got[: min(len(got), 16)]):
            at = got.find(payload[:16])
            if at > 0:
                prefix = got[:at]
        got = without(got, prefix)
        # A prefix cut in half at the end is still arriving.
        for cut in range(len(prefix) - 1, 0, -1):
            if got.endswith(prefix[:cut]):
                return got[:-cut]
        return got

    first = peer.received_bytes
    while True:
        got = back()
        if len(got) >= len(payload):
            break
        # Something else than the megabyte's start (past any prefix): no need to wait on.
        if not payload.startswith(got) and (prefix or len(peer.raw) - start > 256):
            break
        if peer.closed_by_server or time.monotonic() > deadline or quiet():
            break
        peer.wait_for_bytes(first + len(payload), timeout=0.02)
    peer.skip_to_end()
    got = back()
    if got == payload:
        ctx.transcript.add("alice", Text("1 МиБ вернулся целиком", "the 1 MiB came back whole"))
        return
    came = Text(
        f"{kilobytes(len(got))} КБ из {kilobytes(len(payload))} КБ",
        f"{kilobytes(len(got))} KB of {kilobytes(len(payload))} KB",
    )
    expected = Text(
        "весь 1 МиБ обратно, в том же порядке", "the whole 1 MiB back, in the same order"
    )
    if len(got) > len(payload):
        ctx.skip(
            Text(
                "не по чему судить: сервер возвращает больше, чем получил (см. exact_bytes)",
                "nothing to judge by: the server sends back more than it got (see exact_bytes)",
            )
        )
    if not payload.startswith(got):
        at = next(i for i, (a, b) in enumerate(zip(got, payload, strict=False)) if a != b)
        # Bytes lost (what follows is found later in the megabyte) are this check's
        # business; bytes added or changed, whitespace stripped or added (the same bytes
        # but for whitespace), are exact_bytes'.
        bare = got.translate(None, b" \t\r\n")
        if (
            prefix
            or payload.find(got[at : at + 32], at) <= at
            or payload.translate(None, b" \t\r\n").startswith(bare)
        ):
            ctx.skip(
                Text(
                    "не по чему судить: сервер меняет то, что возвращает (см. exact_bytes)",
                    "nothing to judge by: the server changes what it sends back (see exact_bytes)",
                )
            )
        fail(
            server,
            Text(
                f"мегабайт вернулся с ошибкой: с байта {at} пришло не то, что ушло",
                f"the megabyte came back wrong: from byte {at} on, not what was sent",
            ),
            expected,
            Text(
                f"с байта {at}: {describe_bytes(got[at : at + 40], 40)}, а ушло "
                f"{describe_bytes(payload[at : at + 40], 40)}",
                f"from byte {at}: {describe_bytes(got[at : at + 40], 40)}, where "
                f"{describe_bytes(payload[at : at + 40], 40)} was sent",
            ),
            LARGE_CHANGED,
        )
    if server.box.exited.wait(0.05):
        status = server.box.exit_status
        fail(
            server,
            Text(
                f"вернулось {came.ru}, и сервер упал",
                f"{came.en} came back, and the server crashed",
            ),
            expected,
            came,
            CRASHED if status != 0 else ENDS_AFTER_CLIENT,
        )
    if traceback_since(server, before):
        hint = THREAD_DIED
    elif not got and not peer.closed_by_server:
        hint = WAITS_FOR_ALL
    elif not peer.closed_by_server and not quiet.concluded:
        hint = TOO_SLOW
    else:
        hint = NO_READ_LOOP
    fail(
        server,
        Text(
            f"вернулось {came.ru}, потом сервер закрыл соединение",
            f"{came.en} came back, then the server closed the connection",
        )
        if peer.closed_by_server
        else Text(
            f"вернулось {came.ru}, и больше ничего" + quiet_reason(quiet, LARGE_TIMEOUT).ru,
            f"{came.en} came back, and nothing more" + quiet_reason(quiet, LARGE_TIMEOUT).en,
        ),
        expected,
        came,
        hint,
    )


@CHECKS.check("sequential", depends=("echo",))
def sequential(ctx: CheckContext) -> None:
    """After a client closes its connection the server serves the next one (it goes back
    to accept(); a closed connection leaves no thread spinning on recv() == b'')."""
    server = ctx.server()
    alice = join(server, "alice")
    echoed(server, alice, "goodbye soon", NO_ECHO)
    alice.leave()
    # A correct server closes its end at once.
    alice.wait_until(lambda _t: alice.closed_by_server, timeout=1.0, give_up=server.quiet())
    if server.box.exited.wait(0.1) and server.box.exit_status not in (0, None):
        fail(
            server,
            Text("после ухода alice сервер упал", "the server crashed after alice left"),
            Text("сервер работает дальше", "the server goes on"),
            None,
            CRASHED_ON_LEAVE,
        )
    # A program that is ending is busy too (under load, for a while): spinning means
    # busy and still running afterwards.
    if spinning(server.box) and not server.box.exited.wait(0.3):
        failure = CheckFailed(
            Text(
                "после ухода alice сервер крутится вхолостую",
                "after alice left the server keeps spinning",
            ),
            Text("сервер ждёт в accept()/recv()", "the server waits in accept()/recv()"),
            Text("поток сервера всё время занят", "a server thread is busy all the time"),
            SPINS,
        )
        failure.blocking = False  # another check can still judge the server
        raise failure
    bob = join(server, "bob")
    echoed(server, bob, "i am the next one", NEXT_NOT_SERVED)


@CHECKS.check("abrupt", depends=("echo",))
def abrupt(ctx: CheckContext) -> None:
    """A client that resets its connection (RST) does not bring the server down: the
    next client is served."""
    server = ctx.server()
    # First a normal leave: a server that ends (or stalls) after any client cannot show
    # what a reset does to it, and `sequential` names that.
    alice = join(server, "alice")
    echoed(server, alice, "a normal visit", NO_ECHO)
    alice.leave()
    alice.wait_until(lambda _t: alice.closed_by_server, timeout=1.0, give_up=server.quiet())
    try:
        bob = join(server, "bob")
        echoed(server, bob, "about to vanish", NEXT_NOT_SERVED)
    except CheckFailed:
        ctx.skip(
            Text(
                "не по чему судить: после обычного ухода клиента следующего не обслуживают "
                "(см. sequential)",
                "nothing to judge by: after a normal leave the next client is not served "
                "(see sequential)",
            )
        )
    before = tracebacks(server)
    bob.reset()
    try:
        carol = join(server, "carol")
        echoed(server, carol, "still serving after the reset", STUCK_AFTER_RESET)
    except CheckFailed as failure:
        if not server.alive():
            failure.hint = RESET_ENDS_SERVER if server.box.exit_status == 0 else RESET_CRASH
        elif spinning(server.box) and not server.box.exited.wait(0.3):
            failure.hint = SPINS
        elif failure.hint is STUCK_AFTER_RESET and traceback_since(server, before):
            failure.hint = RESET_CRASH
        raise


@CHECKS.check("concurrent", depends=("echo",), long=True)
def concurrent(ctx: CheckContext) -> None:
    """A second client is served while the first stays connected; ten at once each get
    their own echo, nobody else's. One line per connection: answering once is `echo`'s
    business, not this check's."""
    server = ctx.server()
    with ctx.step(
        0.5,
        Text(
            "второй клиент, пока первый подключён", "a second client while the first is connected"
        ),
    ):
        alice = join(server, "alice")  # connected and silent: its handler waits in recv()
        bob = join(server, "bob")
        echoed(server, bob, "bob is here too", ONE_AT_A_TIME)
        echoed(server, alice, "alice is still here", SHARED_CONN)
    first = ctx.steps[-1].failure
    one_at_a_time = first is not None and first.hint is ONE_AT_A_TIME
    with ctx.step(
        0.5, Text("десять клиентов сразу, каждому — своё", "ten clients at once, each gets its own")
    ):
        if one_at_a_time:
            # Ten connections would wait in a queue that may be shorter than ten: only
            # the connection timeouts would be measured.
            fail(
                server,
                Text(
                    "не проверялось: сервер обслуживает клиентов по одному (см. выше)",
                    "not tried: the server serves one client at a time (see above)",
                ),
                Text("сервер читает всех 10", "the server reads from all 10"),
                None,
                ONE_AT_A_TIME,
            )
        users = [server.open(f"user{n}", log=False) for n in range(10)]
        for user in users:
            user.start_reading()
            user.send(f"{user.name} says hi\n", log=False)
        ctx.transcript.add(
            "grader",
            Text(
                "10 клиентов подключились и отправили по строке",
                "10 clients connected and sent a line each",
            ),
        )
        unread = served_within(server, users, timeout=5)
        if unread:
            # The last one served but earlier ones not: the threads follow a shared conn.
            hint = SHARED_CONN if users[-1] not in unread else ONE_AT_A_TIME
            fail(
                server,
                Text(
                    f"сервер не прочитал строки {len(unread)} клиентов из 10",
                    f"the server did not read the lines of {len(unread)} of 10 clients",
                ),
                Text("сервер читает всех 10", "the server reads from all 10"),
                Text(
                    "не прочитаны: " + ", ".join(u.name for u in unread),
                    "not read: " + ", ".join(u.name for u in unread),
                ),
                hint,
            )
        deadline = time.monotonic() + EXPECT
        quiet = server.quiet()
        for user in users:
            user.expect(
                f"{user.name} says hi",
                timeout=max(0.05, deadline - time.monotonic()),
                give_up=quiet,
            )
        settle(users, quiet=0.1, limit=0.5)  # an echo that went astray arrives too
        crossed = [
            (user, other)
            for user in users
            for other in users
            if other is not user and f"{other.name} says hi" in user.text
        ]
        missing = [u for u in users if f"{u.name} says hi" not in u.text]
        if crossed or missing:
            user, other = crossed[0] if crossed else (missing[0], None)
            fail(
                server,
                Text(
                    f"к {user.name} пришло эхо {other.name}",
                    f"{user.name} got {other.name}'s echo",
                )
                if other
                else Text(f"к {user.name} не вернулось эхо", f"{user.name} did not get its echo"),
                Text(
                    "каждому из 10 возвращается только его строка",
                    "each of the 10 gets back its own line only",
                ),
                excerpt(user.text) or None,
                SHARED_CONN if crossed else NO_ECHO,
            )
