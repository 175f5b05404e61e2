"""Shared fixtures for the project's own tests.

`start_program` launches a lesson, solution or submission file as a real subprocess on a
free loopback port and guarantees it is stopped (its whole process group) when the test
ends. `LineClient` is a small line-oriented TCP client with deadlines on every read.
These are deliberately independent of the autograder package: the tests of the
reference solutions stay a grader-independent proof.
"""

from __future__ import annotations

import compileall
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent

# --- in parallel (pytest -n, see pyproject.toml) ---------------------------------------
# Tests that must not run beside each other go to one worker together, as a group: a
# module whose module-scoped fixture is made once (the site, a real grading, a pip
# install), or tests that look at or hold what the whole host shares (every process of
# it; port 9091). Keyed by module, or by module::test for one test. (pytest-xdist's own
# xdist_group marks do not group under pytest 9.2: pytest-dev/pytest-xdist#1386.)
SERIAL = {
    # One build of the site serves both (tests/sitebuild.py builds once per process).
    "tests/test_site.py": "site",
    "tests/test_site_browser.py": "site",
    "tests/test_ci_templates.py": "ci-templates",
    "tests/test_formats.py": "formats",
    # A hostile grading is proven contained by looking at every process of the host.
    "tests/test_hostile.py": "hostile",
    # They hold and squat port 9091, where 04-classic's server listens in ports mode.
    "tests/test_port_turns.py": "port-9091",
    "tests/test_submissions.py::test_fallback_isolation_gives_a_fixed_port_submission_the_same_"
    "verdicts": "port-9091",
}


def serial_group(nodeid: str) -> str | None:
    """The group of a test that must not run beside the others of its group."""
    module, _, rest = nodeid.partition("::")
    function = rest.split("[")[0]
    return SERIAL.get(f"{module}::{function}") or SERIAL.get(module)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Each test is a unit of work on its own (as `--dist load` does), except the SERIAL
    groups, each of which goes to one worker whole; the largest units start first."""
    from xdist.scheduler import LoadScopeScheduling

    class SerialGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return serial_group(nodeid) or nodeid

    return SerialGroups(config, log)


def pytest_configure(config: pytest.Config) -> None:
    """The grader's bytecode, compiled once (by the controller, before the workers start).

    The tests run `python -m autograder` a few hundred times. A user's Python keeps each
    module's bytecode after the first run; an environment with PYTHONDONTWRITEBYTECODE set
    (as CI images often are) would compile the whole grader again in every run: about
    0.3 s of CPU each, before the grading even starts.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        compileall.compile_dir(ROOT / "autograder", quiet=1)


HOST = "127.0.0.1"
# Gradings of lessons/NN here are the tests', not a student's progress: keep them out of
# the course overview's record (.autograder/). Tests of that record clear this themselves.
os.environ["AUTOGRADER_NO_RECORD"] = "1"
# Pause between fragments so TCP delivers them as separate segments: there is no event
# to wait for on the sending side, so this is the one deliberate sleep.
FRAGMENT_GAP = 0.05


