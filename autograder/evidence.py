"""The evidence a failure's hint is chosen from, and the one chooser that weighs it.

A check fails on what it saw on the wire ("alice got no notice that carol left") and
names the likely bug from that symptom. But the program often says more than the wire:
a thread that died prints its traceback, a receiving thread that ended leaves its client
with one thread asleep in input(). The evidence decides, in this order:

1. a new traceback since the step began: its last exception and the student's line (of
   a chained traceback, "During handling of the above exception...", the last one: the
   reset that was caught is not what killed the thread);
2. the state of the program: exited, the one thread left blocked on stdin, spinning;
3. the symptom on the wire: the check's own hint.

`last_crash` (autograder/tracebacks.py) reads a traceback, `choose` is the chooser: both pure, tested without a
network in tests/test_evidence.py. `ProgramState`/`program_state` and `busy_threads`
gather the state from /proc; `CheckContext.judge` (context.py) hooks the chooser into
every failure of every check, once.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass

from autograder.hints import evidence as hints
from autograder.hints.common import NOBODY_READS, RESET_CRASH
from autograder.tracebacks import Crash
from autograder.verdicts import Hint


# --- the program's state -----------------------------------------------------------------
@dataclass(frozen=True)
class ProgramState:
    """What the program's threads are doing at the moment a check failed."""

    exited: bool = False
    threads: int = 0  # alive now
    stdin_only: bool = False  # exactly one thread left, asleep reading stdin (input())
    # A server with several users connected whose one reading thread waits in recv() (on
    # one of them) while another thread accepts (and no other thread exists): it reads
    # its users in turn.
    one_reader: bool = False


# Syscalls by architecture: read(2) (a thread in read(0, ...) waits for its stdin),
# readv(2), recvfrom(2) (socket.recv), recvmsg(2), accept(2) and accept4(2), the sleeps.
SYSCALL_NUMBERS = {
    "x86_64": {
        "read": 0,
        "readv": 19,
        "recvfrom": 45,
        "recvmsg": 47,
        "accept": 43,
        "accept4": 288,
        "nanosleep": 35,
        "clock_nanosleep": 230,
        "select": 23,
        "pselect6": 270,
    },
    "aarch64": {
        "read": 63,
        "readv": 65,
        "recvfrom": 207,
        "recvmsg": 212,
        "accept": 202,
        "accept4": 242,
        "nanosleep": 101,
        "clock_nanosleep": 115,
        "pselect6": 72,
    },
}
_SYSCALLS = SYSCALL_NUMBERS.get(os.uname().machine, {})
# The ones that read a socket.
READS = ("read", "readv", "recvfrom", "recvmsg")


def parse_syscall(line: str, table: dict[str, int]) -> tuple[str, int] | None:
    """A line of /proc/PID/task/TID/syscall: the syscall the thread is asleep in (by name,
    if `table` has it) and its first argument; None when it runs."""
    fields = line.split()
    try:
        number, first = int(fields[0]), int(fields[1], 16)
    except (IndexError, ValueError):
        return None
    name = next((n for n, value in table.items() if value == number), str(number))
    return name, first


def _syscall(task: str) -> tuple[str, int] | None:
    """The syscall a thread is asleep in and its first argument; None when it runs or
    cannot be read."""
    try:
        with open(f"{task}/syscall") as f:
            return parse_syscall(f.read(), _SYSCALLS)
    except OSError:
        return None


def two_readers(syscalls: list[str], machine: str) -> bool:
    """Are two threads blocked reading the same descriptor? (`syscalls`: the lines of
    /proc/PID/task/TID/syscall of every thread.) A pure function of that evidence; no
    claim on a machine whose syscall numbers are not known."""
    table = SYSCALL_NUMBERS.get(machine)
    if not table:
        return False
    seen: set[int] = set()
    for line in syscalls:
        call = parse_syscall(line, table)
        if call is None or call[0] not in READS:
            continue
        if call[1] in seen:
            return True
        seen.add(call[1])
    return False


def racing_readers(pids: list[int]) -> bool:
    """Have the processes `pids` two threads waiting on one socket? Whichever the kernel
    wakes gets the data; the other waits for data that never comes."""
    lines = []
    for task in _tasks(pids):
        with contextlib.suppress(OSError), open(f"{task}/syscall") as f:
            lines.append(f.read())
    return two_readers(lines, os.uname().machine)


