"""What a check concludes, as plain data: hints, failures, steps, transcripts, scores.

A leaf of the grader: it imports nothing of it but `i18n`, so whatever only reads or
renders results (results.py, report.py, formats/) stays free of sockets, sandboxes and
checks. A check raises `CheckFailed` (or ends in `CheckSkipped`) with what was expected,
what came and a `Hint`, and records its parts as `StepResult`s; the runner turns them
into a `results.CheckResult`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from autograder.i18n import Text


@dataclass(frozen=True)
class Hint:
    """The likely bug behind a failure, and the docs section that explains it."""

    text: Text
    anchor: str = ""


class CheckFailed(Exception):
    """A check (or a step of it) did not pass: what happened, what was expected, what came.

    `blocking`: the checks that depend on this one are skipped (a failed prerequisite);
    a failure of a check's own point that leaves the server judgeable is not blocking.
    """

    def __init__(
        self,
        message: Text,
        expected: Text | None = None,
        received: str | Text | None = None,
        hint: Hint | None = None,
        blocking: bool = True,
    ) -> None:
        super().__init__(message.en)
        self.message = message
        self.expected = expected
        self.received = received
        self.hint = hint
        self.blocking = blocking


class ProgramFailed(CheckFailed):
    """The student's program itself is the failure: it exited, stopped reading or never
    started. Its hint comes from the program's state (its traceback, its exit), not from
    what the check was about."""


class StudentProgramMissing(CheckFailed):
    """The submission lacks the program a check needs (no server.py, no client.py)."""


class CheckSkipped(CheckFailed):
    """The check cannot judge its own point because something else is missing (another
    check covers that): reported as skipped with the reason, not as a failure."""

    def __init__(self, message: Text) -> None:
        super().__init__(message, blocking=False)


@dataclass
class StepResult:
    """A part of a check worth `weight` of its points: passed, or failed with `failure`."""

    title: Text
    weight: float
    passed: bool
    failure: CheckFailed | None = None


@dataclass
class Transcript:
    """What happened during a check, in order, for the report (in either language)."""

    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str, Text]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, actor: str, action: Text | str) -> None:
        text = action if isinstance(action, Text) else Text(action, action)
        with self._lock:
            self.events.append((time.monotonic() - self.started, actor, text))

    def snapshot(self) -> list[tuple[float, str, Text]]:
        with self._lock:
            return list(self.events)


# The grader's own roles, named in the report's language; users keep their nicknames.
ACTORS = {
    "grader": Text("автопроверка", "grader"),
    "server": Text("сервер", "server"),
    "stdin": Text("ввод", "stdin"),
    "client": Text("клиент", "client"),
    "stdout": Text("вывод", "stdout"),
}


def render_transcript(
    events: list[tuple[float, str, Text]], lang: str, limit: int | None = None
) -> list[str]:
    """Transcript lines like `  0.12s  alice: sends "hi\\n"`, the last `limit` of them."""
    lines = [
        f"{t:6.2f}s  {ACTORS[actor](lang) if actor in ACTORS else actor}: {action(lang)}"
        for t, actor, action in events
    ]
    if limit is not None and len(lines) > limit:
        lines = [f"… (+{len(lines) - limit})", *lines[-limit:]]
    return lines


def points_for(max_points: int, fraction: float) -> float:
    """Points for the share of a check that passed, to one decimal."""
    return round(max_points * min(max(fraction, 0.0), 1.0) + 1e-9, 1)


def outcome_of(steps: list[StepResult], failure: CheckFailed | None) -> tuple[str, float]:
    """Status and the passed fraction of a check from its steps and final failure."""
    if not steps:
        return ("failed", 0.0) if failure else ("passed", 1.0)
    fraction = sum(s.weight for s in steps if s.passed)
    if failure is None and all(s.passed for s in steps):
        return "passed", 1.0
    return "failed", fraction
