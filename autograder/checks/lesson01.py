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

import re

from autograder.checks.common import (
    FRAGMENTED,
    FRAGMENTS,
    SPLIT_LINE,
    settle,
    split_pieces,
    starts,
    static_requirements,
)
from autograder.checks.duplex import EXPECT as CLIENT_EXPECT
from autograder.checks.duplex import crash_check, on, start_client
from autograder.checks.echo import (
    EXPECT,
    Connection,
    Unread,
    all_say_hi,
    comes_back,
    consumed,
    each_gets_its_own_echo,
    echoed,
    echoed_exactly,
    join,
    line_prefix,
    streamed_back,
    traceback_since,
    tracebacks,
    whole_again,
    without,
)
from autograder.context import CheckContext, CheckSet
from autograder.hints.common import CRASHED, RESET_CRASH
from autograder.hints.lesson01 import (
    CHANGED_BYTES,
    CLIENT_NO_NEWLINE,
    CLIENT_NOT_PRINTED,
    CLIENT_ONE_RECV,
    CLIENT_PRINTS_BYTES,
    CLIENT_SENDS_NOTHING,
    CLIENT_SPLIT_LETTER,
    COALESCED_LOST,
    CRASHED_ON_LEAVE,
    DECODES,
    DECODES_SPLIT_CHARACTER,
    ENDS_AFTER_CLIENT,
    LARGE_CHANGED,
    NEXT_NOT_SERVED,
    NO_ECHO,
    NO_READ_LOOP,
    NOT_READ,
    ONCE_ONLY,
    ONE_AT_A_TIME,
    PIECES_AS_MESSAGES,
    RESET_ENDS_SERVER,
    SHARED_CONN,
    SPINS,
    STUCK_AFTER_RESET,
    THREAD_DIED,
    TOO_SLOW,
    USES_SOCKET,
    WAITS_FOR_ALL,
    WAITS_FOR_NEWLINE,
)
from autograder.i18n import Text
from autograder.peers import describe_bytes
from autograder.programs.console import ConsoleProgram
from autograder.quiescence import quiet_reason, spinning
from autograder.textmatch import excerpt
from autograder.verdicts import CheckFailed

CHECKS = CheckSet("01", "tcp")
LARGE = 1 << 20  # bytes streamed through the server by `large`
LARGE_TIMEOUT = 10.0  # seconds 1 MiB gets to come back (ends early once nothing moves)


# --- checks ----------------------------------------------------------------------------
@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """The server imports socket (read from the source, not run)."""
    static_requirements(ctx, server_modules=("socket",), client_modules=(), hint=USES_SOCKET)


# The same start-up check as lesson 04: listens, accepts, a fixed port other than 9090 is
# accepted with a note, a random one is not.
CHECKS.check("starts", depends=())(starts)


