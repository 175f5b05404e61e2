"""Lesson 02 checks: the two-user console chat (the server's operator and one client's).

Both programs are consoles: the grader types on their stdin and reads their stdout, and
plays the other side over TCP (the client when it grades server.py, the server when it
grades client.py). Printed text is matched by content (any label, any prompt, with or
without a newline), and the programs run unbuffered (python -u).

The lesson's idea is full duplex. `server_receives` asks only that a line from the client
gets printed at all (if need be once the operator presses Enter); `server_duplex` asks that
it is printed while the server waits in input(), nothing typed, two in a row. A server
that reads the socket only between two input() calls passes the first and fails the
second, named so. Typed lines must reach the other side (`server_sends`, `client_sends`;
a program that sends only in its turn still sends: the turns are `server_duplex`'s
business). A program must end with code 0 and no traceback when its user types exit,
when the input ends, and when the other side leaves, saying so (`server_exit`,
`client_exit`). `client_receives` is the client's full duplex: it has no check of its own.

These servers are meant to end, so the checks start them with `launch_server()` and judge
every ending themselves, instead of `ctx.server()`, whose failures blame any ending. Each
check starts its own programs, and no check connects twice to one server: a server that
accepts its one client and stops listening is what the lesson asks for.
"""

from __future__ import annotations

import re
import threading

from autograder.checks.common import FRAGMENTED, FRAGMENTS, SPLIT_LINE, split_pieces, starts
from autograder.checks.duplex import (
    EXPECT,
    ServerRuns,
    accepts_second_client,
    crash_check,
    ends,
    exchange_first,
    on,
    reads_continuously,
    says,
    start_client,
    start_server,
    stop,
    two_clients,
    typed,
    wait_read,
)
from autograder.context import CheckContext, CheckSet
from autograder.hints.common import (
    NOT_UTF8,
    SPLIT_CHARACTER,
)
from autograder.hints.lesson02 import (
    ACCEPTS_AGAIN,
    BLOCKS_IN_INPUT,
    COALESCED_AS_ONE,
    ENCODE_UTF8,
    EOF_ERROR,
    EOF_IGNORED,
    EOF_SPINS,
    NO_EXIT,
    NO_NEWLINE_SENT,
    NO_NOTICE,
    NO_RECEIVER,
    NO_SEND,
    NOT_PRINTED,
    NOT_RECEIVED_AT_ALL,
    PEER_LEFT,
    PEER_LEFT_SPINS,
    PIECES_AS_LINES,
    TAKES_TURNS_RECEIVING,
    TWO_CLIENTS,
)
from autograder.i18n import Text
from autograder.peers import describe_bytes
from autograder.programs.console import ConsoleProgram
from autograder.textmatch import excerpt
from autograder.verdicts import CheckFailed, Hint

CHECKS = CheckSet("02", "tcp")


# --- checks: the server ----------------------------------------------------------------
CHECKS.check("starts", depends=())(starts)


@CHECKS.check("server_receives")
def server_receives(ctx: CheckContext) -> None:
    """A line the client sends is printed by the server: while it waits for input, or at
    least once its operator presses Enter (when is server_duplex's business)."""
    _server, console, _peer = start_server(ctx)
    with two_clients(ctx, console, NOT_RECEIVED_AT_ALL):
        says(ctx, console, "hello from the client", NOT_RECEIVED_AT_ALL, NOT_PRINTED)


@CHECKS.check("server_duplex")
def server_duplex(ctx: CheckContext) -> None:
    """Lines from the client are printed while the server waits in input(), nothing
    typed: one, then a second one in a row."""
    _server, console, _peer = start_server(ctx)
    first = Text(
        "строка клиента напечатана, пока сервер ждёт ввода",
        "a line from the client is printed while the server waits for input",
    )
    with ctx.step(0.5, first) as part:
        says(
            ctx, console, "hello while you type", NOT_RECEIVED_AT_ALL, NOT_PRINTED, BLOCKS_IN_INPUT
        )
    second = Text(
        "и вторая подряд, без ввода между ними",
        "and a second one in a row, with nothing typed in between",
    )
    if part.failure is not None:
        if part.failure.hint is not BLOCKS_IN_INPUT:
            crash_check(ctx, console)
            ctx.skip(
                Text(
                    "не по чему судить: сервер не печатает строки клиента и после Enter "
                    "(см. server_receives)",
                    "nothing to judge by: the server does not print the client's lines even "
                    "after Enter (see server_receives)",
                )
            )
        reason = Text(
            "не проверялось: строки печатаются только после Enter (см. выше)",
            "not tried: lines are printed only after Enter (see above)",
        )
        ctx.not_tried(0.5, second, reason, BLOCKS_IN_INPUT)
        return
    with ctx.step(0.5, second):
        says(
            ctx,
            console,
            "and a second line",
            TAKES_TURNS_RECEIVING,
            NOT_PRINTED,
            TAKES_TURNS_RECEIVING,
        )


