"""Lesson 01 checks: the TCP echo server.

An echo server moves bytes: whatever a client sends comes back to that client, in order
and unchanged, however TCP cut or glued it. The core checks look for the text coming back
(content, so a server that greets or prefixes still earns them); the robustness checks
compare bytes, cut lines into pieces and split UTF-8 characters. Every check but the
static one needs a working echo, so they depend on `echo`: without any echo there is
nothing for them to judge, and they say so instead of failing for someone else's reason.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from autograder.checks import lesson04
from autograder.checks.common import settle, static_requirements
from autograder.framework import SERVER_EXITED, CheckContext, CheckFailed, CheckSet, Hint, Server
from autograder.i18n import Text
from autograder.peers import TcpPeer, describe_bytes
from autograder.sandbox import SandboxError
from autograder.textmatch import excerpt

CHECKS = CheckSet("01", "tcp")
EXPECT = 3.0  # seconds an echo gets to come back

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
CHANGED_BYTES = Hint(
    Text(
        "Текст вернулся изменённым: эхо возвращает ровно те байты, что вернул recv(), — "
        "без strip(), без приставки, без добавленного перевода строки: conn.sendall(data).",
        "The text came back changed: an echo returns exactly the bytes recv() returned, "
        "with no strip(), no prefix and no added newline: conn.sendall(data).",
    ),
    "echo",
)
WAITS_FOR_NEWLINE = Hint(
    Text(
        "Половина строки не вернулась: сервер ждёт конца строки (readline(), makefile(), "
        'цикл до "\\n"). Эхо сразу возвращает всё, что вернул recv(), даже кусок строки.',
        "Half a line did not come back: the server waits for the end of the line "
        '(readline(), makefile(), a loop until "\\n"). An echo sends back whatever recv() '
        "returned at once, even part of a line.",
    ),
    "echo",
)
EMPTY_LINE = Hint(
    Text(
        'Пустая строка ("\\n") тоже должна вернуться: соединение кончается, только когда '
        'recv() вернул b"". Не делайте strip() и не выходите из цикла на пустом тексте.',
        'An empty line ("\\n") must come back too: the connection ends only when recv() '
        'returns b"". Do not strip() the data and do not leave the loop on empty text.',
    ),
    "bad-input",
)
PIECES_AS_MESSAGES = Hint(
    Text(
        "Строка, отправленная тремя кусками, вернулась разрезанной: сервер считает каждый "
        "recv() отдельным сообщением и добавляет к куску перевод строки или приставку. TCP "
        "режет поток где угодно; эхо возвращает байты как есть.",
        "A line sent in three pieces came back cut: the server takes each recv() for a "
        "message of its own and adds a newline or a prefix to each piece. TCP cuts the "
        "stream anywhere; an echo returns the bytes as they are.",
    ),
    "recv-is-not-a-message",
)
FIRST_PIECE_ONLY = Hint(
    Text(
        "Сервер вернул первый кусок и закрыл соединение: он считает, что один recv() — это "
        "всё сообщение, и отвечает один раз. TCP может разрезать строку на несколько "
        'recv(): повторяйте recv() → sendall() в цикле, пока recv() не вернёт b"".',
        "The server sent back the first piece and closed the connection: it takes one "
        "recv() for the whole message and answers once. TCP may cut a line over several "
        'recv() calls: repeat recv() → sendall() in a loop until recv() returns b"".',
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
NOT_UTF8 = Hint(
    Text(
        "Кириллица или эмодзи вернулись испорченными: сервер декодирует их не как UTF-8 "
        "('ascii', 'latin-1'). Эхо-серверу вообще не нужно декодировать: отправляйте "
        "обратно байты.",
        "Cyrillic or emoji came back broken: the server decodes them as something other "
        "than UTF-8 ('ascii', 'latin-1'). An echo server need not decode at all: send the "
        "bytes back.",
    ),
    "split-utf8",
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
NOT_TEXT = Hint(
    Text(
        "Байты, которые не являются UTF-8, вернулись не такими, какими ушли: сервер их "
        "декодирует (decode() падает или заменяет их на «�»). Эхо возвращает байты как есть.",
        "Bytes that are not UTF-8 did not come back as they went: the server decodes them "
        "(decode() fails or replaces them with '�'). An echo returns the bytes as they are.",
    ),
    "split-utf8",
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
RESET_CRASH = Hint(
    Text(
        "Обрыв соединения (ConnectionResetError) уронил сервер: ловите OSError вокруг "
        "recv()/sendall() в handle_client и закрывайте только это соединение.",
        "A reset connection (ConnectionResetError) brought the server down: catch OSError "
        "around recv()/sendall() in handle_client and close just that connection.",
    ),
    "connection-reset",
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
        if server.box.exited.is_set() and server.box.exit_status == 0:
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


def echoed(
    server: Server,
    peer: TcpPeer,
    text: str,
    hint: Hint,
    newline: bool = True,
    crash_hint: Hint | None = None,
) -> None:
    """`peer` sends `text` (a line, unless `newline` is False); it must come back."""
    peer.send(f"{text}\n" if newline else text)
    consumed(server, peer, NOT_READ if hint is NO_ECHO else hint, crash_hint)
    if peer.expect(text, timeout=EXPECT):
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
            f"к {peer.name} не вернулось отправленное за {EXPECT:.0f} с",
            f"{peer.name} did not get back what it sent within {EXPECT:.0f}s",
        ),
        Text(f'у {peer.name} "{text}"', f'{peer.name} gets "{text}" back'),
        excerpt(came) or None,
        crash_hint or hint,
    )


def echoed_exactly(server: Server, peer: TcpPeer, data: bytes, hint: Hint) -> None:
    """`peer` sends `data`; exactly these bytes must come back, nothing more or less."""
    settle([peer])  # a greeting or an earlier echo is not this one
    start = peer.received_bytes
    raw_start = len(peer.raw)
    peer.send(data)
    consumed(server, peer, NOT_READ, crash_hint=hint)
    # Until as many bytes came as went, or the echo went quiet (a server that strips
    # sends fewer); then a little longer, for an added newline or prefix.
    deadline = time.monotonic() + EXPECT
    peer.wait_for_bytes(start + 1, timeout=EXPECT)
    while peer.received_bytes < start + len(data) and time.monotonic() < deadline:
        if not peer.wait_for_bytes(peer.received_bytes + 1, timeout=0.3):
            break
    settle([peer], quiet=0.15, limit=1.0)
    got = bytes(peer.raw[raw_start:])
    peer.skip_to_end()
    if got == data:
        return
    fail(
        server,
        Text(
            f"к {peer.name} вернулись не те байты, что ушли",
            f"{peer.name} did not get back the bytes it sent",
        ),
        Text(
            f"ровно {describe_bytes(data, 80)}",
            f"exactly {describe_bytes(data, 80)}",
        ),
        (describe_bytes(got, 80) if got else None)
        or (
            Text("ничего (сервер закрыл соединение)", "nothing (the server closed the connection)")
            if peer.closed_by_server
            else None
        ),
        hint,
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
    failed on it and its thread may be dead), so one step's failure does not fail the
    next; the old one leaves first, so a server that serves one client at a time (or
    exits after its first, like the tutorial echo server) gets to the new one.
    """

    def __init__(self, server: Server, names: tuple[str, ...]) -> None:
        self.server = server
        self.names = list(names)
        self.peer: TcpPeer | None = None

    @contextlib.contextmanager
    def use(self) -> Iterator[TcpPeer]:
        if self.peer is None or self.peer.closed_by_server:
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


