"""Lesson 04 submitted as a UDP chat: graded by these checks, then capped (rubric).

The checks are the UDP chat's shared checks (autograder/checks/udp.py, lesson 03's
too) under lesson 04's ids and points; only `requirements` and the make-up of `utf8`
are lesson 04's own.
"""

from __future__ import annotations

from autograder.checks import udp
from autograder.checks.common import static_requirements
from autograder.context import CheckContext, CheckSet
from autograder.hints.lesson03 import UDP_SERVER
from autograder.i18n import Text

CHECKS = CheckSet("04", "udp", server_hints=UDP_SERVER)


@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """The server uses socket; the client runs a receiving thread (threading)."""
    static_requirements(ctx, server_modules=("socket",), client_modules=("threading",))


def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji arrive intact; an invalid datagram does not break the server."""
    server = ctx.server()
    alice, bob = ctx.udp_peer("alice"), ctx.udp_peer("bob")
    with ctx.step(0.5, Text("кириллица и эмодзи", "Cyrillic and emoji")):
        udp.cyrillic_message(ctx, server, alice, bob)
    with ctx.step(0.5, Text("неверный UTF-8", "invalid UTF-8")):
        udp.after_invalid_utf8(ctx, server, alice, bob)


CHECKS.check("starts", depends=())(udp.starts)
CHECKS.check("join")(udp.join)
CHECKS.check("broadcast")(udp.broadcast)
CHECKS.check("leave")(udp.leave)
CHECKS.check("utf8")(utf8)
CHECKS.check("client_sends", depends=(), needs="client")(udp.client_sends)
# client_sends blocks it only when no datagram came at all: then there is nowhere to answer.
CHECKS.check("client_receives", depends=("client_sends",), needs="client")(udp.client_receives)