@CHECKS.check("server_sends")
def server_sends(ctx: CheckContext) -> None:
    """Lines typed at the server reach the client, two in a row."""
    _server, console, _peer = start_server(ctx)
    with (
        ctx.step(
            0.5, Text("набранная строка уходит клиенту", "a typed line reaches the client")
        ) as first,
        two_clients(ctx, console, NO_SEND),
    ):
        typed(ctx, console, "hello from the keyboard", NO_SEND)
    second_typed(ctx, console, "a second typed line", first.failure)


def second_typed(
    ctx: CheckContext, console: ConsoleProgram, text: str, first: CheckFailed | None
) -> None:
    """The second typed line of a sending check: not tried when the first did not arrive
    (`first`: why; it would wait for nothing, for the same reason)."""
    title = Text("и вторая подряд", "and a second one in a row")
    if first is not None:
        reason = Text(
            "не проверялось: и первая набранная строка не дошла (см. выше)",
            "not tried: the first typed line did not arrive either (see above)",
        )
        ctx.not_tried(0.5, title, reason, first.hint)
        return
    with ctx.step(0.5, title):
        typed(ctx, console, text, NO_SEND)


def other_side_leaves(
    ctx: CheckContext,
    console: ConsoleProgram,
    who: Text,
    weight: float,
    server: bool,
    chatting: bool | None = None,
) -> None:
    """The other side closes the connection: the program ends with code 0 (a step worth
    `weight`) and says so (a small step of its own, judged even if it did not end).
    `chatting`: whether the program printed the line the other side said first (None:
    say it now)."""
    if chatting is None:
        chatting = exchange_first(ctx, console)
    mark, printed = console.mark(), console.printed_bytes()
    said: str | None = None
    with (
        ctx.step(
            weight,
            Text(
                f"{who.ru} закрыл соединение — программа завершается",
                f"{who.en} closed the connection: the program ends",
            ),
        ),
        on(ctx, console),
    ):
        console.connection.leave()
        try:
            ends(ctx, console, PEER_LEFT, spin_hint=PEER_LEFT_SPINS)
        except CheckFailed as failure:
            said = console.since(mark)  # before a second client may make it speak
            # Still running and taking a new client: a server that chatted went back to
            # accept() for the next one; one that did not waits for a second client.
            if server and failure.hint is PEER_LEFT and accepts_second_client(ctx, console):
                failure.hint = ACCEPTS_AGAIN if chatting else TWO_CLIENTS
            raise
    with ctx.step(0.1, Text("и сообщает об этом", "and says so")), on(ctx, console):
        if said is None:
            said = console.since(mark)
        if console.printed_bytes() - printed > 2000:
            ctx.fail(
                Text(
                    "вместо уведомления — поток пустых сообщений",
                    "a flood of empty messages instead of a notice",
                ),
                Text("сообщение, что собеседник ушёл", "a notice that the other side left"),
                excerpt(said, 120),
                PEER_LEFT_SPINS,
            )
        if not said.strip():
            ctx.fail(
                Text(
                    "программа ничего не сказала об уходе собеседника",
                    "the program said nothing about the other side leaving",
                ),
                Text("сообщение, что собеседник ушёл", "a notice that the other side left"),
                None,
                NO_NOTICE,
            )


@CHECKS.check("server_exit", long=True)
def server_exit(ctx: CheckContext) -> None:
    """exit typed, or the end of input (Ctrl-D): the server closes the connection and
    ends; the client leaves: the server says so and ends. Always with code 0 and no
    traceback."""
    runs = ServerRuns(ctx, 3)
    with ctx.step(0.3, Text("набрали exit", "exit typed")):
        console, _chatting = runs.get(0)
        with on(ctx, console):
            ctx.transcript.add("grader", Text("первый сервер: exit", "first server: exit"))
            console.type("exit")
            with two_clients(ctx, console, NO_EXIT):
                ends(ctx, console, NO_EXIT)
    with ctx.step(0.2, Text("конец ввода (Ctrl+D)", "the end of input (Ctrl-D)")):
        console, _chatting = runs.get(1)
        with on(ctx, console):
            ctx.transcript.add(
                "grader", Text("второй сервер: конец ввода", "second server: end of input")
            )
            console.close_input()
            with two_clients(ctx, console, EOF_IGNORED):
                ends(ctx, console, EOF_IGNORED, spin_hint=EOF_SPINS, named={"EOFError": EOF_ERROR})
    console, chatting = runs.get(2)
    ctx.transcript.add(
        "grader", Text("третий сервер: клиент уходит", "third server: the client leaves")
    )
    other_side_leaves(
        ctx, console, Text("клиент", "the client"), 0.4, server=True, chatting=chatting
    )


