"""A student's console program: the grader types on its stdin and reads its stdout.

Printed text is matched by content, line by line, with terminal escapes and control
characters removed (textmatch.clean). A console program may also have one connection to
the grader (`peer`: the grader's end; `port`: the program's end of it): whether it has
read what came over it, and whether it has anything more to say, are told from its
sandbox, never guessed from time.
"""

from __future__ import annotations

import time

from autograder.hints.common import client_silent_hint
from autograder.i18n import Text
from autograder.netstat import SocketEntry
from autograder.peers import TcpPeer
from autograder.programs.server import Server, wait_read
from autograder.quiescence import Quiescence, settle
from autograder.sandbox import Sandbox
from autograder.session import Session
from autograder.textmatch import clean, excerpt
from autograder.verdicts import Hint

EXPECT_TIMEOUT = 3.0  # seconds a line gets to be printed (ends early once quiet)


class ConsoleProgram:
    """A student program's terminal, and its one connection to the grader if it has one.

    `shown_in_report`: the report prints this program's output by itself (a client's);
    otherwise a failure quotes the end of it (`last_printed`).
    """

    def __init__(
        self,
        ctx: Session,
        box: Sandbox,
        peer: TcpPeer | None = None,
        port: int | None = None,
        shown_in_report: bool = True,
        server: Server | None = None,
    ) -> None:
        self.ctx = ctx
        self.box = box
        self.server = server  # the program's handle as a server, when it is the server
        self.peer = peer  # the grader's end of the program's connection, once there is one
        self.port = port  # the program's end of it (its listening port, for a server)
        self.shown_in_report = shown_in_report
        self.python = ""  # the interpreter that runs it, as a hint names it

    @property
    def connection(self) -> TcpPeer:
        """The grader's end of the program's connection (a check that asks has one)."""
        if self.peer is None:
            raise RuntimeError("the program has no connection with the grader yet")
        return self.peer

    # --- the keyboard ------------------------------------------------------------------
    def type(self, line: str) -> None:
        shown = Text(f"набираем {line!r}", f"type {line!r}")
        if not line:
            shown = Text("нажимаем Enter", "press Enter")
        self.ctx.transcript.add("stdin", shown)
        if not self.box.write_stdin(line + "\n"):
            self.ctx.transcript.add(
                "stdin",
                Text("(программа больше не читает ввод)", "(the program no longer reads input)"),
            )

    def close_input(self) -> None:
        self.ctx.transcript.add(
            "stdin", Text("закрываем ввод (Ctrl+D)", "close the input (Ctrl-D)")
        )
        self.box.close_stdin()

    # --- the screen --------------------------------------------------------------------
    def output(self) -> str:
        return clean(self.box.stdout_text())

    def mark(self) -> int:
        """A position in the output: later waits look at what comes after it."""
        return len(self.output())

    def since(self, mark: int) -> str:
        return self.output()[mark:]

    def printed_bytes(self) -> int:
        return self.box.stdout.total if self.box.stdout else 0

    def last_printed(self) -> Text | None:
        """The end of what the program printed, for a failure that has nothing else to show
        (a prompt there says it waits in input())."""
        if self.shown_in_report:
            return None
        tail = excerpt(self.output().rstrip("\n"), 160)
        if not tail:
            return Text("программа ничего не напечатала", "the program printed nothing")
        return Text(f"программа напечатала: {tail}", f"the program printed: {tail}")

    def wait_printed(self, needle: str, mark: int = 0, timeout: float = EXPECT_TIMEOUT) -> bool:
        """Wait until the program printed a line with `needle` after `mark` (case-
        insensitively), or until it visibly has nothing more to say."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while not self._printed(needle, mark):
            if self.box.exited.is_set():
                self.drain()  # what it printed before it ended may still be in the pipe
                return self._printed(needle, mark)
            if time.monotonic() > deadline or quiet():
                return self._printed(needle, mark)
            time.sleep(0.01)
        return True

    def _printed(self, needle: str, mark: int) -> bool:
        folded = needle.casefold()
        line = next((ln for ln in self.since(mark).splitlines() if folded in ln.casefold()), None)
        if line is None:
            return False
        shown = excerpt(line.strip(), 80)
        self.ctx.transcript.add("stdout", Text(f"напечатано {shown}", f"printed {shown}"))
        return True

    def settle(self, quiet: float = 0.1, limit: float = 1.0) -> None:
        """Wait until the program prints nothing new for `quiet` seconds (its banner)."""
        settle(self.printed_bytes, quiet, limit)

    def silent_hint(self, hint: Hint, exited: bool) -> Hint:
        """Why the program never reached the grader (`hint`: the usual words), from its
        own output: a module it lacks, arguments it wants (see client_silent_hint)."""
        status = self.box.exit_status if exited else None
        return client_silent_hint(
            hint, status, self.box.stderr_text(), self.box.stdout_text(), self.python
        )

    # --- its state ---------------------------------------------------------------------
    def quiet(self) -> Quiescence:
        """A fresh detector of the program having nothing more to do: all its threads
        asleep (in input(), in recv()), nothing moving on its connection or its screen."""
        ports = {self.port} if self.box.isolation == "ports" and self.port else None
        return Quiescence(self.box, self._progress, ports, unread=self._unread)

    def _unread(self, entries: list[SocketEntry]) -> bool:
        return self.peer is not None and self.peer.unread(entries)

    def _progress(self) -> object:
        """What the grader has received from the program so far (see Quiescence)."""
        return self.peer.received_bytes if self.peer is not None else 0

    def has_read(self, timeout: float = EXPECT_TIMEOUT) -> bool:
        """Has the program read everything the grader sent it (its recv() returned it)?
        Waits until it has, or until it visibly will not (False then)."""
        if self.peer is None:
            return True
        try:
            program_port, our_port = self.peer.sock.getpeername()[1], self.peer.local_port
        except OSError:  # the connection is gone: nothing more will be read
            return True
        return wait_read(self.box, program_port, our_port, timeout, self.quiet())

    def drain(self) -> None:
        """After the program ended: wait for the rest of its output and its stderr (each
        pipe is read on a thread of its own, which ends at the pipe's end)."""
        for tail in (self.box.stdout, self.box.stderr):  # its traceback names the cause
            if tail is not None:
                tail.join(1.0)

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the program has ended (False at the deadline, or once it is visibly
        waiting for something that will not come)."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while not self.box.exited.wait(0.02):
            if time.monotonic() > deadline or quiet():
                return self.box.exited.is_set()
        return True
