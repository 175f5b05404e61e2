"""Lesson 03 checks: the multi-user UDP chat.

Every check is one of the shared UDP checks (autograder/checks/udp.py), which lesson 04
also uses for a chat submitted over UDP; this module only picks them and their ids.
The rubric (autograder/rubrics/03.toml) gives their points.
"""

from __future__ import annotations

from autograder.checks import udp
from autograder.context import CheckSet

CHECKS = CheckSet("03", "udp")

udp.register(CHECKS, "starts", udp.starts, depends=())
udp.register(CHECKS, "join", udp.join)
udp.register(CHECKS, "broadcast", udp.broadcast)
udp.register(CHECKS, "leave", udp.leave)
udp.register(CHECKS, "utf8", udp.utf8)
udp.register(CHECKS, "many_clients", udp.many_clients, long=True)
udp.register(CHECKS, "bad_input", udp.bad_input)
udp.register(CHECKS, "client_sends", udp.client_sends, depends=(), needs="client")
# client_sends blocks it only when no datagram came at all: then there is nowhere to answer.
udp.register(
    CHECKS, "client_receives", udp.client_receives, depends=("client_sends",), needs="client"
)
