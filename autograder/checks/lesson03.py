"""Lesson 03 checks: the multi-user UDP chat.

Every check is one of the shared UDP checks (autograder/checks/udp.py), which lesson 04
also uses for a chat submitted over UDP; this module only picks them and their ids.
The rubric (autograder/rubrics/03.toml) gives their points.
"""

from __future__ import annotations

from autograder.checks import udp
from autograder.context import CheckSet
from autograder.hints.lesson03 import UDP_SERVER

CHECKS = CheckSet("03", "udp", server_hints=UDP_SERVER)

CHECKS.check("starts", depends=())(udp.starts)
CHECKS.check("join")(udp.join)
CHECKS.check("broadcast")(udp.broadcast)
CHECKS.check("leave")(udp.leave)
CHECKS.check("utf8")(udp.utf8)
CHECKS.check("many_clients", long=True)(udp.many_clients)
CHECKS.check("bad_input")(udp.bad_input)
CHECKS.check("client_sends", depends=(), needs="client")(udp.client_sends)
# client_sends blocks it only when no datagram came at all: then there is nowhere to answer.
CHECKS.check("client_receives", depends=("client_sends",), needs="client")(udp.client_receives)
