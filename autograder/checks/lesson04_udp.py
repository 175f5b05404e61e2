"""Lesson 04 submitted as a UDP chat: graded by these checks, then capped (rubric).

The chat's scenarios over UDP datagrams, as lesson 03 runs them (checks/chat.py), under
lesson 04's ids and points; only `requirements` and the make-up of `utf8` are lesson 04's
own.
"""

from __future__ import annotations

from autograder.checks import chat
from autograder.checks.common import static_requirements
from autograder.checks.transports import UDP
from autograder.context import CheckContext, CheckSet
from autograder.hints.lesson03 import UDP_SERVER
from autograder.hints.lesson04 import REQUIRED_MODULES
from autograder.i18n import Text
from autograder.peers import TcpPeer

CHECKS = CheckSet("04", "udp", server_hints=UDP_SERVER)


@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """The server uses socket; the client runs a receiving thread (threading)."""
    static_requirements(
        ctx, server_modules=("socket",), client_modules=("threading",), hint=REQUIRED_MODULES
    )


CHECKS.check("starts", depends=())(chat.udp_starts)


@CHECKS.check("join")
def join(ctx: CheckContext) -> None:
    """A newcomer's nickname (its first datagram) reaches those already in."""
    chat.join(ctx, UDP)


@CHECKS.check("broadcast")
def broadcast(ctx: CheckContext) -> None:
    """With three users, each message reaches both others with the sender's name."""
    chat.broadcast(ctx, UDP)


@CHECKS.check("leave")
def leave(ctx: CheckContext) -> None:
    """After the datagram exit the others are told, and the server forgets the address:
    nothing more is sent to it, and the others go on talking."""
    chat.leave(ctx, UDP)


def invalid_utf8(ctx: CheckContext, alice: TcpPeer, bob: TcpPeer) -> None:
    chat.after_invalid_utf8(ctx, UDP, alice, bob)


@CHECKS.check("utf8")
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji arrive intact; an invalid datagram does not break the server."""
    chat.utf8(ctx, UDP, Text("неверный UTF-8", "invalid UTF-8"), invalid_utf8)


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
