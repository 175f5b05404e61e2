"""The UDP chat's checks, shared by lesson 03 and by lesson 04 submitted over UDP.

The protocol (lesson 03): one datagram is one message; the first datagram from a new
address is that user's nickname; the datagram `exit` leaves. The grader's users are UDP
sockets inside the sandbox (`ctx.udp_peer`); the student's client talks to a UDP server
the grader plays (`ctx.udp_client`). Each lesson registers the functions it grades with
`CHECKS.check`, under its own ids and with its own rubric points.

Order matters where a datagram changes who is in the chat (a nickname, `exit`): the next
one is sent only after the server has read it and finished handling it
(`Server.wait_consumed`, which watches the server socket's receive queue). Matching is by
content, as for TCP: a datagram with the name and the text, worded freely.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from autograder.checks.common import (
    DeliveryHints,
    before_leaving,
    deliver,
    judge_port,
    missing_hint,
    settle,
)
from autograder.context import CheckContext
from autograder.hints.common import CLIENT_NOT_UTF8
from autograder.hints.lesson03 import (
    UDP_CLIENT_NO_EXIT,
    UDP_CLIENT_NO_EXIT_DATAGRAM,
    UDP_CLIENT_NO_RECEIVER,
    UDP_CLIENT_NO_SEND,
    UDP_ECHO_ONLY,
    UDP_EMPTY_DATAGRAM,
    UDP_EXIT_AS_MESSAGE,
    UDP_LEAVER_KEPT,
    UDP_LONG_DROPPED,
    UDP_MANY_CLIENTS,
    UDP_NO_BROADCAST,
    UDP_NO_JOIN_NOTICE,
    UDP_NO_LEAVE_NOTICE,
    UDP_NO_NICKNAME,
    UDP_NO_SENDER_NAME,
    UDP_NOT_UTF8,
    UDP_NOTHING_TO_OTHERS,
    truncated_hint,
)
from autograder.i18n import Text
from autograder.peers import UdpPeer
from autograder.programs.clients import UdpClientProgram
from autograder.programs.server import Server
from autograder.textmatch import excerpt, find_segment
from autograder.verdicts import CheckFailed, Hint, ProgramFailed

# How long a reply gets to arrive. Short on purpose: a datagram is only expected after
# the server has read the one that causes it and gone idle again (`Server.wait_consumed`),
# and by then whatever it sent is already at our sockets; what is left is our own reader.
REPLY_TIMEOUT = 1.0

UDP_DELIVERY = DeliveryHints(UDP_NO_BROADCAST, UDP_NO_SENDER_NAME, UDP_ECHO_ONLY)
START_GRACE = 0.3  # seconds a UDP server must outlive its first datagram


def _expect(
    ctx: CheckContext, peer: UdpPeer, *needles: str, expected: Text, hint: Hint, **options: object
) -> str:
    return ctx.expect(
        peer,
        *needles,
        expected=expected,
        hint=hint,
        timeout=REPLY_TIMEOUT,
        **options,  # type: ignore[arg-type]
    )


def _say(
    ctx: CheckContext,
    server: Server,
    sender: UdpPeer,
    text: str,
    receivers: list[UdpPeer],
    **options: object,
) -> None:
    options.setdefault("timeout", REPLY_TIMEOUT)
    deliver(ctx, server, sender, text, receivers, advice=UDP_DELIVERY, **options)  # type: ignore[arg-type]


# --- the server --------------------------------------------------------------------------
def starts(ctx: CheckContext) -> None:
    """The server starts, binds its UDP port and reads the datagrams sent to it."""
    server = ctx.server()
    ctx.udp_peer("probe")  # a first datagram, read by recvfrom() (or the check fails)
    # A server that dies right after bind() (listen() on a UDP socket, say) may look as if
    # it read the probe: the socket table can show an empty queue before the datagram is
    # in it. Still there a moment later, or it did not start.
    server.box.exited.wait(START_GRACE)
    server.fail_if_dead()
    judge_port(ctx, server)


def join(ctx: CheckContext) -> None:
    """A newcomer's nickname (its first datagram) reaches those already in."""
    alice = ctx.udp_peer("alice")
    bob = ctx.udp_peer("bob")
    _expect(
        ctx,
        alice,
        "bob",
        expected=Text(
            "у alice датаграмма с именем bob (уведомление о входе)",
            "alice gets a datagram with bob's name (a join notice)",
        ),
        hint=UDP_NO_JOIN_NOTICE,
    )
    ctx.udp_peer("carol")
    for peer in (alice, bob):
        _expect(
            ctx,
            peer,
            "carol",
            expected=Text(
                f"у {peer.name} уведомление о входе carol",
                f"{peer.name} gets a join notice for carol",
            ),
            hint=UDP_NO_JOIN_NOTICE,
        )