def labelled(line: str, needle: str, prompt: str) -> bool:
    """Is `needle` preceded by a label in this printed line ("Собеседник: ", "[friend]")?
    The program's own input() prompt is not a label."""
    before = line[: line.casefold().index(needle.casefold())]
    if prompt.strip():
        before = before.replace(prompt.strip(), "")
    return bool(re.sub(r"[\s>:$#|-]", "", before))


@CHECKS.check("framing")
def framing(ctx: CheckContext) -> None:
    """Two lines in one segment are printed as two, one line in three segments as one;
    typed lines go out ending in a newline."""
    _server, console, peer = start_server(ctx)
    reads_continuously(ctx, console)
    # What input() printed last and waits after ("> ", "Вы: ") is not a label.
    prompt = console.output().rsplit("\n", 1)[-1]

    mark = console.mark()
    peer.send("first apples\nsecond pears\n")
    wait_read(ctx, console, COALESCED_AS_ONE)
    console.wait_printed("second pears", mark)
    with ctx.step(0.4, Text("две строки одним send()", "two lines in one send()")):
        lines = console.since(mark).splitlines()
        first = next((ln for ln in lines if "first apples" in ln), None)
        second = next((ln for ln in lines if "second pears" in ln), None)
        ok = (
            first is not None
            and second is not None
            and "second pears" not in first
            and (
                not labelled(first, "first apples", prompt)
                or labelled(second, "second pears", prompt)
            )
        )
        if not ok:
            crash_check(ctx, console)
            ctx.fail(
                Text(
                    "две строки, пришедшие разом, напечатаны не как две",
                    "two lines that came at once were not printed as two",
                ),
                Text(
                    "напечатаны две строки, подписанные одинаково",
                    "two lines are printed, labelled alike",
                ),
                excerpt(console.since(mark), 200) or None,
                COALESCED_AS_ONE,
            )
    mark = console.mark()
    for piece in FRAGMENTS:
        peer.send(piece)
        wait_read(ctx, console, PIECES_AS_LINES)
    with ctx.step(0.4, Text("одна строка тремя кусками", "one line in three pieces")):
        if not console.wait_printed(FRAGMENTED, mark):
            crash_check(ctx, console)
            ctx.fail(
                Text(
                    "строка, пришедшая кусками, напечатана не целой",
                    "a line that came in pieces was not printed whole",
                ),
                Text('напечатано "fragmented message"', '"fragmented message" is printed'),
                excerpt(console.since(mark), 200) or None,
                PIECES_AS_LINES,
            )
    with ctx.step(0.2, Text('набранные строки кончаются на "\\n"', 'typed lines end in "\\n"')):
        start = len(peer.raw)
        console.type("typed one")
        console.type("typed two")
        peer.wait_until(lambda text: "typed two" in text, timeout=EXPECT, give_up=console.quiet())
        sent = bytes(peer.raw[start:])
        if b"typed one" not in sent or b"typed two" not in sent:
            crash_check(ctx, console)
            ctx.fail(
                Text("набранные строки не дошли", "the typed lines did not arrive"),
                Text('"typed one\\n" и "typed two\\n"', '"typed one\\n" and "typed two\\n"'),
                describe_bytes(sent, 80) if sent else None,
                NO_SEND,
            )
        if not re.search(rb"typed one\r?\n", sent):
            ctx.fail(
                Text('набранная строка ушла без "\\n"', 'a typed line went out without "\\n"'),
                Text('"typed one\\n" и "typed two\\n"', '"typed one\\n" and "typed two\\n"'),
                describe_bytes(sent, 80),
                NO_NEWLINE_SENT,
            )


def split_character(ctx: CheckContext, console: ConsoleProgram, not_read: Hint) -> None:
    """A line sent in three segments that cut "ё" and "🎄" in two must be printed whole.
    A strict decode() of the first piece kills the receiving thread: then nobody reads the
    rest, and that is this step's bug (`not_read` says which)."""
    text = SPLIT_LINE
    mark = console.mark()
    for piece in split_pieces(text):
        console.connection.send(piece)
        wait_read(ctx, console, not_read)
    if not console.wait_printed(text, mark):
        crash_check(ctx, console)
        ctx.fail(
            Text(
                "строка с буквой, разрезанной между сегментами, напечатана не так",
                "a line with a letter split between segments was not printed right",
            ),
            Text(f'напечатано "{text}"', f'"{text}" is printed'),
            excerpt(console.since(mark), 200) or None,
            SPLIT_CHARACTER,
        )


