"""When may a wait end early? When the student's program visibly has nothing more to do.

Every wait of the grader has a deadline; `Quiescence` lets it end sooner, once the program
is idle (all its threads asleep on I/O, nothing in flight): then nothing more can come, and
a failing check takes half a second instead of its full timeout. `quiet_reason` says in a
failure's message which of the two ended the wait. `spinning` tells a thread that never
blocks (a loop on recv() == b'') from one that waits; `settle` waits for a burst of output
(a greeting, a join notice) to be over.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from autograder.i18n import Text
from autograder.netstat import SocketEntry
from autograder.sandbox import Sandbox

QUIET_WINDOW = 0.5  # seconds a program must stay visibly idle before a wait ends early
QUIET_SAMPLE = 0.05  # seconds between two looks at it
QUIET_FIRST_LOOK = 0.1  # seconds into a wait before the first look
# AUTOGRADER_WAIT_FULL=1: never end a wait early (to compare, or to rule it out).
WAIT_FULL = os.environ.get("AUTOGRADER_WAIT_FULL") == "1"


class Quiescence:
    """Has a student program visibly nothing more to say? Then a wait may end early.

    Quiet means, for QUIET_WINDOW seconds on end: every thread of the program asleep in
    the kernel on something other than a timer (a `time.sleep()` wakes up by itself),
    nothing moving in its socket tables (queues, connection states), no new output, no
    new bytes at the grader's users and no CPU time used. Then nothing can change any more: a failing check
    ends in about half a second instead of waiting out its full timeout. A thread that
    is runnable but waits for a core (a loaded machine) is "R", never quiet; so a slow
    machine only makes waits longer, never verdicts different.
    """

    def __init__(
        self,
        box: Sandbox,
        activity: Callable[[], object],
        ports: set[int] | None = None,
        window: float = QUIET_WINDOW,
        unread: Callable[[list[SocketEntry]], bool] | None = None,
    ) -> None:
        self.box = box
        self.activity = activity  # e.g. bytes the grader's users received so far
        self.ports = ports  # on a shared host (ports mode): only these ports' sockets
        # Given the socket table: are bytes still waiting for one of the grader's own
        # reader threads? (Its users' sockets live in the same table.)
        self.unread = unread
        self.window = window
        self.concluded = False  # True once a wait ended early because of it
        self._signature: object = None
        self._since = 0.0
        # Most waits end within milliseconds: looking costs a few (the socket tables, the
        # process tree), so the first look comes only once a wait has lasted a while.
        self._next = time.monotonic() + QUIET_FIRST_LOOK

    def __call__(self) -> bool:
        now = time.monotonic()
        if now < self._next or WAIT_FULL:
            return False
        self._next = now + QUIET_SAMPLE
        if self.box.exited.is_set():
            self.concluded = True
            return True
        states = self.box.thread_activity()
        if not states or any(state not in ("S", "Z") for state in states):
            self._signature = None
            return False
        entries = self.box.netstat() or []
        if self.ports is not None:
            entries = [e for e in entries if {e.local_port, e.remote_port} & self.ports]
        if self.unread is not None and self.unread(entries):
            # What the program sent has not reached the grader's reader yet (on a loaded
            # machine its thread may wait for a core longer than the window): not done.
            self._signature = None
            return False
        signature = (
            sorted(
                (e.protocol, e.local_port, e.remote_port, e.state, e.tx_queue, e.rx_queue)
                for e in entries
            ),
            self.activity(),
            self.box.stdout.total if self.box.stdout else 0,
            self.box.stderr.total if self.box.stderr else 0,
            # CPU time too: an interpreter still starting up on a loaded machine reads its
            # modules in short sleeps ("S") between bursts of work, and must not pass for
            # a program that is done. One that waits for I/O uses none.
            self.box.cpu_seconds(),
        )
        if signature != self._signature:
            self._signature, self._since = signature, now
            return False
        if now - self._since >= self.window:
            self.concluded = True
            return True
        return False


def quiet_reason(quiet: Quiescence | None, timeout: float) -> Text:
    """How long the grader waited, in words: the full timeout, or until the program went
    quiet (every thread waiting, nothing in flight: nothing more could come)."""
    if quiet is not None and quiet.concluded:
        if quiet.box.exited.is_set():
            return Text(" (программа завершилась)", " (the program has exited)")
        return Text(
            " (программа затихла: все её потоки ждут, в сети ничего не движется)",
            " (the program went quiet: all its threads wait, nothing moves on the network)",
        )
    return Text(f" за {timeout:.0f} с", f" within {timeout:.0f}s")


def spinning(
    box: Sandbox, window: float = 0.2, samples_wanted: int = 6, limit: float = 2.0
) -> bool:
    """Is a thread of the program busy nearly all the time (a loop that never blocks, e.g.
    on recv() == b'')? At least `window` seconds and `samples_wanted` looks at its threads:
    on a loaded machine one look may take longer than the window, and two looks prove
    nothing. A runnable thread waiting for a core is busy too, so load cannot hide it."""
    samples = busy = 0
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if (elapsed >= window and samples >= samples_wanted) or elapsed > limit:
            break
        states = box.thread_states()
        samples += 1
        busy += "R" in states
        time.sleep(0.02)
    return samples > 2 and busy / samples >= 0.6


def settle(progress: Callable[[], object], quiet: float = 0.1, limit: float = 1.0) -> None:
    """Wait until `progress()` (bytes received, bytes printed) stays the same for `quiet`
    seconds, at most `limit` seconds in all.

    Used where a program may or may not say something (a join notice, a welcome, a banner)
    and no event tells us it is done: a bounded quiet period, not a fixed sleep.
    """
    end = time.monotonic() + limit
    last, quiet_since = progress(), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.02)
        now = progress()
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return
