"""What is graded: the student's folder, its server and client, and what their source says."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.hints.common import UNUSABLE_PROGRAM
from autograder.i18n import Text
from autograder.source import MAX_PORTS, SourceFacts, SyntaxProblem
from autograder.verdicts import Hint, StudentProgramMissing


@dataclass
class Submission:
    path: Path
    server: Path | None
    client: Path | None
    implementation: str  # "tcp" or "udp"
    server_facts: SourceFacts = field(default_factory=SourceFacts)
    client_facts: SourceFacts = field(default_factory=SourceFacts)
    # Files the student's interpreter cannot compile, by file name (filled by the runner).
    syntax: dict[str, SyntaxProblem] = field(default_factory=dict)
    # Why a program the student meant cannot be used, by role ("server", "client"): a
    # link out of the submission, a FIFO, a folder (see submission_copy).
    unusable: dict[str, Text] = field(default_factory=dict)
    # Ports the student's own server was seen listening on (filled as checks start it),
    # and whether that was learned before its client was first served (under port_lock).
    seen_ports: list[int] = field(default_factory=list)
    starting: int = 0  # copies of the server being started right now
    start_tried: bool = False  # a start of the server has ended (listening or not)
    start_seen: threading.Condition = field(
        default_factory=threading.Condition, repr=False, compare=False
    )
    # Whether the server, whose source frames messages its own way (server_facts.protocol),
    # refused the course's lines when tried, and what its first user received: decided
    # once per grading, under the lock (see checks/common.py: own_protocol).
    lines_refused: tuple[bool, str] | None = None
    probe_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def missing(self, role: str, default: Text, hint: Hint | None = None) -> StudentProgramMissing:
        """The failure of a check that needs the program `role` when there is none."""
        reason = self.unusable.get(role)
        if reason is not None:
            return StudentProgramMissing(reason, hint=UNUSABLE_PROGRAM)
        return StudentProgramMissing(default, hint=hint)

    def client_ports(self) -> list[int]:
        """Where the student's client may connect: the course's ports, then the ports its
        own source and its own server's source name, and where its server was seen
        listening (a client meets its own server)."""
        ports = [9090, 9091, *self.client_facts.ports, *self.server_facts.ports]
        ports += self.seen_ports
        return list(dict.fromkeys(ports))[: MAX_PORTS + 2]

    @contextlib.contextmanager
    def server_starting(self) -> Iterator[None]:
        """Around a start of the server: whoever waits for where it listens is told when
        the start has ended (see Launcher._learn_server_port)."""
        with self.start_seen:
            self.starting += 1
        try:
            yield
        finally:
            with self.start_seen:
                self.starting -= 1
                self.start_tried = True
                self.start_seen.notify_all()

    def handshake(self) -> str | None:
        """The word the student's client waits for before it sends its nickname ("NICK")."""
        words = self.client_facts.handshake_words
        return words[0] if words else None