@CHECKS.check("utf8")
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji are printed intact, also when a letter is split between
    segments; typed Cyrillic goes out as UTF-8."""
    _server, console, _peer = start_server(ctx)
    reads_continuously(ctx, console)
    with ctx.step(0.4, Text("кириллица и эмодзи", "Cyrillic and emoji")):
        says(ctx, console, "привет, мир 👋", NOT_UTF8, NOT_UTF8, NOT_UTF8)
    with ctx.step(0.2, Text("набранная кириллица", "typed Cyrillic")):
        typed(ctx, console, "ёжик и €", ENCODE_UTF8)
    with ctx.step(
        0.4, Text("буква, разрезанная между сегментами", "a letter split between segments")
    ):
        if all(step.passed for step in ctx.steps):
            split_character(ctx, console, SPLIT_CHARACTER)
            return
        # A server of its own: a thread that died on the Cyrillic above must not fail
        # this step too.
        stop(ctx, console)
        _server, console, _peer = start_server(ctx)
        with on(ctx, console):
            reads_continuously(ctx, console)
            split_character(ctx, console, SPLIT_CHARACTER)


# --- checks: the client ----------------------------------------------------------------
@CHECKS.check("client_sends", depends=(), needs="client")
def client_sends(ctx: CheckContext) -> None:
    """Lines typed at the client reach the server, two in a row."""
    _client, console, _conn = start_client(ctx)
    first = Text("набранная строка уходит серверу", "a typed line reaches the server")
    with ctx.step(0.5, first) as part:
        typed(ctx, console, "hello from the client side", NO_SEND)
    second_typed(ctx, console, "one more from the client", part.failure)


@CHECKS.check("client_receives", depends=(), needs="client")
def client_receives(ctx: CheckContext) -> None:
    """Lines from the server are printed while the client waits for input, nothing typed:
    two in a row, and one with a letter split between segments."""
    _client, console, _conn = start_client(ctx)
    first = Text(
        "строка сервера напечатана, пока клиент ждёт ввода",
        "a line from the server is printed while the client waits for input",
    )
    with ctx.step(0.4, first) as part:
        says(ctx, console, "hello from the server", NO_RECEIVER, NOT_PRINTED, BLOCKS_IN_INPUT)
    if part.failure is not None:
        # It did not print while waiting for input: the rest cannot go better, and each
        # attempt would wait for nothing.
        reason = Text(
            "не проверялось: клиент не печатает строки сервера, пока ждёт ввода (см. выше)",
            "not tried: the client does not print the server's lines while it waits for "
            "input (see above)",
        )
        for title, weight in (
            (Text("и вторая подряд", "and a second one in a row"), 0.3),
            (Text("буква, разрезанная между сегментами", "a letter split between segments"), 0.3),
        ):
            ctx.not_tried(weight, title, reason, part.failure.hint)
        return
    with ctx.step(
        0.3,
        Text(
            "и вторая подряд, без ввода между ними",
            "and a second one in a row, with nothing typed in between",
        ),
    ):
        says(
            ctx,
            console,
            "and another server line",
            TAKES_TURNS_RECEIVING,
            NOT_PRINTED,
            TAKES_TURNS_RECEIVING,
        )
    with ctx.step(
        0.3, Text("буква, разрезанная между сегментами", "a letter split between segments")
    ):
        split_character(ctx, console, SPLIT_CHARACTER)


@CHECKS.check("client_exit", depends=(), needs="client", long=True)
def client_exit(ctx: CheckContext) -> None:
    """exit typed at the client closes the connection and ends it; the server leaving
    ends it too, and it says so. Always with code 0 and no traceback."""
    # Two runs of the client at once, each first gets a line (in parallel: a client that
    # never reads makes each of them wait until it is visibly idle).
    _client, first, _conn = start_client(ctx)
    ctx.transcript.add("grader", Text("второй запуск клиента", "a second run of the client"))
    _client, second, _conn = start_client(ctx)
    chatting = [False, False]

    def first_line(n: int, console: ConsoleProgram) -> None:
        chatting[n] = exchange_first(ctx, console)

    threads = [
        threading.Thread(target=first_line, args=(n, console))
        for n, console in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with ctx.step(0.5, Text("набрали exit", "exit typed")), on(ctx, first):
        ctx.transcript.add("grader", Text("первый клиент: exit", "first client: exit"))
        first.type("exit")
        ends(ctx, first, NO_EXIT)
    ctx.transcript.add(
        "grader", Text("второй клиент: сервер уходит", "second client: the server leaves")
    )
    other_side_leaves(
        ctx, second, Text("сервер", "the server"), 0.4, server=False, chatting=chatting[1]
    )
