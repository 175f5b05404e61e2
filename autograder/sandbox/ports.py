"""The fallback sandbox on the host's network: a free port handed over with --port and
CHAT_PORT, a new session, the process tree tracked with psutil; how ports are reserved."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from autograder.netstat import SocketEntry, parse_tables
from autograder.sandbox.base import Limits, Sandbox, SandboxError
from autograder.sandbox.output import OutputTail
from autograder.sandbox.proctree import descendants


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_ports_lock = threading.Lock()
_reserved_ports: set[int] = set()
# A child forked while a port probe is open holds a copy of the probe, bound to the port,
# until it execs (with preexec_fn that takes milliseconds): the sandbox that was handed
# the port then fails to bind it. Probing and forking therefore never overlap.
_fork_lock = threading.Lock()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def reserve_port() -> int:
    """A free port that no other sandbox of this grader holds, for one sandbox's lifetime.

    Picked below the kernel's ephemeral range when there is room: `bind(0)` and the
    grader's own connections take ports from that range at any moment, and two sandboxes
    created at once could be handed the same port, or a probe could hold a port for an
    instant just as another sandbox binds it ("Address already in use", flaky checks).
    """
    low = _ephemeral_low()
    with _ports_lock, _fork_lock:
        if low > 12000:
            for _ in range(100):
                port = random.randint(low - 10000, low - 1)
                if port in _reserved_ports:
                    continue
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                    try:
                        probe.bind(("127.0.0.1", port))
                    except OSError:
                        continue
                _reserved_ports.add(port)
                return port
        for _ in range(100):
            port = free_port()
            if port not in _reserved_ports:
                break
        _reserved_ports.add(port)
        return port


def release_port(port: int) -> None:
    with _ports_lock:
        _reserved_ports.discard(port)


def _read_host_netstat() -> list[SocketEntry] | None:
    tables = {}
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            tables[name] = Path(f"/proc/net/{name}").read_text()
        except OSError:
            return None
    return parse_tables(tables)


# Fallback mode only: every TCP socket of the student's program binds with SO_REUSEADDR.
# On a shared host, a server with a fixed port that does not set it could not start again
# for a minute after a check whose connections it closed (TIME_WAIT), and every later
# check would fail for that alone. In a private namespace each check has a fresh network,
# so no check judges this flag; this makes the fallback grade the same way.
REUSEADDR_SITECUSTOMIZE = """\
# Written by the course's autograder (fallback mode): SO_REUSEADDR before every TCP bind.
import socket as _socket

_bind = _socket.socket.bind


def _bind_reusing_address(self, address):
    if self.type == _socket.SOCK_STREAM:
        try:
            self.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        except OSError:
            pass
    return _bind(self, address)


_socket.socket.bind = _bind_reusing_address
"""


class PortSandbox(Sandbox):
    """Fallback: the host's network, a free port handed over with --port and CHAT_PORT."""

    isolation = "ports"

    def __init__(self, workdir: Path, uid: int | None, limits: Limits) -> None:
        super().__init__(workdir, uid, limits)
        self.port = reserve_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._seen: dict[int, float] = {}

    def socket(self, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
        return socket.socket(family, kind)

    def netstat(self) -> list[SocketEntry] | None:
        entries = _read_host_netstat()
        if entries is not None:
            return entries
        # Not Linux: psutil knows at least which ports the program listens on.
        found = []
        for pid in self.process_ids():
            with contextlib.suppress(psutil.Error):
                for c in psutil.Process(pid).net_connections(kind="inet"):
                    if c.laddr:
                        kind = "tcp" if c.type == socket.SOCK_STREAM else "udp"
                        state = 10 if c.status == psutil.CONN_LISTEN else 1
                        remote = c.raddr or ("0.0.0.0", 0)
                        found.append(
                            SocketEntry(
                                kind, c.laddr.ip, c.laddr.port, remote[0], remote[1], state, 0, 0
                            )
                        )
        return found

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        limits = self.limits

        if sys.platform != "win32":
            import resource  # imported here, so the child below finds it loaded

        def restrict() -> None:  # runs in the child between fork and exec
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))

        support = self.workdir / "support"
        if not (support / "sitecustomize.py").exists():
            support.mkdir(exist_ok=True)
            (support / "sitecustomize.py").write_text(REUSEADDR_SITECUSTOMIZE)
            support.chmod(0o755)
        env = {**env, "PYTHONPATH": str(support)}
        self.started_at = time.monotonic()
        with self._state_lock, _fork_lock:  # _fork_lock: no port probe open while forking
            if self._closed:
                raise SandboxError("the sandbox is closed")
            self._proc = subprocess.Popen(
                argv,
                cwd=self.cwd,
                env={**env, "CHAT_PORT": str(self.port)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=restrict if sys.platform != "win32" else None,  # noqa: PLW1509
                # As root, run the student as nobody: it cannot read the grader's files,
                # memory or /proc/PID/environ (the namespace mode does the same in jail.py).
                user=self.uid,
                group=self.uid,
                extra_groups=[] if self.uid is not None else None,
            )
        self._stdin = self._proc.stdin
        self.stdout = OutputTail(self._proc.stdout)
        self.stderr = OutputTail(self._proc.stderr)
        threading.Thread(target=self._watch_exit, daemon=True).start()

    def _watch_exit(self) -> None:
        assert self._proc is not None
        self.exit_status = self._proc.wait()
        self.exited.set()

    def process_ids(self) -> list[int]:
        if self._proc is None:
            return []
        pids = []
        for pid in [self._proc.pid, *descendants(self._proc.pid)]:
            with contextlib.suppress(psutil.Error):
                self._seen.setdefault(pid, psutil.Process(pid).create_time())
                pids.append(pid)
        return pids

    def close(self) -> None:
        with self._state_lock:
            self._closed = True
        if self._proc is None:
            release_port(self.port)
            return
        self.process_ids()  # remember the latest descendants before killing the root
        with contextlib.suppress(OSError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        for pid, created in list(self._seen.items()):
            with contextlib.suppress(psutil.Error):
                p = psutil.Process(pid)
                if p.create_time() == created:
                    p.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(3)
        if self.stdout and self.stderr:
            self.stdout.join(0.2)
            self.stderr.join(0.2)
            self._kill_pipe_holders()
        self._finish(self._proc)
        release_port(self.port)

    def _kill_pipe_holders(self) -> None:
        """Kill whoever still writes to this program's stdout/stderr after its tree died.

        A double-forked daemon leaves the process tree (setsid, its parent exits) but keeps
        the inherited pipes; we are its subreaper, so it is one of our descendants. Without
        this it would serve on the host until the grading ends, and each output tail would
        wait out its join timeout for an EOF that never comes.
        """
        open_tails = [t for t in (self.stdout, self.stderr) if t and t._thread.is_alive()]
        if not open_tails or not sys.platform.startswith("linux"):
            return
        pipes = set()
        for tail in open_tails:
            with contextlib.suppress(OSError, ValueError):
                pipes.add(f"pipe:[{os.fstat(tail._stream.fileno()).st_ino}]")
        for pid in descendants(os.getpid()):
            if pipes & _open_files(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


def _open_files(pid: int) -> set[str]:
    """What each open descriptor of a process points to ("pipe:[123]", paths...)."""
    found = set()
    fd_dir = f"/proc/{pid}/fd"
    with contextlib.suppress(OSError):
        for fd in os.listdir(fd_dir):
            with contextlib.suppress(OSError):
                found.add(os.readlink(f"{fd_dir}/{fd}"))
    return found
