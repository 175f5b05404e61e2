"""Lesson 03 checks: the multi-user UDP chat.

The chat's core (join, broadcast, leave, a crowd, the client) is the scenario lesson 04
runs over TCP, written once in checks/chat.py; here it runs over UDP datagrams (`UDP`):
one datagram is one message, the first datagram from a new address is the nickname, the
datagram `exit` leaves. What only a UDP chat is asked is here: a Cyrillic nickname, an
empty and a 60 KB datagram. The rubric (autograder/rubrics/03.toml) gives the points.
"""

from __future__ import annotations

import ast
import functools
import re

from autograder.checks import chat
from autograder.checks.transports import UDP
from autograder.context import CheckContext, CheckFunction, CheckSet
from autograder.hints.lesson03 import (
    UDP_EMPTY_DATAGRAM,
    UDP_LONG_DROPPED,
    UDP_SENDTO_AFTER_LOOP,
    UDP_SERVER,
    truncated_hint,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer
from autograder.textmatch import find_segment
from autograder.verdicts import CheckFailed, CheckSkipped, ProgramFailed

CHECKS = CheckSet("03", "udp", server_hints=UDP_SERVER)
LONG = 60 * 1024  # bytes: far beyond recvfrom(1024/4096), well within one UDP datagram


def sendto_after_loop(source: str) -> bool:
    """Does the server call sendto() after a `for` loop, with the loop's variable, instead
    of inside it? (an indentation slip: only the loop's last address gets each datagram)"""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            loop_names: set[str] = set()
            for stmt in block:
                if loop_names and any(
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "sendto"
                    and any(
                        isinstance(name, ast.Name) and name.id in loop_names
                        for arg in call.args
                        for name in ast.walk(arg)
                    )
                    for call in ast.walk(stmt)
                ):
                    return True
                if isinstance(stmt, ast.For):
                    loop_names |= {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
    return False


def delivery_misread(check: CheckFunction) -> CheckFunction:
    """`check`, with every failure of it (and of its steps) named as the sendto() after
    the `for` loop, when the server's source has one: whatever a check meets (a missing
    notice, a message one user does not get, 'reached 1 of 19'), that is the cause."""

    @functools.wraps(check)
    def run(ctx: CheckContext) -> None:
        slip = sendto_after_loop(ctx.submission.server_facts.text)
        try:
            check(ctx)
        except CheckFailed as failure:
            if slip and not isinstance(failure, (ProgramFailed, CheckSkipped)):
                failure.hint = UDP_SENDTO_AFTER_LOOP
            raise
        finally:
            for step in ctx.steps:
                if (
                    slip
                    and step.failure is not None
                    and not isinstance(step.failure, ProgramFailed)
                ):
                    step.failure.hint = UDP_SENDTO_AFTER_LOOP

    return run


CHECKS.check("starts", depends=())(chat.udp_starts)


@CHECKS.check("join")
@delivery_misread
def join(ctx: CheckContext) -> None:
    """A newcomer's nickname (its first datagram) reaches those already in."""
    chat.join(ctx, UDP)


@CHECKS.check("broadcast")
@delivery_misread
def broadcast(ctx: CheckContext) -> None:
    """With three users, each message reaches both others with the sender's name."""
    chat.broadcast(ctx, UDP)


@CHECKS.check("leave")
@delivery_misread
def leave(ctx: CheckContext) -> None:
    """After the datagram exit the others are told, and the server forgets the address:
    nothing more is sent to it, and the others go on talking."""
    chat.leave(ctx, UDP)


def cyrillic_nickname(ctx: CheckContext, alice: TcpPeer, bob: TcpPeer) -> None:
    """A user named Дарья gets the others' messages, and hers carry her name."""
    # Where Latin text from alice gets through, what fails here is the name.
    latin_arrives = find_segment(bob.text, ("plain latin text",)) is not None
    daria = UDP.join(ctx, "Дарья")
    try:
        UDP.say(ctx, alice, "hello daria", [daria])
        line = find_segment(daria.text, ("hello daria",))
        # ...and her own carry her name, where the server names senders at all (naming
        # them is broadcast's point, not this check's).
        names_senders = line is not None and "alice" in line.segment.casefold()
        UDP.say(ctx, daria, "hello from daria", [bob], require_name=names_senders)
    except CheckFailed as failure:
        if latin_arrives and not isinstance(failure, ProgramFailed):
            failure.hint = UDP.hints.not_utf8
        raise


@CHECKS.check("utf8")
@delivery_misread
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji arrive intact in a message; a user with a Cyrillic nickname is
    served and named right."""
    chat.utf8(ctx, UDP, Text("имя по-русски", "a Cyrillic nickname"), cyrillic_nickname)


@CHECKS.check("many_clients", long=True)
@delivery_misread
def many_clients(ctx: CheckContext) -> None:
    """20 users join at once; a message reaches all 19 others."""
    chat.many_clients(ctx, UDP)


@CHECKS.check("bad_input")
@delivery_misread
def bad_input(ctx: CheckContext) -> None:
    """Invalid UTF-8, an empty and a 60 KB datagram do not break the server; the 60 KB
    message reaches the others whole (one datagram is one message)."""
    server = ctx.server()
    alice, bob = UDP.join(ctx, "alice"), UDP.join(ctx, "bob")
    with ctx.step(1 / 3, Text("неверный UTF-8", "invalid UTF-8")):
        chat.after_invalid_utf8(ctx, UDP, UDP.join(ctx, "mallory"), bob)
    with ctx.step(1 / 3, Text("пустая датаграмма", "an empty datagram")):
        try:
            alice.send(b"")
            server.wait_consumed(alice)
            UDP.say(ctx, alice, "still here after an empty datagram", [bob])
        except CheckFailed as failure:
            if server.box.exited.is_set() and server.box.exit_status == 0:
                failure.hint = UDP_EMPTY_DATAGRAM
            raise
    with ctx.step(
        1 / 3, Text("датаграмма 60 КБ доходит целиком", "a 60 KB datagram arrives whole")
    ):
        trudy = UDP.join(ctx, "trudy")
        start = len(bob.text)
        trudy.send(b"y" * LONG)
        server.wait_consumed(trudy, timeout=5)
        # Handled after the long one: the server is alive and relaying.
        UDP.say(ctx, alice, "still here after a long datagram", [bob])
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


@CHECKS.check("client_sends", depends=(), needs="client")
def client_sends(ctx: CheckContext) -> None:
    """The client sends the nickname the user typed, then each typed line, as datagrams."""
    chat.client_sends(ctx, UDP)


# client_sends blocks it only when no datagram came at all: then there is nowhere to answer.
@CHECKS.check("client_receives", depends=("client_sends",), needs="client")
def client_receives(ctx: CheckContext) -> None:
    """The client prints incoming datagrams while waiting for input; on exit it sends
    the datagram exit and ends.

    Cyrillic is tried last, on a second copy of the client: a client that dies on it
    must not pass (or fail) the exit step by accident.
    """
    chat.client_receives(ctx, UDP)