@CHECKS.check("echo")
def echo(ctx: CheckContext) -> None:
    """A line a client sends comes back to it (found by content: a greeting or a prefix
    such as "Echo: " is fine here); more lines on the same connection come back too; a
    line that arrives in pieces (a letter cut in two among them) and three lines in one
    segment come back whole."""
    alice = join(ctx, "alice")
    start = len(alice.raw)
    # Nothing comes back: nothing else here (nor in the other checks) can be judged.
    with ctx.step(0.4, Text("строка возвращается", "a line comes back"), required=True):
        echoed(ctx, alice, "hello, echo", NO_ECHO)
    prefix = line_prefix(alice, start, "hello, echo")
    connection = Connection(ctx, ("bob", "carol"))
    connection.peer = alice
    with ctx.step(
        0.2,
        Text("ещё две строки по тому же соединению", "two more lines on the same connection"),
    ):
        try:
            for text in ("second line", "third line"):
                echoed(ctx, alice, text, ONCE_ONLY)
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
        pieces = [piece.encode() for piece in FRAGMENTS]
        whole_again(ctx, peer, pieces, FRAGMENTED, prefix, PIECES_AS_MESSAGES)
        lines = ("one apple", "two pears", "three plums")
        start = len(peer.raw)
        peer.send("".join(f"{line}\n" for line in lines))
        consumed(ctx, peer, NOT_READ, crash_hint=COALESCED_LOST)
        wanted = "".join(f"{line}\n" for line in lines).encode()
        came = comes_back(ctx, peer, start, wanted, prefix, EXPECT)
        if came is not None and not all(line.encode() in without(came, prefix) for line in lines):
            ctx.fail(
                Text(
                    f"к {peer.name} вернулись не все три строки",
                    f"{peer.name} did not get all three lines back",
                ),
                Text(f"у {peer.name} все три строки", f"{peer.name} gets all three lines back"),
                describe_bytes(came, 80) if came else None,
                COALESCED_LOST,
                if_dead="note",
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
        whole_again(
            ctx,
            peer,
            split_pieces(),
            SPLIT_LINE,
            prefix,
            DECODES_SPLIT_CHARACTER,
            decoding_charged_elsewhere=True,
        )


@CHECKS.check("exact_bytes", depends=("echo",))
def exact_bytes(ctx: CheckContext) -> None:
    """The bytes come back exactly, with no prefix, strip or decode: Cyrillic and emoji,
    bytes that are not UTF-8, spaces, a tab and \\r\\n, an empty line, half a line."""
    names = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan")
    connection = Connection(ctx, names)
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
                        echoed_exactly(ctx, peer, data, hint or CHANGED_BYTES, reused)
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
    peer = join(ctx, "alice")
    settle([peer])  # a greeting is not part of the echo
    before = tracebacks(server)
    got, prefix, quiet = streamed_back(ctx, peer, payload, LARGE_TIMEOUT)
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
        ctx.fail(
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
            if_dead="note",
        )
    if server.box.exited.wait(0.05):
        status = server.box.exit_status
        ctx.fail(
            Text(
                f"вернулось {came.ru}, и сервер упал",
                f"{came.en} came back, and the server crashed",
            ),
            expected,
            came,
            CRASHED if status != 0 else ENDS_AFTER_CLIENT,
            if_dead="note",
        )
    if traceback_since(server, before):
        hint = THREAD_DIED
    elif not got and not peer.closed_by_server:
        hint = WAITS_FOR_ALL
    elif not peer.closed_by_server and not quiet.concluded:
        hint = TOO_SLOW
    else:
        hint = NO_READ_LOOP
    ctx.fail(
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
        if_dead="note",
    )


@CHECKS.check("sequential", depends=("echo",))
def sequential(ctx: CheckContext) -> None:
    """After a client closes its connection the server serves the next one (it goes back
    to accept(); a closed connection leaves no thread spinning on recv() == b'')."""
    server = ctx.server()
    alice = join(ctx, "alice")
    echoed(ctx, alice, "goodbye soon", NO_ECHO)
    alice.leave()
    # A correct server closes its end at once.
    alice.wait_until(lambda _t: alice.closed_by_server, timeout=1.0, give_up=server.quiet())
    if server.box.exited.wait(0.1) and server.box.exit_status not in (0, None):
        ctx.fail(
            Text("после ухода alice сервер упал", "the server crashed after alice left"),
            Text("сервер работает дальше", "the server goes on"),
            None,
            CRASHED_ON_LEAVE,
            if_dead="note",
        )
    # A program that is ending is busy too (under load, for a while): spinning means
    # busy and still running afterwards.
    if spinning(server.box) and not server.box.exited.wait(0.3):
        ctx.fail(
            Text(
                "после ухода alice сервер крутится вхолостую",
                "after alice left the server keeps spinning",
            ),
            Text("сервер ждёт в accept()/recv()", "the server waits in accept()/recv()"),
            Text("поток сервера всё время занят", "a server thread is busy all the time"),
            SPINS,
            blocking=False,  # another check can still judge the server
            if_dead="note",
        )
    bob = join(ctx, "bob")
    echoed(ctx, bob, "i am the next one", NEXT_NOT_SERVED)


@CHECKS.check("abrupt", depends=("echo",))
def abrupt(ctx: CheckContext) -> None:
    """A client that resets its connection (RST) does not bring the server down: the
    next client is served."""
    server = ctx.server()
    # First a normal leave: a server that ends (or stalls) after any client cannot show
    # what a reset does to it, and `sequential` names that.
    alice = join(ctx, "alice")
    echoed(ctx, alice, "a normal visit", NO_ECHO)
    alice.leave()
    alice.wait_until(lambda _t: alice.closed_by_server, timeout=1.0, give_up=server.quiet())
    try:
        bob = join(ctx, "bob")
        echoed(ctx, bob, "about to vanish", NEXT_NOT_SERVED)
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
        carol = join(ctx, "carol")
        echoed(ctx, carol, "still serving after the reset", STUCK_AFTER_RESET)
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
    with ctx.step(
        0.5,
        Text(
            "второй клиент, пока первый подключён", "a second client while the first is connected"
        ),
    ) as first:
        alice = join(ctx, "alice")  # connected and silent: its handler waits in recv()
        bob = join(ctx, "bob")
        echoed(ctx, bob, "bob is here too", ONE_AT_A_TIME)
        echoed(ctx, alice, "alice is still here", SHARED_CONN)
    ten = Text("десять клиентов сразу, каждому — своё", "ten clients at once, each gets its own")
    if first.failure is not None and first.failure.hint is ONE_AT_A_TIME:
        # Ten connections would wait in a queue that may be shorter than ten: only the
        # connection timeouts would be measured.
        ctx.not_tried(
            0.5,
            ten,
            Text(
                "не проверялось: сервер обслуживает клиентов по одному (см. выше)",
                "not tried: the server serves one client at a time (see above)",
            ),
            ONE_AT_A_TIME,
            expected=Text("сервер читает всех 10", "the server reads from all 10"),
        )
        return
    with ctx.step(0.5, ten):
        users = all_say_hi(ctx, 10)
        each_gets_its_own_echo(ctx, users)


# --- the client (step 5: the line echo) ------------------------------------------------
# A line printed as the repr of bytes (print(data): b'hello\n', b'\xd1\x91...').
BYTES_REPR = re.compile(r"""(?<![\w'"])b(['"]).*\\(?:n|r|x[0-9a-fA-F]{2})""")


def client_crash(ctx: CheckContext, console: ConsoleProgram) -> None:
    """A client that died: a decode() of a piece (a letter cut in two) is this check's
    own bug; any other death, crash_check's words."""
    if console.box.exited.wait(0.05):
        console.drain()
        if "UnicodeDecodeError" in console.box.stderr_text():
            ctx.fail(
                Text(
                    "клиент упал с UnicodeDecodeError (трассировка — в stderr)",
                    "the client crashed with UnicodeDecodeError (its traceback is in stderr)",
                ),
                None,
                None,
                CLIENT_SPLIT_LETTER,
            )
    crash_check(ctx, console)


def echo_to_client(
    ctx: CheckContext, console: ConsoleProgram, text: str, pieces: list[bytes] | None = None
) -> None:
    """The user types `text`; the grader, as the echo server, waits for it and its "\\n",
    sends the line back (in `pieces`, each read by the client before the next is sent:
    FRAGMENTS, split_pieces) and the client must print it whole, on one line, as text."""
    peer = console.connection
    start = len(peer.raw)
    line = f"{text}\n".encode()
    console.type(text)

    def came() -> bytes:
        return bytes(peer.raw[start:])

    quiet = console.quiet()
    if not peer.wait_until(lambda _t: text.encode() in came(), CLIENT_EXPECT, give_up=quiet):
        client_crash(ctx, console)
        ctx.fail(
            Text("набранная строка не пришла серверу", "the typed line did not reach the server"),
            Text(f'серверу приходит "{text}\\n"', f'the server receives "{text}\\n"'),
            describe_bytes(came(), 80) if came() else None,
            CLIENT_SENDS_NOTHING,
        )
    ending = re.compile(re.escape(text.encode()) + rb"\r?\n")
    if not peer.wait_until(lambda _t: bool(ending.search(came())), 1.0, give_up=console.quiet()):
        client_crash(ctx, console)
        ctx.fail(
            Text('строка пришла без "\\n" на конце', 'the line came without "\\n" at its end'),
            Text(f'серверу приходит "{text}\\n"', f'the server receives "{text}\\n"'),
            describe_bytes(came(), 80),
            CLIENT_NO_NEWLINE,
        )
    cuts = pieces or [line]
    mark = console.mark()
    for n, piece in enumerate(cuts):
        peer.send(piece)
        if n < len(cuts) - 1 and not console.has_read():
            client_crash(ctx, console)
            ctx.fail(
                Text(
                    "клиент прочитал первый кусок ответа и больше не читает (ждёт ввода)",
                    "the client read the first piece of the reply and reads no more (it "
                    "waits for input)",
                ),
                Text(f'напечатано "{text}"', f'"{text}" is printed'),
                excerpt(console.since(mark), 200) or None,
                CLIENT_ONE_RECV,
            )
    console.has_read()
    printed = console.wait_printed(text, mark)
    said = console.since(mark)
    if BYTES_REPR.search(said):
        ctx.fail(
            Text(
                "ответ напечатан как байты, а не текст", "the reply was printed as bytes, not text"
            ),
            Text(f'напечатано "{text}"', f'"{text}" is printed'),
            excerpt(said, 200),
            CLIENT_PRINTS_BYTES,
        )
    if printed:
        return
    client_crash(ctx, console)
    if "\ufffd" in said:
        hint = CLIENT_SPLIT_LETTER
    elif len(cuts) > 1 and said.strip():
        hint = CLIENT_ONE_RECV
    else:
        hint = CLIENT_NOT_PRINTED
    ctx.fail(
        Text(
            "ответ сервера не напечатан целой строкой"
            if len(cuts) > 1
            else "ответ сервера не напечатан",
            "the server's reply was not printed as one whole line"
            if len(cuts) > 1
            else "the server's reply was not printed",
        ),
        Text(f'напечатано "{text}"', f'"{text}" is printed'),
        excerpt(said, 200) or None,
        hint,
    )


@CHECKS.check("client", depends=(), needs="client")
def client(ctx: CheckContext) -> None:
    """client.py (step 5, the line echo; the grader plays the echo server): each typed
    line goes out ending in \\n, and the reply is printed as text once it is whole, read up
    to its \\n: two lines in a row, a reply in three pieces, a letter cut in two between
    pieces."""
    _client, console, _conn = start_client(ctx)
    first = Text(
        'набранная строка уходит с "\\n", ответ напечатан — и вторая подряд',
        'a typed line goes out with "\\n", the reply is printed; and a second one in a row',
    )
    with ctx.step(0.4, first) as part, on(ctx, console):
        for text in ("hello, echo", "and a second line"):
            echo_to_client(ctx, console, text)
    later = (
        (
            0.35,
            Text("ответ тремя кусками", "a reply in three pieces"),
            FRAGMENTED,
            [piece.encode() for piece in FRAGMENTS],
        ),
        (
            0.25,
            Text("буква, разрезанная между кусками", "a letter cut in two between pieces"),
            SPLIT_LINE,
            split_pieces(),
        ),
    )
    failure = part.failure
    if failure is not None and failure.hint in (CLIENT_SENDS_NOTHING, CLIENT_NO_NEWLINE):
        # The server has nothing to send back: each attempt would wait for nothing.
        reason = Text(
            "не проверялось: и первая набранная строка не дошла как строка (см. выше)",
            "not tried: the first typed line did not arrive as a line either (see above)",
        )
        for weight, title, _text, _pieces in later:
            ctx.not_tried(weight, title, reason, failure.hint)
        return
    for weight, title, text, pieces in later:
        if failure is not None:  # a client out of step (or gone) gets a fresh run
            ctx.transcript.add("grader", Text("новый запуск клиента", "a new run of the client"))
            ctx.factory.release(console.box)
            _client, console, _conn = start_client(ctx)
        with ctx.step(weight, title) as part, on(ctx, console):
            echo_to_client(ctx, console, text, pieces)
        failure = part.failure
