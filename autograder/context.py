"""How a check is written: a small function, registered with its id, given a context.

    @CHECKS.check("join")
    def join(ctx: CheckContext) -> None:
        '''A newcomer's nickname reaches those already in.'''
        server = ctx.server()            # a fresh server for this check, already listening
        alice = server.connect("alice")  # sends "alice\\n", waits until the server read it
        server.connect("bob")
        ctx.expect(alice, "bob", expected=Text(...), hint=NO_JOIN_NOTICE)

A check passes by returning. It fails with what was expected, what came and a hint:
`ctx.fail(...)` or a failed `ctx.expect(...)` (`blocking=False`: the checks that depend
on it still run; `if_dead="note"`: the check's own hint stands even if the server died).
`with ctx.step(weight, title) as part:` gives partial credit: a failed step is recorded
and the check goes on (`required=True`: without it the rest cannot be judged);
`ctx.not_tried(...)` records a step an earlier one showed cannot pass; `ctx.skip(reason)`
says the check cannot judge its point here. Programs and users come from the context
(`ctx.server()`, `ctx.client()`, `ctx.udp_peer()`, see launch.py) and are torn down when
the check ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from autograder.evidence import (
    Evidence,
    busy_threads,
    choose,
    program_state,
    recv_loop_spins,
)
from autograder.hints.common import TCP_SERVER, ServerHints
from autograder.i18n import Text, to_whom
from autograder.launch import Launcher
from autograder.peers import TcpPeer
from autograder.programs.console import EXPECT_TIMEOUT
from autograder.quiescence import Quiescence, quiet_reason
from autograder.sandbox import Sandbox
from autograder.textmatch import Needle, excerpt
from autograder.tracebacks import last_crash
from autograder.verdicts import (
    CheckFailed,
    CheckSkipped,
    Hint,
    StepResult,
    StudentProgramMissing,
)


@dataclass
class Part:
    """A step of a check as it went: `failure` is None once it passed."""

    title: Text
    weight: float
    failure: CheckFailed | None = None


@dataclass
class CheckContext(Launcher):
    """Everything one check may use; cleans up after it."""

    steps: list[StepResult] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    # A client of this check was seen with two threads reading one socket when a step
    # failed (checks/chat.py `client_races`; a later client of the check may not race).
    client_race_seen: bool = False
    # The evidence of the programs' state (see evidence.py and `judge`): which program
    # each sandbox runs, how much of its stderr earlier failures have already weighed (a
    # traceback explains one failure; one printed in a step that passed, a thread that
    # died after doing its part, explains the next), how many threads it had when the
    # step began, the failures judged.
    _programs: dict[int, Path] = field(default_factory=dict)
    _weighed: dict[int, int] = field(default_factory=dict)
    _threads_at_step: dict[int, int] = field(default_factory=dict)
    _judged: set[int] = field(default_factory=set)

    # --- verdicts ----------------------------------------------------------------------
    def fail(
        self,
        message: Text,
        expected: Text | None = None,
        received: str | Text | None = None,
        hint: Hint | None = None,
        *,
        blocking: bool = True,
        if_dead: str = "blame",
    ) -> NoReturn:
        """Stop the check (or the step it is in): `message` says what happened, `expected`
        what should have, `received` what came, `hint` the likely bug.

        `blocking=False`: a failure of this check's own point; the checks that depend on
        it still run. `if_dead`: what a server of this check that has exited means here:
        "blame" (it is the failure, named from its state: its exit, its traceback), or
        "note" (this failure and its hint stand; the message says the server exited,
        for a check whose own input is the likely cause).
        """
        server = self._server
        if server is not None and if_dead == "note":
            if server.box.exited.wait(0.05) and server.box.exit_status is not None:
                status = server.box.exit_status
                message = Text(
                    f"{message.ru} — сервер завершился (код {status})",
                    f"{message.en} — the server exited (status {status})",
                )
        elif server is not None:
            server.fail_if_dead()
        raise CheckFailed(message, expected, received, hint, blocking=blocking)

    def expect(
        self,
        peer: TcpPeer,
        *needles: Needle,
        expected: Text,
        hint: Hint,
        timeout: float = EXPECT_TIMEOUT,
        exclude: re.Pattern[str] | None = None,
        nothing_hint: Hint | None = None,
    ) -> str:
        """Wait for a segment with every needle at `peer`, or fail with what came.

        `nothing_hint`: the likely bug when this user got nothing at all during the whole
        check (the server sends nothing to others), whatever this expectation was about;
        None where nothing is exactly the expectation's own symptom (a join notice, the
        first thing a user may ever receive)."""
        quiet = self.quiet()
        found = peer.expect(*needles, timeout=timeout, exclude=exclude, give_up=quiet)
        if found is None:
            if peer.received_bytes == 0 and nothing_hint is not None:
                hint = nothing_hint
            came = peer.received_since_mark()
            whom = to_whom(peer.name)
            self.fail(
                Text(
                    f"к {whom.ru} не пришло ожидаемое" + quiet_reason(quiet, timeout).ru,
                    f"what {whom.en} expected did not come" + quiet_reason(quiet, timeout).en,
                ),
                expected,
                excerpt(came) if came else None,
                hint,
            )
        return found.segment

    @contextlib.contextmanager
    def step(self, weight: float, title: Text, required: bool = False) -> Iterator[Part]:
        """A part of the check worth `weight` of its points.

        A failure in it is recorded and the check goes on (unless the server died: then
        nothing more can be judged). `required`: the rest cannot be judged without this
        part, so its failure is the check's own and ends it. After the block, the yielded
        `Part` says how it went.
        """
        part = Part(title, weight)
        self._threads_at_step = {
            id(box): program_state(box.process_ids(), box.exited.is_set()).threads
            for box in self._boxes
        }
        try:
            yield part
        except CheckFailed as failure:
            self.judge(failure)
            part.failure = failure
            if required:
                raise
            self.steps.append(StepResult(title, weight, False, failure))
            if isinstance(failure, StudentProgramMissing) or (
                self._server is not None and not self._server.alive()
            ):
                raise
        else:
            self.steps.append(StepResult(title, weight, True))

    def not_tried(
        self,
        weight: float,
        title: Text,
        reason: Text,
        hint: Hint | None,
        expected: Text | None = None,
    ) -> None:
        """A part of the check that was not tried, because an earlier one showed it cannot
        pass (it would only wait for nothing): failed, with `reason` and `hint`."""
        failure = CheckFailed(reason, expected, hint=hint)
        self.steps.append(StepResult(title, weight, False, failure))

    def quiet(self) -> Quiescence | None:
        """A detector of the student's program going quiet, for a wait that may end early:
        the server a check talks to, or else the client it drives."""
        if self._server is not None:
            return self._server.quiet()
        return self._client.quiet() if self._client is not None else None

    def skip(self, reason: Text) -> NoReturn:
        """Stop: this check cannot judge its point here (the reason names what is missing)."""
        raise CheckSkipped(reason)

    def server_spinning(self, window: float = 0.3) -> bool:
        """Does a thread of the server that serves a connection spin, busy nearly all of
        `window` seconds (a recv() loop that never stops on b'')? A busy main thread
        beside threads that serve the clients (a polling accept()) is not that: see
        evidence.recv_loop_spins."""
        if self._server is None:
            return False
        box = self._server.box
        pids = box.process_ids()
        busy = busy_threads(pids, window)
        return recv_loop_spins(busy, pids, program_state(pids, box.exited.is_set()).threads)

    def note(self, text: Text) -> None:
        self.notes.append(text)

    # --- evidence ------------------------------------------------------------------------
    def _program_argv(self, path: Path, box: Sandbox) -> list[str]:
        self._programs[id(box)] = path
        return super()._program_argv(path, box)

    def judge(self, failure: CheckFailed) -> None:
        """Let the evidence decide `failure`'s hint (evidence.choose), once per failure:
        a traceback new since the step (since the check's previous failure: in any of its
        programs, the reported one first), then the state of the program, then the
        check's own hint from the wire.
        Called for every failed step and for the failure that ends a check (runner)."""
        if id(failure) in self._judged or isinstance(
            failure, (CheckSkipped, StudentProgramMissing)
        ):
            return
        self._judged.add(id(failure))
        boxes = list(self._boxes)
        if not boxes:
            return
        crash, box = None, None
        for candidate in boxes:
            tail = candidate.stderr
            if tail is None:
                continue
            tail.settle(0.2)
            new = tail.total - self._weighed.get(id(candidate), 0)
            self._weighed[id(candidate)] = tail.total
            if crash is None and new > 0:
                text = self.factory.student_paths(tail.data()[-new:].decode("utf-8", "replace"))
                found = last_crash(text)
                if found is not None:
                    crash, box = found, candidate
        if box is None:  # the reported program, or else the last one still running
            alive = [b for b in boxes if not b.exited.is_set()]
            box = boxes[0] if boxes[0] in alive or not alive else alive[-1]
        path = self._programs.get(id(box))
        facts = (
            self.submission.client_facts
            if path is not None and path == self.submission.client
            else None
        )
        server = self._server
        connections = 0
        if server is not None and box is server.box:
            connections = sum(
                1
                for e in box.netstat() or []
                # ESTABLISHED, or CLOSE_WAIT: closed by the user, not yet by the server
                if e.protocol == "tcp" and e.local_port == server.port and e.state in (1, 8)
            )
        evidence = Evidence(
            crash,
            program_state(box.process_ids(), box.exited.is_set(), connections),
            self._threads_at_step.get(id(box)),
            # A thread made and started (one only made, never started, is no receiver).
            starts_thread=facts is not None and "Thread(" in facts.text and ".start(" in facts.text,
        )
        failure.hint = choose(failure.hint, evidence)


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
    """The checks of one lesson and implementation, in registration order; `server_hints`
    are the words its checks use for a server that dies, stops reading or does not start."""

    def __init__(
        self, lesson: str, implementation: str = "tcp", server_hints: ServerHints = TCP_SERVER
    ) -> None:
        self.lesson = lesson
        self.implementation = implementation
        self.server_hints = server_hints
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