def broadcast(ctx: CheckContext) -> None:
    """With three users, each message reaches both others with the sender's name."""
    server = ctx.server()
    users = [ctx.udp_peer(name) for name in ("alice", "bob", "carol")]
    texts = ("good morning everyone", "the weather is fine", "see you at the lecture")
    for sender, text in zip(users, texts, strict=True):
        with ctx.step(1 / 3, Text(f"сообщение {sender.name}", f"{sender.name}'s message")):
            others = [u for u in users if u is not sender]
            _say(ctx, server, sender, text, others, require_name=True)


def leave(ctx: CheckContext) -> None:
    """After the datagram exit the others are told, and the server forgets the address:
    nothing more is sent to it, and the others go on talking."""
    server = ctx.server()
    alice, bob, carol = (ctx.udp_peer(name) for name in ("alice", "bob", "carol"))
    not_a_notice = before_leaving([alice, bob], "carol")
    carol.send("exit")
    server.wait_consumed(carol)
    with ctx.step(0.5, Text("уведомление о выходе", "leave notice")):
        for peer in (alice, bob):
            if peer.expect("carol", timeout=REPLY_TIMEOUT, exclude=not_a_notice) is not None:
                continue
            came = peer.received_since_mark()
            if re.search(r"carol\W{0,3}\s*exit\s*$", came, re.IGNORECASE | re.MULTILINE):
                hint = UDP_EXIT_AS_MESSAGE
            elif peer.received_bytes == 0:
                hint = UDP_NOTHING_TO_OTHERS
            else:
                hint = UDP_NO_LEAVE_NOTICE
            ctx.fail(
                Text(
                    f"к {peer.name} не пришло уведомление о выходе carol",
                    f"{peer.name} got no notice that carol left",
                ),
                Text(
                    f"у {peer.name} уведомление о выходе carol",
                    f"{peer.name} gets a notice that carol left",
                ),
                excerpt(came, 200) or None,
                hint,
            )
    with ctx.step(
        0.5,
        Text(
            "после exit сервер забывает адрес carol и работает дальше",
            "after exit the server forgets carol's address and goes on",
        ),
    ):
        carol.skip_to_end()
        _say(ctx, server, alice, "carol is gone", [bob])
        # Handled after alice's message: once it is at alice, anything the server sent
        # carol for alice's message has come too (a short quiet period covers threads).
        _say(ctx, server, bob, "so it seems", [alice])
        settle([carol], quiet=0.1, limit=0.5)
        late = carol.received_since_mark()
        if "carol is gone" in late or "so it seems" in late:
            ctx.fail(
                Text(
                    "после exit к carol всё ещё приходят сообщения чата",
                    "after exit carol still receives the chat's messages",
                ),
                Text("carol после exit ничего не получает", "carol gets nothing after exit"),
                excerpt(late, 200),
                UDP_LEAVER_KEPT,
            )


def cyrillic_message(ctx: CheckContext, server: Server, alice: UdpPeer, bob: UdpPeer) -> None:
    """alice's Latin text reaches bob, and then her Cyrillic and emoji text must too, intact.

    The Latin one first: when it does not arrive, delivery itself is the bug (named as
    such); when it does and the Cyrillic one does not, the encoding is.
    """
    _say(ctx, server, alice, "plain latin text", [bob])
    try:
        _say(ctx, server, alice, "привет, мир 👋", [bob])
    except CheckFailed as failure:
        if not isinstance(failure, ProgramFailed):
            failure.hint = UDP_NOT_UTF8
        raise


