"""What every sandbox is: one student program, its pipes, exit status, output tails and
threads; the errors and limits that go with it. The two kinds are in namespace.py (private
namespaces, the preferred one) and ports.py (the fallback on the host's network)."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

from autograder.netstat import SocketEntry
from autograder.sandbox.output import OutputTail


class SandboxError(RuntimeError):
    """The grader could not set up or talk to the sandbox (not the student's fault)."""


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    memory_bytes: int = 2 << 30
    processes: int = 4096  # threads count too, for every program of the same user
    file_bytes: int = 16 << 20
    open_files: int = 1024

    def as_dict(self) -> dict[str, int]:
        return {
            "cpu_seconds": self.cpu_seconds,
            "memory_bytes": self.memory_bytes,
            "processes": self.processes,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
        }


class Sandbox:
    """Common part: the student program's pipes, exit status and output tails."""

    isolation = "none"
    port = 0

    def __init__(self, workdir: Path, uid: int | None, limits: Limits) -> None:
        self.workdir = workdir
        self.uid = uid
        self.limits = limits
        self.exited = threading.Event()
        # start() and close() exclude each other: once closed, nothing starts any more
        # (a check still unwinding after an interrupt must not spawn a new program).
        self._state_lock = threading.Lock()
        self._closed = False
        self.exit_status: int | None = None
        self.stdout: OutputTail | None = None
        self.stderr: OutputTail | None = None
        self._stdin: IO[bytes] | None = None
        self.started_at = 0.0

    @property
    def home(self) -> str:
        return str(self.workdir / "home")

    @property
    def cwd(self) -> str:
        return str(self.workdir / "submission")

    def write_stdin(self, text: str) -> bool:
        """Type on the program's stdin; False if it no longer reads it."""
        if self._stdin is None:
            return False
        try:
            self._stdin.write(text.encode())
            self._stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            return False

    def _finish(self, proc: subprocess.Popen[bytes]) -> None:
        """After the program is gone: drain the output readers and close every pipe."""
        self.close_stdin()
        for tail in (self.stdout, self.stderr):
            if tail:
                tail.join()
        for stream in (proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                if stream:
                    stream.close()
        self.exited.set()

    def close_stdin(self) -> None:
        if self._stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stdin.close()

    def stderr_text(self) -> str:
        """What the program wrote to stderr; once it has exited, all of it (its last
        lines, a traceback or "Address already in use", may still be in the pipe when the
        exit is seen: see OutputTail.settle)."""
        if not self.stderr:
            return ""
        if self.exited.is_set():
            self.stderr.settle()
        return self.stderr.text()

    def stdout_text(self) -> str:
        """What the program printed; once it has exited, all of it (as `stderr_text`)."""
        if not self.stdout:
            return ""
        if self.exited.is_set():
            self.stdout.settle()
        return self.stdout.text()

    def socket(self, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
        raise NotImplementedError

    def netstat(self) -> list[SocketEntry] | None:
        raise NotImplementedError

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        raise NotImplementedError

    def process_ids(self) -> list[int]:
        """Host PIDs of every process of the student program still alive."""
        raise NotImplementedError

    def thread_activity(self) -> list[str]:
        """Like `thread_states`, but a thread asleep with a deadline (time.sleep, a wait
        with a timeout) counts as "T" for "timer": it wakes up by itself, so the program
        is not done yet."""
        found = []
        for path, state in self._thread_stats():
            if state == "S" and _in_timed_wait(path):
                state = "T"
            found.append(state)
        return found

    def _thread_stats(self) -> list[tuple[str, str]]:
        found = []
        for pid in self.process_ids():
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                path = f"/proc/{pid}/task/{tid}"
                try:
                    with open(f"{path}/stat") as f:
                        stat = f.read()
                    found.append((path, stat[stat.rindex(")") + 2]))
                except (OSError, ValueError, IndexError):
                    continue
        return found

    def thread_states(self) -> list[str]:
        """The scheduler state of every thread of the program ("R" runnable, "S" asleep...).

        A thread that is runnable sample after sample is spinning, also on a loaded
        machine (it then waits for a core but stays "R"); an idle server sleeps in
        accept/recv. Read from /proc/PID/task/TID/stat, Linux only ([] elsewhere).
        """
        return [state for _, state in self._thread_stats()]

    def runnable_threads(self) -> set[str]:
        """The threads of the program that are runnable now (running, or waiting for a
        core), by their /proc path."""
        return {path for path, state in self._thread_stats() if state == "R"}

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.process_ids():
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
        return total

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# Syscalls a thread may sleep in with a deadline, by architecture: number -> None (always
# timed: nanosleep, clock_nanosleep), ("ptr", i) (timed when argument i, a pointer to a
# timeout, is not NULL: futex, select, pselect6, ppoll, epoll_pwait2) or ("ms", i) (timed
# when argument i, a timeout in milliseconds, is not -1: poll, epoll_wait, epoll_pwait).
_TIMED_WAITS_BY_ARCH: dict[str, dict[int, tuple[str, int] | None]] = {
    "x86_64": {
        35: None,
        230: None,
        202: ("ptr", 3),
        23: ("ptr", 4),
        270: ("ptr", 4),
        271: ("ptr", 2),
        441: ("ptr", 3),
        7: ("ms", 2),
        232: ("ms", 3),
        281: ("ms", 3),
    },
    "aarch64": {
        101: None,
        115: None,
        98: ("ptr", 3),
        72: ("ptr", 4),
        73: ("ptr", 2),
        22: ("ms", 3),
    },
}
_TIMED_WAITS = _TIMED_WAITS_BY_ARCH.get(platform.machine(), {})


def _in_timed_wait(task: str) -> bool:
    """Is this thread asleep with a deadline (time.sleep, a lock or queue wait with a
    timeout, a socket timeout)? Then it wakes up by itself: the program is not done."""
    try:
        with open(f"{task}/syscall") as f:
            fields = f.read().split()
        number = int(fields[0])
    except (OSError, IndexError, ValueError):
        return False
    if number not in _TIMED_WAITS:
        return False
    how = _TIMED_WAITS[number]
    if how is None:
        return True
    kind, index = how
    try:
        value = int(fields[1 + index], 16)
    except (IndexError, ValueError):
        return True  # cannot tell: assume it may wake up
    if kind == "ptr":
        return value != 0
    return value & 0xFFFFFFFF != 0xFFFFFFFF  # an int timeout; -1 means "forever"
