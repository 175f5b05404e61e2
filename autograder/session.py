"""What the programs and users of one check share: the transcript, the nicknames, the
grader's users and what to close when the check ends.

The check context is a session; a program handle needs no more of it, so the handles do
not depend on the context that launches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from autograder.peers import TcpPeer
from autograder.verdicts import Transcript


@dataclass(kw_only=True)
class Session:
    transcript: Transcript = field(default_factory=Transcript)
    roster: set[str] = field(default_factory=set)  # nicknames this check's users sent
    peers: list[TcpPeer] = field(default_factory=list)  # the grader's users in this check
    closers: list[Callable[[], None]] = field(default_factory=list)  # run when it ends
