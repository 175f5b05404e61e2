"""A student's console program: the grader types on its stdin and reads its stdout."""

from __future__ import annotations

import time

from autograder.i18n import Text
from autograder.quiescence import Quiescence
from autograder.sandbox import Sandbox
from autograder.session import Session
from autograder.textmatch import clean

EXPECT_TIMEOUT = 3.0  # seconds a line gets to be printed (ends early once quiet)


class ConsoleProgram:
    """A student's console program the grader types into and reads the output of."""

    def __init__(self, ctx: Session, box: Sandbox) -> None:
        self.ctx = ctx
        self.box = box

    def type(self, line: str) -> None:
        self.ctx.transcript.add("stdin", Text(f"набираем {line!r}", f"type {line!r}"))
        if not self.box.write_stdin(line + "\n"):
            self.ctx.transcript.add(
                "stdin",
                Text("(клиент больше не читает stdin)", "(the client no longer reads stdin)"),
            )

    def output(self) -> str:
        return clean(self.box.stdout_text())

    def _progress(self) -> object:
        """What the grader has received from the program so far (see Quiescence)."""
        return 0

    def quiet(self) -> Quiescence:
        """A detector of the program having nothing more to do (see Quiescence)."""
        return Quiescence(self.box, self._progress)

    def wait_output(self, needle: str, timeout: float = EXPECT_TIMEOUT) -> bool:
        """Wait until the program has printed `needle` (terminal escapes ignored)."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while True:
            if needle.casefold() in self.output().casefold():
                return True
            if time.monotonic() > deadline or quiet():
                return needle.casefold() in self.output().casefold()
            time.sleep(0.01)

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the program has ended (False at the deadline, or once it is visibly
        waiting for something that will not come)."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while not self.box.exited.wait(0.02):
            if time.monotonic() > deadline or quiet():
                return self.box.exited.is_set()
        return True
