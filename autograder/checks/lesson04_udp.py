"""Lesson 04 submitted as a UDP chat: graded by these checks, then capped (rubric).

The checks are the UDP chat's shared checks (autograder/checks/udp.py, lesson 03's
too) under lesson 04's ids and points; only `requirements` and the make-up of `utf8`
are lesson 04's own.
"""

from __future__ import annotations

from autograder.checks import udp
from autograder.checks.common import static_requirements
from autograder.context import CheckContext, CheckSet
from autograder.i18n import Text

CHECKS = CheckSet("04", "udp")


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


udp.register(CHECKS, "starts", udp.starts, depends=())
udp.register(CHECKS, "join", udp.join)
udp.register(CHECKS, "broadcast", udp.broadcast)
udp.register(CHECKS, "leave", udp.leave)
udp.register(CHECKS, "utf8", utf8)
udp.register(CHECKS, "client_sends", udp.client_sends, depends=(), needs="client")
# client_sends blocks it only when no datagram came at all: then there is nowhere to answer.
udp.register(
    CHECKS, "client_receives", udp.client_receives, depends=("client_sends",), needs="client"
)