def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji arrive intact in a message; a user with a Cyrillic nickname is
    served and named right."""
    server = ctx.server()
    alice, bob = ctx.udp_peer("alice"), ctx.udp_peer("bob")
    with ctx.step(0.5, Text("кириллица и эмодзи в сообщении", "Cyrillic and emoji in a message")):
        cyrillic_message(ctx, server, alice, bob)
    latin_arrives = find_segment(bob.text, ("plain latin text",)) is not None
    with ctx.step(0.5, Text("имя по-русски", "a Cyrillic nickname")):
        daria = ctx.udp_peer("Дарья")
        try:
            # Дарья is a user like any other: she gets the others' messages...
            _say(ctx, server, alice, "hello daria", [daria])
            line = find_segment(daria.text, ("hello daria",))
            # ...and her own carry her name, where the server names senders at all
            # (naming them is broadcast's point, not this check's).
            names_senders = line is not None and "alice" in line.segment.casefold()
            _say(ctx, server, daria, "hello from daria", [bob], require_name=names_senders)
        except CheckFailed as failure:
            # Where Latin text from alice gets through, what fails here is the name.
            if latin_arrives and not isinstance(failure, ProgramFailed):
                failure.hint = UDP_NOT_UTF8
            raise


def after_invalid_utf8(ctx: CheckContext, server: Server, sender: UdpPeer, bob: UdpPeer) -> None:
    """`sender` sends bytes that are not UTF-8; its next message must still reach bob."""
    sender.send(b"\xff\xfe broken \xc3\x28 bytes")
    server.wait_consumed(sender)
    _say(ctx, server, sender, "still here after bad bytes", [bob])


def many_clients(ctx: CheckContext) -> None:
    """20 users join at once; a message reaches all 19 others."""
    server = ctx.server()
    peers = [ctx.udp_peer(f"user{n:02d}", join=False) for n in range(20)]
    for peer in peers:
        peer.send(peer.name, log=False)
    ctx.transcript.add(
        "grader",
        Text("20 участников разом прислали имена", "20 users sent their nicknames at once"),
    )
    server.wait_consumed(peers[-1], timeout=10)
    sender, receivers = peers[0], peers[1:]
    text = "hello to all nineteen of you"
    sender.send(text)
    server.wait_consumed(sender)
    deadline = time.monotonic() + REPLY_TIMEOUT
    missing = [r for r in receivers if r.expect(text, timeout=deadline - time.monotonic()) is None]
    if not missing:
        return
    if len(missing) == len(receivers):  # nobody: delivery itself is broken, not the count
        hint = missing_hint(sender, receivers[0], text, UDP_DELIVERY)
    else:
        hint = UDP_MANY_CLIENTS
    names = ", ".join(p.name for p in missing[:5]) + (" …" if len(missing) > 5 else "")
    ctx.fail(
        Text(
            f"сообщение user00 дошло до {len(receivers) - len(missing)} из {len(receivers)}",
            f"user00's message reached {len(receivers) - len(missing)} of {len(receivers)}",
        ),
        Text("сообщение у всех 19 остальных", "all 19 others get the message"),
        Text(f"не пришло: {names}", f"missing at: {names}"),
        hint,
    )


LONG = 60 * 1024  # bytes: far beyond recvfrom(1024/4096), well within one UDP datagram


def bad_input(ctx: CheckContext) -> None:
    """Invalid UTF-8, an empty and a 60 KB datagram do not break the server; the 60 KB
    message reaches the others whole (one datagram is one message)."""
    server = ctx.server()
    alice, bob = ctx.udp_peer("alice"), ctx.udp_peer("bob")
    with ctx.step(1 / 3, Text("неверный UTF-8", "invalid UTF-8")):
        after_invalid_utf8(ctx, server, ctx.udp_peer("mallory"), bob)
    with ctx.step(1 / 3, Text("пустая датаграмма", "an empty datagram")):
        try:
            alice.send(b"")
            server.wait_consumed(alice)
            _say(ctx, server, alice, "still here after an empty datagram", [bob])
        except CheckFailed as failure:
            if server.box.exited.is_set() and server.box.exit_status == 0:
                failure.hint = UDP_EMPTY_DATAGRAM
            raise
    with ctx.step(
        1 / 3, Text("датаграмма 60 КБ доходит целиком", "a 60 KB datagram arrives whole")
    ):
        trudy = ctx.udp_peer("trudy")
        start = len(bob.text)
        trudy.send(b"y" * LONG)
        server.wait_consumed(trudy, timeout=5)
        # Handled after the long one: the server is alive and relaying.
        _say(ctx, server, alice, "still here after a long datagram", [bob])
        bob.wait_until(lambda got: "y" * LONG in got[start:], timeout=0.5)
        longest = max((len(run) for run in re.findall(r"y+", bob.text[start:])), default=0)
        if longest < LONG:
            ctx.fail(
                Text(
                    f"от trudy — одна датаграмма в {LONG} байт",
                    f"trudy sent one datagram of {LONG} bytes",
                ),
                Text(
                    f"у bob сообщение trudy целиком: {LONG} букв y",
                    f"bob gets trudy's whole message: {LONG} letters y",
                ),
                Text(
                    f"пришло {longest} из {LONG} букв y",
                    f"{longest} of the {LONG} letters y arrived",
                ),
                truncated_hint(longest) if longest else UDP_LONG_DROPPED,
            )


# --- the client --------------------------------------------------------------------------
def _contains(needle: str) -> Callable[[str], bool]:
    return lambda text: needle.casefold() in text.casefold()


def _is_exit(text: str) -> bool:
    return text.casefold() == "exit"


def client_sends(ctx: CheckContext) -> None:
    """The client sends the nickname the user typed, then each typed line, as datagrams."""
    client = ctx.udp_client()
    client.type("alice")
    client.first_datagram()
    with ctx.step(0.5, Text("имя", "nickname")):
        if client.wait_datagram(_contains("alice")) is None:
            ctx.fail(
                Text("имя не пришло", "no nickname arrived"),
                Text("датаграмма alice", "a datagram alice"),
                excerpt(client.received()) or None,
                UDP_NO_NICKNAME,
            )
    with ctx.step(0.5, Text("набранная строка", "a typed line")):
        client.type("hello from the keyboard")
        if client.wait_datagram(_contains("hello from the keyboard")) is None:
            ctx.fail(
                Text("строка не пришла", "the line did not arrive"),
                Text("датаграмма с набранной строкой", "a datagram with the typed line"),
                excerpt(client.received()) or None,
                UDP_CLIENT_NO_SEND,
            )


def _joined_client(ctx: CheckContext, first_run: bool) -> UdpClientProgram:
    """The student's client, started, with the user's nickname sent as a datagram."""
    client = ctx.udp_client()
    client.type("alice")
    try:
        client.first_datagram()
    except CheckFailed:
        if not first_run:
            raise
        ctx.skip(
            Text(
                "клиент не прислал ни одной датаграммы, отвечать некуда (см. client_sends)",
                "the client sent no datagram, so there is nowhere to answer (see client_sends)",
            )
        )
    client.wait_datagram(_contains("alice"), timeout=1)
    return client


def _expect_printed(ctx: CheckContext, client: UdpClientProgram, text: str, hint: Hint) -> None:
    client.send(text)
    if not client.wait_printed(text):
        ctx.fail(
            Text(
                "сервер прислал датаграмму, пока клиент ждал ввода",
                "the server sent a datagram while the client waited for input",
            ),
            Text(f'клиент печатает "{text}"', f'the client prints "{text}"'),
            excerpt(client.output(), 200) or None,
            hint,
        )


def client_receives(ctx: CheckContext) -> None:
    """The client prints incoming datagrams while waiting for input; on exit it sends
    the datagram exit and ends.

    Cyrillic is tried last, on a second copy of the client: a client that dies on it
    must not pass (or fail) the exit step by accident.
    """
    client = _joined_client(ctx, first_run=True)
    with ctx.step(
        0.4,
        Text(
            "входящее печатается, пока клиент ждёт ввода",
            "incoming text is printed while waiting for input",
        ),
    ):
        _expect_printed(ctx, client, "bob: hello from the server", UDP_CLIENT_NO_RECEIVER)
    printed_latin = "hello from the server" in client.output()
    with ctx.step(0.4, Text("выход по exit", "exit on 'exit'")):
        client.type("exit")
        said_exit = None
        deadline = time.monotonic() + 3
        while True:
            said_exit = said_exit or client.wait_datagram(_is_exit, timeout=0.05)
            if client.box.exited.is_set():
                # Everything it sent before it ended is waiting at the grader's sockets.
                said_exit = said_exit or client.wait_datagram(_is_exit, timeout=0)
                break
            if time.monotonic() > deadline:
                break
        ended = client.box.exited.is_set()
        if not ended:
            ctx.fail(
                Text("набрали exit", "typed exit"),
                Text("клиент завершается за 3 с", "the client ends within 3s"),
                Text("клиент всё ещё работает", "the client is still running"),
                UDP_CLIENT_NO_EXIT,
            )
        if said_exit is None:
            ctx.fail(
                Text("набрали exit", "typed exit"),
                Text(
                    "серверу приходит датаграмма exit, клиент завершается",
                    "the server gets the datagram exit, the client ends",
                ),
                Text(
                    "клиент завершился, не отправив exit",
                    "the client ended without sending exit",
                ),
                UDP_CLIENT_NO_EXIT_DATAGRAM,
            )
    with ctx.step(0.2, Text("входящее по-русски", "incoming Cyrillic text")):
        ctx.transcript.add("grader", Text("второй запуск клиента", "a second run of the client"))
        second = _joined_client(ctx, first_run=False)
        _expect_printed(
            ctx,
            second,
            "bob: привет из сервера",
            CLIENT_NOT_UTF8 if printed_latin else UDP_CLIENT_NO_RECEIVER,
        )