def stream_hint(peer: TcpPeer, raw_start: int, first_piece: bytes, default: Hint) -> Hint:
    """Why a line sent in pieces did not come back whole: a server that sent back just the
    first piece and closed takes one recv() for the whole message; else `default`."""
    if peer.closed_by_server and bytes(peer.raw[raw_start:]) == first_piece:
        return FIRST_PIECE_ONLY
    return default


def split_character(server: Server, peer: TcpPeer) -> None:
    """`peer` sends a line in three segments, cutting "ё" and "🎄" in two; it must come
    back whole. A strict decode() of the first piece kills the thread: then nobody reads
    the rest, and that is this step's bug, not a missing thread."""
    text = "ёлка и 🎄"
    data = f"{text}\n".encode()
    emoji_at = data.index("🎄".encode())
    raw_start = len(peer.raw)
    for piece in (data[:1], data[1 : emoji_at + 2], data[emoji_at + 2 :]):
        peer.send(piece)
        consumed(server, peer, SPLIT_CHARACTER, crash_hint=SPLIT_CHARACTER)
    if not peer.expect(text, timeout=EXPECT):
        came = bytes(peer.raw[raw_start:])
        fail(
            server,
            Text(
                f"к {peer.name} строка вернулась испорченной",
                f"{peer.name} did not get the line back intact",
            ),
            Text(f'у {peer.name} "{text}"', f'{peer.name} gets "{text}" back'),
            describe_bytes(came, 80) if came else None,
            stream_hint(peer, raw_start, data[:1], SPLIT_CHARACTER),
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
    """A line a client sends comes back to that client."""
    server = ctx.server()
    alice = join(server, "alice")
    echoed(server, alice, "hello, echo", NO_ECHO)


@CHECKS.check("session", depends=("echo",))
def session(ctx: CheckContext) -> None:
    """Several lines on one connection: each comes back, the connection stays open."""
    server = ctx.server()
    alice = join(server, "alice")
    echoed(server, alice, "first line", NO_ECHO)
    for text in ("second line", "third line"):
        echoed(server, alice, text, ONCE_ONLY)


@CHECKS.check("concurrent", depends=("echo",), long=True)
def concurrent(ctx: CheckContext) -> None:
    """A second client is served while the first stays connected; ten at once each get
    their own echo, nobody else's. One line per connection: answering once is `session`'s
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
    with ctx.step(
        0.5, Text("десять клиентов сразу, каждому — своё", "ten clients at once, each gets its own")
    ):
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
        for user in users:
            user.expect(f"{user.name} says hi", timeout=max(0.05, deadline - time.monotonic()))
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


@CHECKS.check("leave", depends=("echo",))
def leave(ctx: CheckContext) -> None:
    """After a client closes the connection, or resets it, the server serves the next
    one; a closed connection does not leave a thread spinning on recv() == b''."""
    server = ctx.server()

    def next_one_served(name: str, text: str, crash_hint: Hint | None = None) -> None:
        """A newcomer is served, then leaves: one client at a time is enough here."""
        try:
            peer = join(server, name)
            echoed(server, peer, text, NEXT_NOT_SERVED)
            peer.leave()
        except CheckFailed as failure:
            if crash_hint is not None and not server.alive() and server.box.exit_status != 0:
                failure.hint = crash_hint
            raise

    with ctx.step(
        0.5,
        Text(
            "клиент закрыл соединение — сервер обслуживает следующего",
            "a client closed the connection: the server serves the next one",
        ),
    ):
        alice = join(server, "alice")
        echoed(server, alice, "goodbye soon", NO_ECHO)
        alice.leave()
        alice.wait_closed(1.0)  # a correct server closes its end at once
        if ctx.server_spinning():
            fail(
                server,
                Text(
                    "после ухода alice сервер крутится вхолостую",
                    "after alice left the server keeps spinning",
                ),
                Text("сервер ждёт в accept()/recv()", "the server waits in accept()/recv()"),
                Text("поток сервера всё время занят", "a server thread is busy all the time"),
                SPINS,
            )
        next_one_served("bob", "i am the next one")
    with ctx.step(
        0.5,
        Text(
            "соединение оборвано (RST) — сервер работает дальше",
            "a connection reset (RST): the server goes on",
        ),
    ):
        carol = join(server, "carol")
        echoed(server, carol, "about to vanish", NO_ECHO)
        carol.reset()
        next_one_served("dave", "still serving after the reset", crash_hint=RESET_CRASH)


@CHECKS.check("exact", depends=("echo",))
def exact(ctx: CheckContext) -> None:
    """The bytes come back exactly: spaces, a tab, \\r\\n and an empty line included."""
    server = ctx.server()
    connection = Connection(server, ("alice", "bob"))
    with (
        ctx.step(
            0.5,
            Text("пробелы, табуляция и \\r\\n — как были", "spaces, a tab and \\r\\n as they were"),
        ),
        connection.use() as peer,
    ):
        echoed_exactly(server, peer, b"  two spaces,\ta tab and CRLF  \r\n", CHANGED_BYTES)
    with (
        ctx.step(0.5, Text("пустая строка", "an empty line")),
        connection.use() as peer,
    ):
        echoed_exactly(server, peer, b"\n", EMPTY_LINE)


@CHECKS.check("pieces", depends=("echo",))
def pieces(ctx: CheckContext) -> None:
    """Half a line comes back at once; a line in three segments comes back whole; three
    lines in one segment all come back."""
    server = ctx.server()
    connection = Connection(server, ("alice", "bob", "carol"))
    with ctx.step(1 / 3, Text("половина строки", "half a line")), connection.use() as peer:
        echoed(server, peer, "no newline yet", WAITS_FOR_NEWLINE, newline=False)
    with (
        ctx.step(1 / 3, Text("строка тремя кусками", "one line in three pieces")),
        connection.use() as peer,
    ):
        raw_start = len(peer.raw)
        for piece in ("frag", "mented mess", "age\n"):
            peer.send(piece)
            consumed(server, peer, NOT_READ, crash_hint=PIECES_AS_MESSAGES)
        if not peer.expect("fragmented message", timeout=EXPECT):
            fail(
                server,
                Text(
                    f"к {peer.name} строка вернулась не целой",
                    f"{peer.name} did not get the line back whole",
                ),
                Text(
                    f'у {peer.name} строка "fragmented message"',
                    f'{peer.name} gets "fragmented message" back',
                ),
                excerpt(peer.received_since_mark()) or None,
                stream_hint(peer, raw_start, b"frag", PIECES_AS_MESSAGES),
            )
    with (
        ctx.step(1 / 3, Text("три строки одним send()", "three lines in one send()")),
        connection.use() as peer,
    ):
        lines = ("one apple", "two pears", "three plums")
        start = len(peer.text)
        peer.send("".join(f"{line}\n" for line in lines))
        consumed(server, peer, NOT_READ, crash_hint=COALESCED_LOST)

        def complete(text: str) -> bool:
            return all(line in text[start:] for line in lines)

        if not peer.wait_until(complete, timeout=EXPECT):
            fail(
                server,
                Text(
                    f"к {peer.name} вернулись не все три строки",
                    f"{peer.name} did not get all three lines back",
                ),
                Text(f"у {peer.name} все три строки", f"{peer.name} gets all three lines back"),
                excerpt(peer.text[start:]) or None,
                COALESCED_LOST,
            )
        peer.skip_to_end()


@CHECKS.check("utf8", depends=("echo",))
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji come back intact, also split between segments; bytes that are
    not UTF-8 come back unchanged."""
    server = ctx.server()
    connection = Connection(server, ("alice", "bob", "carol"))
    with ctx.step(0.4, Text("кириллица и эмодзи", "Cyrillic and emoji")), connection.use() as peer:
        echoed(server, peer, "привет, мир 👋", NOT_UTF8, crash_hint=NOT_UTF8)
    with (
        ctx.step(
            0.4, Text("символ, разрезанный между сегментами", "a character split between segments")
        ),
        connection.use() as peer,
    ):
        split_character(server, peer)
    with (
        ctx.step(0.2, Text("байты, которые не UTF-8", "bytes that are not UTF-8")),
        connection.use() as peer,
    ):
        echoed_exactly(server, peer, b"\xff\xfe not \xc3\x28 utf-8 \x80\n", NOT_TEXT)
