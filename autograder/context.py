"""How a check is written: a small function, registered with its id, given a context.

    @CHECKS.check("join")
    def join(ctx: CheckContext) -> None:
        '''A newcomer's nickname reaches those already in.'''
        server = ctx.server()            # a fresh server for this check, already listening
        alice = server.connect("alice")  # sends "alice\\n", waits until the server read it
        server.connect("bob")
        ctx.expect(alice, "bob", expected=Text(...), hint=NO_JOIN_NOTICE)

A check passes by returning; `ctx.fail(...)` (or a failed `ctx.expect`) stops it with what
was expected, what came and a hint. `with ctx.step(weight, title):` gives partial credit:
a failed step is recorded and the check goes on. Every server and client a check starts
is torn down when it ends, whatever happened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from autograder.hints.lesson04 import NOTHING_TO_OTHERS
from autograder.i18n import Text
from autograder.launch import Launcher
from autograder.peers import TcpPeer
from autograder.programs.console import EXPECT_TIMEOUT
from autograder.quiescence import Quiescence, quiet_reason, spinning
from autograder.textmatch import excerpt
from autograder.verdicts import (
    CheckFailed,
    CheckSkipped,
    Hint,
    StepResult,
    StudentProgramMissing,
)


@dataclass
class CheckContext(Launcher):
    """Everything one check may use; cleans up after it."""

    steps: list[StepResult] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)

    # --- verdicts ----------------------------------------------------------------------
    def fail(
        self,
        message: Text,
        expected: Text | None = None,
        received: str | Text | None = None,
        hint: Hint | None = None,
    ) -> None:
        if self._server is not None:
            self._server.fail_if_dead()
        raise CheckFailed(message, expected, received, hint)

    def expect(
        self,
        peer: TcpPeer,
        *needles: str,
        expected: Text,
        hint: Hint,
        timeout: float = EXPECT_TIMEOUT,
        exclude=None,
        silence_expected: bool = False,
        nothing_hint: Hint | None = None,
    ) -> str:
        """Wait for a segment with every needle at `peer`, or fail with what came.

        `nothing_hint`: what a user who got nothing at all in the whole check means, in
        the words of the check's protocol (the TCP one by default)."""
        quiet = self.quiet()
        found = peer.expect(*needles, timeout=timeout, exclude=exclude, give_up=quiet)
        if found is None:
            # A user who got nothing at all in the whole check: the server sends nothing
            # to others, whatever this expectation was about (except a join notice, the
            # first thing a user may ever receive: nothing is exactly its symptom).
            if peer.received_bytes == 0 and peer.name != "server" and not silence_expected:
                hint = nothing_hint or NOTHING_TO_OTHERS
            came = peer.received_since_mark()
            self.fail(
                Text(
                    f"к {peer.name} не пришло ожидаемое" + quiet_reason(quiet, timeout).ru,
                    f"what {peer.name} expected did not come" + quiet_reason(quiet, timeout).en,
                ),
                expected,
                excerpt(came) if came else None,
                hint,
            )
            raise AssertionError("unreachable")
        return found.segment

    @contextlib.contextmanager
    def step(self, weight: float, title: Text) -> Iterator[None]:
        """A part of a check worth `weight` of its points; a failure here is recorded."""
        try:
            yield
        except CheckFailed as failure:
            self.steps.append(StepResult(title, weight, False, failure))
            if isinstance(failure, StudentProgramMissing) or (
                self._server is not None and not self._server.alive()
            ):
                raise
        else:
            self.steps.append(StepResult(title, weight, True))

    def soft_fail(self, message: Text, hint: Hint) -> None:
        """Fail this check without skipping the checks that depend on it."""
        failure = CheckFailed(message, hint=hint)
        failure.blocking = False
        raise failure

    def quiet(self) -> Quiescence | None:
        """A detector of the student's program going quiet, for a wait that may end early:
        the server a check talks to, or else the client it drives."""
        if self._server is not None:
            return self._server.quiet()
        return self._client.quiet() if self._client is not None else None

    def skip(self, reason: Text) -> None:
        """Stop: this check cannot judge its point here (the reason names what is missing)."""
        raise CheckSkipped(reason)

    def server_spinning(self, window: float = 0.3) -> bool:
        """Is a thread of the server busy nearly all of `window` seconds? (a loop that
        never blocks, e.g. on recv() == b''; see quiescence.spinning)"""
        return self._server is not None and spinning(self._server.box, window)

    def note(self, text: Text) -> None:
        self.notes.append(text)


CheckFunction = Callable[[CheckContext], None]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    function: CheckFunction
    description: str
    depends: tuple[str, ...]
    needs: str  # "static", "server" or "client"
    long: bool = False  # takes seconds by design: scheduled first so it does not end last


class CheckSet:
    """The checks of one lesson and implementation, in registration order."""

    def __init__(self, lesson: str, implementation: str = "tcp") -> None:
        self.lesson = lesson
        self.implementation = implementation
        self.checks: dict[str, CheckSpec] = {}

    def check(
        self,
        check_id: str,
        depends: tuple[str, ...] = ("starts",),
        needs: str = "server",
        long: bool = False,
    ) -> Callable[[CheckFunction], CheckFunction]:
        def register(function: CheckFunction) -> CheckFunction:
            if check_id in self.checks:
                raise ValueError(f"check {check_id!r} registered twice")
            self.checks[check_id] = CheckSpec(
                check_id, function, (function.__doc__ or "").strip(), depends, needs, long
            )
            return function

        return register