def _tasks(pids: list[int]) -> list[str]:
    tasks = []
    for pid in pids:
        try:
            tasks += [f"/proc/{pid}/task/{tid}" for tid in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
    return tasks


def polling(pids: list[int]) -> bool:
    """Is a thread of the program in time.sleep()? (A loop that polls: it has not seen
    what happened since it fell asleep. One asleep in select() or a wait with a timeout
    wakes up on what it waits for.)"""
    return bool(timed_sleepers(pids))


def timed_sleepers(pids: list[int]) -> set[str]:
    """The threads of the program (their /proc paths) in time.sleep() now, see `polling`.
    A thread whose sleep is over but that has no core yet reads as running, not here."""
    found = set()
    for task in _tasks(pids):
        call = _syscall(task)
        if call is None:
            continue
        name, first = call
        # Python before 3.11 sleeps in select() with no descriptors at all.
        if name in ("nanosleep", "clock_nanosleep") or (
            name in ("select", "pselect6") and first == 0
        ):
            found.add(task)
    return found


def program_state(pids: list[int], exited: bool, connections: int = 0) -> ProgramState:
    """The state of the processes `pids` (of one program), read from /proc;
    `connections`: the users connected to it, for a server."""
    if exited:
        return ProgramState(exited=True)
    tasks = _tasks(pids)
    calls = [_syscall(task) for task in tasks]
    names = [call[0] if call else "running" for call in calls]
    stdin_only = len(calls) == 1 and calls[0] == ("read", 0)
    # (One thread in recv() and none in accept() is a server serving one client at a
    # time, not in turn: NOBODY_READS says that.)
    accepting = names.count("accept") + names.count("accept4")
    one_reader = (
        connections >= 2
        and names.count("recvfrom") == 1
        and accepting >= 1
        and len(names) == 1 + accepting
    )
    return ProgramState(threads=len(tasks), stdin_only=stdin_only, one_reader=one_reader)


def busy_threads(pids: list[int], window: float = 0.3, samples_wanted: int = 8) -> set[int]:
    """The threads (TIDs) of `pids` runnable in at least 60% of the looks over `window`
    seconds: the ones that spin. A thread waiting for a core on a loaded machine is
    runnable too, so load cannot hide a spinning one."""
    seen: dict[int, int] = {}
    samples = 0
    started = time.monotonic()
    while samples < samples_wanted or time.monotonic() - started < window:
        if time.monotonic() - started > 2.0:
            break
        samples += 1
        for pid in pids:
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/stat") as f:
                        stat = f.read()
                except OSError:
                    continue
                if stat[stat.rindex(")") + 2] == "R":
                    seen[int(tid)] = seen.get(int(tid), 0) + 1
        time.sleep(0.02)
    return {tid for tid, busy in seen.items() if samples > 2 and busy / samples >= 0.6}


def recv_loop_spins(busy: set[int], pids: list[int], threads: int) -> bool:
    """Is the spinning thread one that serves a connection (a recv() loop that never stops
    on b'')? Not when the only busy thread is the main one while others serve the
    clients: that is a polling accept() or a `while True: pass`, and a client's thread
    that stopped correctly must not be told it spins."""
    if not busy:
        return False
    if threads <= 1:
        return True  # one thread does everything: its loop is the recv loop
    return bool(busy - set(pids))  # a busy thread that is not a process's main thread


# --- the chooser ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    """Everything a failure's hint is chosen from, besides the check's own hint."""

    crash: Crash | None = None  # the last exception of a traceback new since the step
    state: ProgramState = ProgramState()
    threads_before: int | None = None  # alive when the step began (None: not looked)
    starts_thread: bool = False  # the program's source makes and starts a thread


# The anchors of hints that claim what a dead thread also explains: something missing
# (no thread, no notice, no broadcast, no receiver), or a bug of the check's own topic.
# A traceback of another exception, new since the step, names the real cause instead.
# Every other hint (a program that exited, did not start, a syntax error) stands.
OVERRIDABLE = frozenset(
    {
        "thread-per-client",
        "join-leave-notices",
        "connection-reset",
        "recv-is-not-a-message",
        "split-utf8",
        "slow-consumer",
        "bad-input",
        "broadcast",
        "shared-state",
        "leaver-kept",
        "client-receiving-thread",
        "full-duplex",
        "leaving",
    }
)

# The exceptions a hint already explains: a thread killed by them is that hint's own bug.
_RESET = r"Connection(Reset|Aborted)?Error|BrokenPipeError"
EXPLAINED: dict[str, str] = {
    "split-utf8": r"Unicode\w*Error",
    "bad-input": r"Unicode\w*Error|MemoryError",
    "connection-reset": _RESET,
    "leaving": _RESET + r"|OSError|EOFError|KeyboardInterrupt",
}

# The anchors of hints about the check's own topic (a notice, decoding, a slow reader,
# odd input) that a server reading its users in turn explains: it waits in recv() on a
# silent one and never reads what the check sent. (NOBODY_READS, "nobody calls recv() on
# this connection", is said more precisely then too.)
ONE_READER_CLAIMS = frozenset({"join-leave-notices", "split-utf8", "slow-consumer", "bad-input"})

# The anchors of a client's hints that say it prints nothing it receives (or has no
# receiving thread): what a receiving thread that ended explains. "leaving" (it does not
# notice the other side leave) only when the thread was gone before the step began: one
# that ends as the other side leaves (sys.exit() in a thread) is that hint's own bug.
RECEIVER_CLAIMS = frozenset({"client-receiving-thread", "full-duplex"})


def _reset(crash: Crash) -> bool:
    return bool(re.fullmatch(_RESET, crash.name)) or "[Errno 104]" in crash.message


def _sent_to_gone(crash: Crash) -> bool:
    """Died sending to a connection that is gone: closed by the server itself (EBADF) or
    by the user (a broken pipe, a reset met by send())."""
    if "[Errno 9]" in crash.message or "Bad file descriptor" in crash.message:
        return True
    return _reset(crash) and crash.code is not None and "send" in crash.code


def choose(wire: Hint | None, evidence: Evidence) -> Hint | None:
    """The hint for a failure whose symptom on the wire suggested `wire`.

    A program that exited keeps the hint its exit was given (its own words, from its
    exit status and traceback), and so does every hint not of the OVERRIDABLE kind.
    First a traceback new since the step, unless its exception is the hint's own bug
    (EXPLAINED): a send to a connection that is gone (EBADF, a broken pipe; also as the
    caught cause of a chained traceback) is LEAVER_KEPT's bug, a reset not caught is
    RESET_CRASH, any other exception a thread that died there. Then the state: a server
    that reads its users in turn (one thread in recv(), the others in accept()) never got
    to what the check sent; a client whose one thread left waits in input() although its
    source starts a thread lost its receiving thread silently (for "it did not notice the
    other side leave": only if it was gone before the step began). Else the wire's hint.
    """
    if wire is None or wire.anchor not in OVERRIDABLE or evidence.state.exited:
        return wire
    crash = evidence.crash
    if crash is not None:
        explained = EXPLAINED.get(wire.anchor)
        if explained and re.fullmatch(explained, crash.name):
            return wire
        # A send to a connection that is gone: the connection left in the list. Also when
        # it was caught and its handler then failed: LEAVER_KEPT's own words say that
        # (the except removes the wrong user), where the check chose them.
        if _sent_to_gone(crash):
            return hints.closed_socket_kept(crash)
        gone = next((c for c in crash.causes if _sent_to_gone(c)), None)
        if gone is not None:
            return wire if wire.anchor == "leaver-kept" else hints.closed_socket_kept(gone)
        if _reset(crash):
            return RESET_CRASH
        return hints.thread_died(crash)
    state = evidence.state
    # (Its threads did not just end: a thread per client whose others all ended, one
    # reader left, is not a server that reads in turn.)
    kept_threads = evidence.threads_before is None or state.threads >= evidence.threads_before
    if (
        state.one_reader
        and kept_threads
        and (wire.anchor in ONE_READER_CLAIMS or wire is NOBODY_READS)
    ):
        return hints.ONE_READER
    gone_before = evidence.threads_before == 1
    if (
        (wire.anchor in RECEIVER_CLAIMS or (wire.anchor == "leaving" and gone_before))
        and evidence.starts_thread
        and state.threads == 1
        and state.stdin_only
    ):
        return hints.RECEIVER_ENDED
    return wire
