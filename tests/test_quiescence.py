"""A wait may end early only when the student's program has visibly nothing more to do.

`Quiescence` must say "quiet" for a program asleep on I/O with nothing in flight, and must
never say it for one that is busy, asleep on a timer (time.sleep), or waiting with a
timeout (a queue or lock wait, a socket timeout): those wake up by themselves, and ending
a wait early for them would turn a slow but correct program into a false failure.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.peers import TcpPeer
from autograder.quiescence import Quiescence
from autograder.sandbox import Sandbox, SandboxFactory, minimal_environment
from autograder.verdicts import Transcript

PROGRAMS = {
    "idle": "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 9090))\ns.listen()\ns.accept()\n",
    "greets": (
        "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 9090))\ns.listen()\n"
        "c, _ = s.accept()\nc.sendall(b'hello\\n')\nc.recv(1)\n"
    ),
    "spins": "while True:\n    pass\n",
    "sleeps": "import time\nwhile True:\n    time.sleep(0.2)\n",
    "waits_with_timeout": (
        "import queue\nq = queue.Queue()\nwhile True:\n    try:\n        q.get(timeout=0.3)\n"
        "    except queue.Empty:\n        pass\n"
    ),
    "socket_timeout": (
        "import socket\na, b = socket.socketpair()\na.settimeout(0.3)\nwhile True:\n    try:\n"
        "        a.recv(1)\n    except TimeoutError:\n        pass\n"
    ),
}


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[SandboxFactory]:
    for name, text in PROGRAMS.items():
        (tmp_path / f"{name}.py").write_text(text)
    made = SandboxFactory(tmp_path)
    yield made
    made.close()


def start(factory: SandboxFactory, name: str) -> Sandbox:
    box = factory.create()
    box.start([factory.python, "-u", f"{name}.py"], minimal_environment(box.home))
    deadline = time.monotonic() + 10
    while not box.process_ids() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # past the interpreter's start-up, when every program is busy
    return box


def quiet_within(box: Sandbox, seconds: float) -> bool:
    quiet = Quiescence(box, lambda: 0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if quiet():
            return True
        time.sleep(0.01)
    return False


def test_a_program_asleep_on_io_with_nothing_in_flight_is_quiet(factory: SandboxFactory) -> None:
    box = start(factory, "idle")
    assert quiet_within(box, 5), box.stderr_text()


@pytest.mark.parametrize("name", ["spins", "sleeps", "waits_with_timeout", "socket_timeout"])
def test_a_program_that_wakes_up_by_itself_is_never_quiet(
    factory: SandboxFactory, name: str
) -> None:
    box = start(factory, name)
    assert not quiet_within(box, 2), f"{name} was taken for quiet"
    assert not box.exited.is_set(), box.stderr_text()


class StarvedPeer(TcpPeer):
    """A grader's user whose reader thread gets no core until `fed` is set (as on a
    machine loaded far beyond its cores)."""

    fed = threading.Event()

    def _read_loop(self) -> None:
        self.fed.wait(10)
        super()._read_loop()


def test_bytes_waiting_for_the_graders_own_reader_are_not_quiet(factory: SandboxFactory) -> None:
    box = start(factory, "greets")
    sock = connected(box)
    peer = StarvedPeer("alice", sock, transcript=Transcript())
    peer.start_reading()
    try:
        # The program sent its line and sleeps in recv(); the line waits in alice's socket.
        quiet = Quiescence(box, lambda: peer.received_bytes, unread=peer.unread)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            assert not quiet(), "quiet while the program's line had not reached the grader"
            time.sleep(0.01)
        StarvedPeer.fed.set()
        assert peer.expect("hello", timeout=5) is not None
        quiet = Quiescence(box, lambda: peer.received_bytes, unread=peer.unread)
        assert quiet_within_detector(quiet, 5), box.stderr_text()
    finally:
        StarvedPeer.fed.set()
        peer.close()


def connected(box: Sandbox) -> socket.socket:
    deadline = time.monotonic() + 10
    while True:
        sock = box.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.connect(("127.0.0.1", box.port))
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def quiet_within_detector(quiet: Quiescence, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if quiet():
            return True
        time.sleep(0.01)
    return False


def test_a_joined_user_waits_for_a_woken_sleeper_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop asleep in time.sleep() when a user joins: once its sleep is over it may wait
    for a core (runnable, "R") before it takes its list of users; the next user must not
    join before it has run, or on a loaded machine it sees both newcomers at once."""
    from autograder.programs import server

    looks = iter([{"loop"}, set(), set(), set()])  # asleep, then its sleep is over
    waiting_for_a_core = iter([{"loop"}, {"loop"}, set()])  # runnable twice, then it ran
    asked = []
    monkeypatch.setattr(server, "timed_sleepers", lambda pids: next(looks))
    box = SimpleNamespace(
        process_ids=lambda: [1],
        runnable_threads=lambda: asked.append(1) or next(waiting_for_a_core),
    )
    server.Server.wait_timers(SimpleNamespace(box=box))  # type: ignore[arg-type]
    assert len(asked) == 3  # not done at the first look after the sleep


@pytest.mark.timeout(10)
def test_a_woken_sleeper_that_keeps_running_is_waited_for_a_bounded_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograder.programs import server

    looks = iter([{"loop"}])
    monkeypatch.setattr(server, "timed_sleepers", lambda pids: next(looks, set()))
    box = SimpleNamespace(process_ids=lambda: [1], runnable_threads=lambda: {"loop"})
    server.Server.wait_timers(SimpleNamespace(box=box))  # type: ignore[arg-type]
