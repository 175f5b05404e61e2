"""Lesson 04 checks: the threaded TCP multi-user chat.

The chat's core (join, broadcast, leave, a crowd, the client) is the scenario lesson 03
runs over UDP, written once in checks/chat.py; here it runs over TCP lines (`TCP`). The
rest is TCP's own: a reset, interleaved senders, the nickname's line ending, framing, a
character split between segments, a reader that stalls, odd input. Core checks are
tolerant (content, not wording; the next chunk only after the server read the previous
one); robustness checks are strict on purpose: they do what real networks do. Each
function's docstring is the line an instructor reads in `--list`.
"""

from __future__ import annotations

import re
import threading
import time

from autograder.checks import chat
from autograder.checks.chat import before_leaving
from autograder.checks.common import (
    FRAGMENTED,
    FRAGMENTS,
    SPLIT_LINE,
    client_protocol,
    settle,
    speaks_lines,
    split_pieces,
    starts,
    static_requirements,
)
from autograder.checks.transports import TCP
from autograder.context import CheckContext, CheckSet
from autograder.hints.common import SPLIT_CHARACTER
from autograder.hints.lesson04 import (
    BAD_INPUT,
    ECHO_ONLY,
    LEAVER_KEPT,
    LOST_MESSAGES,
    NAME_IN_ACCEPT_LOOP,
    NO_BROADCAST,
    NO_LINE_ENDING,
    NOTHING_TO_OTHERS,
    RECV_IS_NOT_A_MESSAGE,
    REQUIRED_MODULES,
    SLOW_CONSUMER,
    SLOW_CONSUMER_LIMIT,
    STRIP_NICKNAME,
    STRIP_NICKNAME_NO_CLIENT,
    nickname_bytes_hint,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer
from autograder.programs.server import Server
from autograder.textmatch import clean, complete_lines, excerpt, logical_lines, loose
from autograder.verdicts import CheckFailed, Hint

CHECKS = CheckSet("04", "tcp")


@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """The server imports socket and threading (read from the source, not run)."""
    static_requirements(
        ctx, server_modules=("socket", "threading"), client_modules=(), hint=REQUIRED_MODULES
    )


CHECKS.check("starts", depends=())(starts)


@CHECKS.check("join")
def join(ctx: CheckContext) -> None:
    """A newcomer's nickname reaches those already in."""
    speaks_lines(ctx, judge=True)
    chat.join(ctx, TCP)


@CHECKS.check("broadcast")
def broadcast(ctx: CheckContext) -> None:
    """With three users, each message reaches both others with the sender's name."""
    speaks_lines(ctx)
    chat.broadcast(ctx, TCP)


@CHECKS.check("leave", long=True)
def leave(ctx: CheckContext) -> None:
    """Users leave with the word exit, and with a plain close and no word: the others are
    told each time (0.3 of the points each); no flood (0.2); joining still works (0.2)."""
    speaks_lines(ctx)
    chat.leave(ctx, TCP)


@CHECKS.check("leave_abrupt")
def leave_abrupt(ctx: CheckContext) -> None:
    """After a TCP reset the others are told, and the server keeps serving."""
    speaks_lines(ctx)
    alice, bob, carol = (TCP.join(ctx, name) for name in ("alice", "bob", "carol"))
    not_a_notice = before_leaving([alice, bob], "carol")
    carol.reset()
    with ctx.step(0.6, Text("уведомление после обрыва", "notice after a reset")):
        # A reset that killed carol's thread (its traceback) is named by the evidence.
        TCP.expect_leave_notice(ctx, alice, "carol", not_a_notice)
    with ctx.step(0.4, Text("сервер работает дальше", "the server keeps serving")):
        TCP.say(ctx, alice, "carol got disconnected", [bob])
        TCP.say(ctx, bob, "so it seems", [alice], hint=LEAVER_KEPT)
        # alice once more: a thread that delivers and then dies sending to carol's closed
        # socket, still in the list, served one message each and no more.
        TCP.say(ctx, alice, "let us go on", [bob], hint=LEAVER_KEPT)


@CHECKS.check("concurrent", long=True)
def concurrent(ctx: CheckContext) -> None:
    """Interleaved messages from several users all arrive; a silent connection blocks no one."""
    speaks_lines(ctx)
    server = ctx.server()
    users = [server.connect(name) for name in ("alice", "bob", "carol")]
    with ctx.step(
        0.5, Text("чередующиеся сообщения не теряются", "interleaved messages all arrive")
    ):
        rounds = 8
        for n in range(rounds):
            for user in users:
                user.send(f"{user.name} says number {n:02d}\n", log=n == 0)
                server.wait_consumed(user)
        ctx.transcript.add(
            "grader",
            Text(
                f"… каждый отправил {rounds} пронумерованных сообщений вперемешку",
                f"… each sent {rounds} numbered messages, interleaved",
            ),
        )
        # Each text names its sender ("bob says number 03"), so presence is enough: no
        # line boundaries needed, and a server that sends no newlines is judged fairly.
        for receiver in users:
            wanted = [
                f"{sender.name} says number {n:02d}"
                for sender in users
                if sender is not receiver
                for n in range(rounds)
            ]
            start = receiver.mark

            def missing(text: str, wanted: list[str] = wanted, start: int = start) -> list[str]:
                got = clean(text[start:])
                return [w for w in wanted if not loose(w).search(got)]

            receiver.wait_until(
                lambda text, m=missing: not m(text),  # type: ignore[misc]
                timeout=3,
                give_up=ctx.quiet(),
            )
            lost = missing(receiver.text)
            if lost:
                sender = next(u for u in users if u is not receiver)
                nothing_came = len(lost) == len(wanted)
                hint = (
                    delivery_hint(sender, receiver, lost[0], LOST_MESSAGES)
                    if nothing_came
                    else LOST_MESSAGES
                )
                ctx.fail(
                    Text(
                        f"к {receiver.name} пришли не все сообщения: нет {len(lost)} из "
                        f"{len(wanted)}",
                        f"not every message reached {receiver.name}: {len(lost)} of "
                        f"{len(wanted)} missing",
                    ),
                    Text(
                        f"у {receiver.name} все {len(wanted)} сообщений остальных",
                        f"{receiver.name} gets all {len(wanted)} messages of the others",
                    ),
                    Text(
                        f"нет: {', '.join(lost[:4])}{' …' if len(lost) > 4 else ''}",
                        f"missing: {', '.join(lost[:4])}{' …' if len(lost) > 4 else ''}",
                    ),
                    hint,
                )
            receiver.skip_to_end()
    with ctx.step(
        0.5, Text("молчащее соединение никому не мешает", "a silent connection blocks nobody")
    ):
        server.open("silent")  # connects and never sends a nickname
        ctx.transcript.add("silent", Text("ничего не отправляет", "sends nothing"))
        try:
            dave = server.connect("dave")
        except CheckFailed as failure:
            failure.hint = NAME_IN_ACCEPT_LOOP
            raise
        TCP.say(ctx, dave, "hello despite the silent one", users[:1])


@CHECKS.check("nickname")
def nickname(ctx: CheckContext) -> None:
    """The nickname is taken without the line ending it came with: "bob: hi", not "bob⏎: hi".

    The one place where an unstripped nickname costs points; every other check reads
    "bob\n: hi" as bob's line. Judged from bob's message to alice, or, for a server
    that puts no names on messages, from bob's join notice.
    """
    speaks_lines(ctx)
    server = ctx.server()
    alice = server.connect("alice")
    start = alice.mark
    bob = server.connect("bob")
    settle([alice])
    # bob's name line relayed under his address is no name the server read (see join).
    relayed = chat.relayed_from(bob)
    notices = [
        line
        for line in logical_lines(alice.text, start, ctx.roster)
        if "bob" in line.text.casefold() and not relayed.search(line.text)
    ]
    alice.skip_to_end()
    text = "is my name on the same line"
    bob.send(f"{text}\n")
    server.wait_consumed(bob)
    message = alice.expect("bob", text, timeout=3, give_up=ctx.quiet(), exclude=relayed)
    lines = ([message.segment] if message else []) + [n.text for n in notices]
    repr_line = next((line for line in lines if BYTES_REPR.search(line)), None)
    if repr_line is not None:
        shown = BYTES_REPR.search(repr_line).group(0)  # type: ignore[union-attr]
        ctx.fail(
            Text(
                f"имя bob пришло как байты: {shown}",
                f"bob's nickname arrived as bytes: {shown}",
            ),
            Text(
                f'у alice "bob: {text}" (и уведомления с именем bob)',
                f'alice gets "bob: {text}" (and notices with the name bob)',
            ),
            excerpt(repr_line),
            nickname_bytes_hint(shown),
        )
    broken = message.raw if message and message.name_break else None
    if broken is None and not message:
        broken = next((n.raw for n in notices if n.name_break), None)
    if broken is not None:
        ctx.fail(
            Text(
                "имя bob пришло вместе с переводом строки, с которым bob его отправил",
                "bob's nickname arrived with the line ending bob sent it with",
            ),
            Text(
                f'у alice одна строка "bob: {text}" (и уведомления — одной строкой)',
                f'alice gets one line "bob: {text}" (and notices on one line too)',
            ),
            excerpt(broken.strip()),
            STRIP_NICKNAME if ctx.submission.client is not None else STRIP_NICKNAME_NO_CLIENT,
        )
    if not message and not notices:
        ctx.skip(
            Text(
                "не по чему судить: имя bob не пришло alice ни в уведомлении, ни в "
                "сообщении (см. join и broadcast)",
                "nothing to judge by: bob's name reached alice neither in a notice nor in a "
                "message (see join and broadcast)",
            )
        )


# bob's name as the bytes recv() returned, put in an f-string undecoded: b'bob\n'.
BYTES_REPR = re.compile(r"""b(['"])bob(?:\\r)?(?:\\n)?\1""")


@CHECKS.check("framing")
def framing(ctx: CheckContext) -> None:
    """Two lines in one segment arrive as two messages; one line in three segments as one."""
    speaks_lines(ctx)
    server = ctx.server()
    alice, bob = server.connect("alice"), server.connect("bob")
    settle([bob])
    bob.skip_to_end()
    with ctx.step(0.5, Text("две строки одним send()", "two lines in one send()")):
        start = bob.mark
        alice.send("first apples\nsecond pears\n")
        server.wait_consumed(alice)
        bob.expect(loose("second pears"), timeout=3, give_up=ctx.quiet())
        lines = complete_lines(bob.text, start, ctx.roster)
        first = [ln for ln in lines if loose("first apples").search(ln)]
        second = [ln for ln in lines if loose("second pears").search(ln)]
        # A server that names senders must name both lines; one that relays text without
        # names (that is broadcast's concern) must still keep them two lines.
        names_senders = bool(first) and "alice" in first[0].casefold()
        ok = (
            first
            and second
            and not loose("second pears").search(first[0])
            and (not names_senders or "alice" in second[0].casefold())
        )
        if not ok:
            came = bob.text[start:]
            # Both arrived, run together, and not one line ending in all of it: the server
            # reads lines right but ends none of its own (the one place this costs points).
            unended = "\n" not in came and all(
                loose(t).search(came) for t in ("first apples", "second pears")
            )
            ctx.fail(
                Text(
                    "от alice — две строки одним send(); сервер прислал их без \\n в конце"
                    if unended
                    else "от alice — две строки одним send()",
                    "alice sent two lines in one send(); the server sent them without a \\n "
                    "at the end"
                    if unended
                    else "alice sent two lines in one send()",
                ),
                Text(
                    "у bob две строки, каждая с именем alice",
                    "bob gets two lines, each with alice's name",
                ),
                excerpt(came) or None,
                NO_LINE_ENDING
                if unended
                else delivery_hint(alice, bob, "first apples", RECV_IS_NOT_A_MESSAGE),
            )
    with ctx.step(0.5, Text("одна строка тремя кусками", "one line in three pieces")):
        for piece in FRAGMENTS:
            alice.send(piece)
            server.wait_consumed(alice)
        TCP.expect(
            ctx,
            bob,
            loose(FRAGMENTED),
            expected=Text(
                f'у bob одна строка "alice: {FRAGMENTED}"',
                f'bob gets one line "alice: {FRAGMENTED}"',
            ),
            hint=RECV_IS_NOT_A_MESSAGE,
        )


def split_character(ctx: CheckContext, alice: TcpPeer, bob: TcpPeer) -> None:
    """A line whose "ё" and "🎄" are cut in two between segments arrives whole."""
    for piece in split_pieces():
        alice.send(piece)
        # A strict decode() of the first piece kills alice's thread: then nobody reads
        # the rest, and that is this step's bug, not a missing thread.
        ctx.server().wait_consumed(alice, hint=SPLIT_CHARACTER)
    TCP.expect(
        ctx,
        bob,
        loose(SPLIT_LINE),
        expected=Text(f'у bob строка "alice: {SPLIT_LINE}"', f'bob gets "alice: {SPLIT_LINE}"'),
        hint=SPLIT_CHARACTER,
    )


@CHECKS.check("utf8")
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji arrive intact, also when a character is split between segments."""
    speaks_lines(ctx)
    title = Text("символ, разрезанный между сегментами", "a character split between segments")
    chat.utf8(ctx, TCP, title, split_character)


@CHECKS.check("slow_consumer", long=True)
def slow_consumer(ctx: CheckContext) -> None:
    """A client that stops reading does not stall the others while they exchange megabytes."""
    speaks_lines(ctx)
    server = ctx.server()
    alice, bob = server.connect("alice"), server.connect("bob")
    server.connect("carol", read=False, rcvbuf=4096)  # joins, then never reads again
    ctx.transcript.add("carol", Text("перестаёт читать", "stops reading"))
    volume = 1 << 20 if server.box.isolation == "netns" else 8 << 20
    line = "alice-bulk " + "x" * 1000 + "\n"
    count = volume // len(line)
    payload = line.encode() * count
    finished = threading.Event()

    def pump() -> None:
        for offset in range(0, len(payload), 64 * 1024):
            # Never more than BULK_WINDOW ahead of bob: on a loaded machine the grader may
            # read bob's socket slower than it writes alice's, and a server that bounds
            # its queues (as it should) would rightly drop bob as a slow reader.
            while bob.received_bytes - start < offset - BULK_WINDOW:
                if finished.is_set() or bob.closed_by_server:
                    return
                bob.wait_for_bytes(start + offset - BULK_WINDOW, timeout=0.2)
            if not alice.send(payload[offset : offset + 64 * 1024], timeout=10, log=False):
                return

    ctx.transcript.add(
        "alice",
        Text(
            f"отправляет {count} строк по {len(line)} байт ({len(payload) >> 10} КБ)",
            f"sends {count} lines of {len(line)} bytes ({len(payload) >> 10} KB)",
        ),
    )
    start = bob.received_bytes  # before the pump starts: everything after it is alice's bulk
    threading.Thread(target=pump, daemon=True).start()
    try:
        wait_bulk(ctx, server, bob, start, len(payload))
    finally:
        finished.set()


# How far alice's bulk may run ahead of what bob has read: well under the 1-4 MB a server's
# queue per client should allow (the hint says so), so only a stall can fail the check.
BULK_WINDOW = 512 * 1024


def wait_bulk(ctx: CheckContext, server: Server, bob: TcpPeer, start: int, size: int) -> None:
    """Wait until bob has 90% of alice's bulk, or fail: bob dropped, or a stall."""
    target = start + int(size * 0.9)
    last, last_change = bob.received_bytes, time.monotonic()
    deadline = time.monotonic() + 30
    quiet = server.quiet()
    while not bob.wait_for_bytes(target, timeout=0.2):
        now = time.monotonic()
        if bob.received_bytes != last:
            last, last_change = bob.received_bytes, now
        got = (bob.received_bytes - start) >> 10
        total = size >> 10
        # Nothing of the bulk at all: that is no broadcast, not a stall behind carol. (Judged
        # by content: a late echo of bob's own name also counts in received_bytes.)
        stall_hint = SLOW_CONSUMER if b"alice-bulk" in bob.raw else NO_BROADCAST
        if bob.closed_by_server:
            ctx.fail(
                Text(
                    f"сервер отключил bob (он читает исправно), получив {got} КБ из {total} КБ",
                    f"the server disconnected bob (who reads fine) after {got} KB of {total} KB",
                ),
                Text(
                    "отключать только того, кто не читает (carol)",
                    "only the client that does not read (carol) is dropped",
                ),
                None,
                SLOW_CONSUMER_LIMIT,
            )
        # Stalled: nothing new for 3 s, or sooner once the server visibly went quiet (its
        # threads all blocked, e.g. in sendall() to carol, nothing moving).
        if now - last_change > 3 or now > deadline or (now - last_change > 0.5 and quiet()):
            idle = now - last_change
            ctx.fail(
                Text(
                    f"carol не читает; к bob пришло {got} КБ из {total} КБ и "
                    f"больше ничего за {idle:.1f} с"
                    + (" (сервер затих)" if quiet.concluded else ""),
                    f"carol stopped reading; bob got {got} KB of {total} KB and "
                    f"nothing more for {idle:.1f}s"
                    + (" (the server went quiet)" if quiet.concluded else ""),
                ),
                Text("bob получает всё, что пишет alice", "bob receives everything alice writes"),
                None,
                stall_hint,
            )
    ctx.transcript.add(
        "bob",
        Text(
            f"пришло {(bob.received_bytes - start) >> 10} КБ",
            f"received {(bob.received_bytes - start) >> 10} KB",
        ),
    )


@CHECKS.check("many_clients", long=True)
def many_clients(ctx: CheckContext) -> None:
    """50 users at once: a message reaches all 49 others."""
    speaks_lines(ctx)
    chat.many_clients(ctx, TCP)


@CHECKS.check("bad_input")
def bad_input(ctx: CheckContext) -> None:
    """Invalid UTF-8, a 64 KB line and empty lines do not break the server.

    After invalid UTF-8 or empty lines the same sender must still be served (its thread
    survived); after a 64 KB line the others must be (a length limit may drop the sender).
    """
    speaks_lines(ctx)
    server = ctx.server()
    alice, bob = server.connect("alice"), server.connect("bob")
    cases = (
        (
            "mallory",
            b"\xff\xfe broken \xc3\x28 bytes\n",
            True,
            Text("неверный UTF-8", "invalid UTF-8"),
        ),
        ("trudy", b"y" * 65536 + b"\n", False, Text("строка 64 КБ", "a 64 KB line")),
        ("alice", b"\n\n\r\n", True, Text("пустые строки", "empty lines")),
    )
    for n, (name, data, sender_goes_on, title) in enumerate(cases):
        with ctx.step(1 / 3, title):
            sender = alice if name == "alice" else server.connect(name)
            sender.send(data)
            server.wait_consumed(sender, timeout=5, hint=BAD_INPUT)
            TCP.say(
                ctx,
                sender if sender_goes_on else alice,
                f"still here after case {n + 1}",
                [bob],
                hint=BAD_INPUT,
            )


@CHECKS.check("client_sends", depends=(), needs="client")
def client_sends(ctx: CheckContext) -> None:
    """The client sends the nickname the user typed, then each typed line."""
    with client_protocol(ctx, sends=True):
        chat.client_sends(ctx, TCP)


@CHECKS.check("client_receives", depends=(), needs="client")
def client_receives(ctx: CheckContext) -> None:
    """The client prints incoming messages while waiting for input, and exits on exit.

    Cyrillic is tried last, on a second copy of the client: a client that dies on it
    must not pass (or fail) the exit step by accident.
    """
    with client_protocol(ctx):
        chat.client_receives(ctx, TCP)


def delivery_hint(sender: TcpPeer, receiver: TcpPeer, text: str, default: Hint) -> Hint:
    """Why `text` from `sender` is missing at `receiver`: when none of it arrived at all,
    delivery itself is broken (broadcast's bug, named as such), not the check's own point."""
    got = clean(receiver.text)
    if loose(text).search(got):
        return default
    if loose(text).search(clean(sender.text)):
        return ECHO_ONLY
    if receiver.received_bytes == 0:
        return NOTHING_TO_OTHERS
    if sender.name not in got:  # something came, only none of it from the sender
        return NO_BROADCAST
    return default
