"""A program's traceback read as a student would read it: the exception that ended it
and the student's own line (of a chained traceback, the last link; the earlier ones as
its causes; the thread it killed). Pure and a leaf: the evidence chooser (evidence.py)
and the start-up hints (hints/common.py) both read tracebacks with it."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Crash:
    """The exception that ended a traceback, and where in the student's code."""

    exception: str  # as printed: "TypeError", "json.decoder.JSONDecodeError"
    message: str  # "'socket' object cannot be interpreted as an integer"
    file: str | None = None  # the student's file of the last frame in it: "server.py"
    line: int | None = None
    code: str | None = None  # that line's source, as the traceback shows it
    thread: str | None = None  # "Thread-3 (handle)" from "Exception in thread ...:"
    causes: tuple[Crash, ...] = ()  # the earlier links of a chained traceback, in order

    @property
    def name(self) -> str:
        """The exception's class name without its module: "JSONDecodeError"."""
        return self.exception.rsplit(".", 1)[-1]

    @property
    def where(self) -> str:
        """ "server.py line 37" (or "" when no frame of the student's is known)."""
        if self.file is None:
            return ""
        return f"{self.file} line {self.line}" if self.line else self.file

    @property
    def summary(self) -> str:
        """ "TypeError: 'socket' object cannot be interpreted as an integer", shortened."""
        text = f"{self.exception}: {self.message}" if self.message else self.exception
        return text if len(text) <= 120 else text[:117] + "..."


_TRACEBACK = "Traceback (most recent call last):"
_CHAINED = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.*))?$')
_EXCEPTION = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")
_THREAD = re.compile(r"^Exception in thread (?P<thread>.+?):?$")


def _students(path: str) -> bool:
    """A frame in the student's own files ("server.py", or the copy's absolute path),
    not the standard library, an installed package or the interpreter's frozen modules."""
    return not (path.startswith("<") or "/lib/python" in path or "site-packages" in path)


def _block(lines: list[str], start: int) -> Crash | None:
    """The exception of the traceback starting at line `start`, with the last frame of
    the student's in it (None when it is cut off before its exception line)."""
    file = code = None
    line_no = None
    n = start + 1
    while n < len(lines):
        frame = _FRAME.match(lines[n])
        if frame:
            if _students(frame.group("file")):
                file = frame.group("file").rsplit("/", 1)[-1]  # as the student names it
                line_no = int(frame.group("line"))
                following = lines[n + 1] if n + 1 < len(lines) else ""
                code = following.strip() if following.startswith("    ") else None
            n += 1
            continue
        if lines[n].startswith(" ") or not lines[n].strip():
            n += 1  # a frame's source line, a caret line, or a blank one
            continue
        found = _EXCEPTION.match(lines[n])
        if found is None:
            return None
        message = (found.group("message") or "").strip()
        return Crash(found.group("name"), message, file, line_no, code)
    return None


def last_crash(stderr: str) -> Crash | None:
    """The last exception of the last traceback in `stderr` (with the earlier links of
    its chain as `causes`), or None when there is none (or it was cut off before its
    exception line)."""
    lines = stderr.splitlines()
    starts = [n for n, line in enumerate(lines) if line.strip() == _TRACEBACK]
    if not starts:
        return None
    last = _block(lines, starts[-1])
    if last is None:
        return None
    # The links before it: tracebacks followed by "During handling of the above ...".
    causes: list[Crash] = []
    first = starts[-1]
    for earlier in reversed(starts[:-1]):
        between = {line.strip() for line in lines[earlier:first]}
        if not between & set(_CHAINED):
            break
        cause = _block(lines, earlier)
        if cause is not None:
            causes.insert(0, cause)
        first = earlier
    return Crash(
        last.exception,
        last.message,
        last.file,
        last.line,
        last.code,
        _thread_of(lines, first),
        tuple(causes),
    )


def _thread_of(lines: list[str], start: int) -> str | None:
    """The thread a traceback (the first of its chain) starting at `start` came from:
    "Exception in thread X:" just before it."""
    if start > 0:
        thread = _THREAD.match(lines[start - 1].strip())
        if thread:
            return thread.group("thread")
    return None