# The syscalls a server's main thread waits for clients in, by machine (the numbers in
# /proc/PID/task/TID/syscall): accept, accept4, and an event loop's epoll_wait,
# epoll_pwait, epoll_pwait2, poll, ppoll, select, pselect6. (autograder/evidence.py has a
# table of its own; these tests stay independent of the grader, see the top.)
WAITING_SYSCALLS = {
    "x86_64": {43, 288, 232, 281, 441, 7, 271, 23, 270},
    "aarch64": {202, 242, 22, 441, 73, 72},
}


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port the OS considers free right now (bind to 0, read it, release it)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@dataclass
class Program:
    """A running student-style program: a server or a console client."""

    proc: subprocess.Popen[bytes]
    port: int
    path: Path

    def is_listening(self, kind: str = "tcp") -> bool:
        """True once the process (or a child) has a socket bound to our port."""
        try:
            procs = [psutil.Process(self.proc.pid)]
            procs += procs[0].children(recursive=True)
            for p in procs:
                for conn in p.net_connections(kind=kind):
                    if (
                        conn.laddr
                        and conn.laddr.port == self.port
                        and (kind != "tcp" or conn.status == psutil.CONN_LISTEN)
                    ):
                        return True
        except psutil.Error:
            return False
        return False

    def wait_listening(self, kind: str = "tcp", timeout: float = 10.0) -> None:
        ok = wait_until(lambda: self.is_listening(kind) or self.proc.poll() is not None, timeout)
        if self.proc.poll() is not None:
            out, err = self.proc.communicate(timeout=5)
            raise AssertionError(
                f"{self.path} exited with {self.proc.returncode} before listening:\n"
                f"{err.decode(errors='replace')}"
            )
        assert ok, f"{self.path} did not listen on {self.port} within {timeout}s"

    def wait_at_rest(self, timeout: float = 10.0) -> None:
        """Wait until the main thread sleeps waiting for a connection (in accept(), or in
        an event loop's epoll_wait): a server at rest, its last client fully taken in.

        Python runs a signal's handler in the main thread between two bytecodes. One that
        raises (Ctrl-C's KeyboardInterrupt, or SIGTERM made into it) while that thread is
        still inside threading.Thread.start() can leave the start's internal lock released
        twice: "RuntimeError: release unlocked lock" and exit code 1 (the signal module's
        documentation: such an exception "may on rare occasions put the program in an
        unexpected state"). On a loaded machine the main thread may still be there after
        the new client's first reply came back. A person stops a server at rest; so do
        the tests that check a clean stop.
        """
        waits = WAITING_SYSCALLS.get(os.uname().machine)
        if waits is None:  # syscall numbers not known here: no claim
            return

        def at_rest() -> bool:
            try:
                with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/syscall") as f:
                    fields = f.read().split()
            except OSError:
                return False
            return bool(fields) and fields[0].isdigit() and int(fields[0]) in waits

        assert wait_until(at_rest, timeout), f"{self.path.name} is not waiting for clients"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> int | None:
        """Stop the whole process group; SIGKILL if it does not go within `timeout`."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        return self.proc.returncode


@pytest.fixture
def start_program() -> Iterator[Callable[..., Program]]:
    """Factory: start_program("solutions/04/server.py", port=None, stdin=False, args=[])."""
    started: list[Program] = []

    def start(
        relpath: str | Path,
        *args: str,
        port: int | None = None,
        udp: bool = False,
        stdin: bool = False,
        env: dict[str, str] | None = None,
    ) -> Program:
        path = (ROOT / relpath).resolve()
        chosen = (
            port
            if port is not None
            else free_port(socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
        )
        full_env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            **(env or {}),
        }
        proc = subprocess.Popen(
            [sys.executable, str(path), "--port", str(chosen), *args],
            cwd=path.parent,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            start_new_session=True,
        )
        program = Program(proc, chosen, path)
        started.append(program)
        return program

    yield start
    for program in started:
        program.stop()
        for stream in (program.proc.stdin, program.proc.stdout, program.proc.stderr):
            if stream:
                stream.close()


@dataclass
class LineClient:
    """A TCP client that reads whole lines with a deadline on every read."""

    sock: socket.socket
    buffer: bytes = b""
    lines: list[str] = field(default_factory=list)

    @classmethod
    def connect(cls, port: int, timeout: float = 5.0) -> LineClient:
        sock = socket.create_connection((HOST, port), timeout=timeout)
        return cls(sock)

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def read_line(self, timeout: float = 5.0) -> str | None:
        """The next line (without its newline), or None on EOF. Raises on timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no full line within {timeout}s; have {self.buffer!r}")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", errors="replace")
        self.lines.append(text)
        return text

    def expect(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """Read lines until one satisfies `predicate`; fail with everything seen if none does."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.read_line(max(remaining, 0.001))
            except TimeoutError:
                raise AssertionError(f"no matching line within {timeout}s; saw {seen!r}") from None
            if line is None:
                raise AssertionError(f"connection closed; saw {seen!r}")
            seen.append(line)
            if predicate(line):
                return line

    def expect_closed(self, timeout: float = 5.0) -> None:
        """Assert that the peer closes the connection within `timeout` (data before EOF is fine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                if not self.sock.recv(65536):
                    return
            except (ConnectionResetError, BrokenPipeError):
                return
            except TimeoutError:
                break
        raise AssertionError(f"connection still open after {timeout}s")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def clients() -> Iterator[Callable[[int], LineClient]]:
    """Factory of LineClients that are all closed when the test ends."""
    opened: list[LineClient] = []

    def connect(port: int) -> LineClient:
        client = LineClient.connect(port)
        opened.append(client)
        return client

    yield connect
    for client in opened:
        client.close()


# --- helpers shared by the solution tests --------------------------------------------


def send_in_fragments(sock: socket.socket, data: bytes, cuts: list[int]) -> None:
    """Send `data` cut at the byte offsets in `cuts`, each piece its own segment."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = 0
    for cut in [*cuts, len(data)]:
        sock.sendall(data[start:cut])
        start = cut
        time.sleep(FRAGMENT_GAP)


class Console:
    """A program's stdin and stdout: type lines, wait for printed lines with a deadline."""

    def __init__(self, program) -> None:
        self.program = program
        self.lines: list[str] = []
        self.position = 0  # lines before this index were already matched
        self.changed = threading.Condition()
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        try:
            for raw in iter(self.program.proc.stdout.readline, b""):
                with self.changed:
                    self.lines.append(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
                    self.changed.notify_all()
        except (OSError, ValueError):  # the fixture closed the pipe at teardown
            pass

    def type(self, line: str) -> None:
        self.program.proc.stdin.write((line + "\n").encode())
        self.program.proc.stdin.flush()

    def close_input(self) -> None:
        self.program.proc.stdin.close()

    def expect(self, text: str, timeout: float = 5.0) -> str:
        """The next printed line that contains `text`; fail with everything printed."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for index in range(self.position, len(self.lines)):
                    if text in self.lines[index]:
                        self.position = index + 1
                        return self.lines[index]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.program.path.name} printed no line with {text!r} within "
                        f"{timeout}s; printed {self.lines!r}"
                    )
                self.changed.wait(remaining)


def exit_code(program, timeout: float = 5.0) -> int:
    """Wait for the program to end by itself; fail if it does not within `timeout`."""
    try:
        return program.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{program.path.name} still running after {timeout}s") from None


class ChatWatcher:
    """A chat member that reads everything in a background thread: the synchronisation
    point for a server that sends a newcomer nothing (the lesson 04 reference has no
    welcome line). Once the watcher is in, a newcomer is in as soon as the watcher hears
    its join notice, so everyone who joined earlier will hear whatever comes next.

    Getting the watcher itself in: a probe joins too and says "ping" until the watcher
    hears one (a message is broadcast only after its sender is in, and only to those
    already in); then the probe leaves, and the watcher hears that too. Nothing is timed:
    each ping waits a moment, and the whole has a deadline.
    """

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port = port
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.client = LineClient.connect(port)
        self.client.send("watcher\n")
        threading.Thread(target=self._collect, daemon=True).start()
        probe = LineClient.connect(port)
        probe.send("probe\n")
        deadline = time.monotonic() + timeout
        n = 0
        while not self.wait_for(lambda line: line.startswith("probe: ping"), 0.05):
            assert time.monotonic() < deadline, f"the watcher never heard the probe: {self.lines}"
            probe.send(f"ping {n}\n")
            n += 1
        probe.close()
        assert self.wait_for(lambda line: line.startswith("probe ") and "вышел" in line, 5)

    def _collect(self) -> None:
        try:
            while (line := self.client.read_line(timeout=3600)) is not None:
                with self.changed:
                    self.lines.append(line)
                    self.changed.notify_all()
        except (OSError, TimeoutError):  # closed at teardown
            pass

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> bool:
        """True once any line heard so far satisfies `predicate`, False after `timeout`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not any(predicate(line) for line in self.lines):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(remaining)
            return True

    def join(self, name: str, client: LineClient | None = None) -> LineClient:
        """Connect (or use `client`), send the nickname, wait until the server has let it in."""
        client = client or LineClient.connect(self.port)
        client.send(f"{name}\n")
        joined = self.wait_for(lambda line: line.startswith(f"{name} присоедин"), 10)
        assert joined, f"{name} never joined; the watcher heard {self.lines[-5:]}"
        return client

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.client.sock.shutdown(socket.SHUT_RDWR)  # close() alone would not wake recv
        self.client.close()


def private_network_namespace() -> list[str] | None:
    """The command prefix that runs a program in a new, empty network namespace (its
    loopback still down), or None where this system cannot make one. Tests that change
    a network interface or listen on every address run there, never on the host."""
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return None
    prefix = ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "-r", "--net"]
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return prefix if probe.returncode == 0 else None


# Python run inside such a namespace first brings its loopback up (ioctl, no `ip` needed).
LOOPBACK_UP = """
import fcntl, socket, struct
def set_loopback(up=True, mtu=None):
    ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if mtu:
        fcntl.ioctl(ctl, 0x8922, struct.pack("16si", b"lo", mtu))  # SIOCSIFMTU
    flags = struct.unpack("16sh", fcntl.ioctl(ctl, 0x8913, struct.pack("16sh", b"lo", 0)))[1]
    flags = flags | 1 if up else flags & ~1  # IFF_UP
    fcntl.ioctl(ctl, 0x8914, struct.pack("16sh", b"lo", flags))  # SIOCSIFFLAGS
    ctl.close()
"""
