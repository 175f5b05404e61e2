"""Running untrusted student programs: isolation, limits, output capture, teardown.

A `Sandbox` holds one student program (a server or a console client) and everything the
grader needs to talk to it:

* `NamespaceSandbox` (preferred): the program runs as PID 1's child in a private network,
  PID and mount namespace (see `jail.py`). Hard-coded port 9090 works even when many
  gradings run at once, nothing reaches beyond loopback, the program sees no file but its
  own copy of the submission and a read-only Python runtime, and tearing down the
  namespace takes every process with it, daemons included.
* `PortSandbox` (fallback where `unshare` is not allowed): a free port passed with
  `--port` and `CHAT_PORT`, a new session, the process tree tracked with psutil. Files
  are guarded only by ownership: the copy belongs to this grading's own uid, mode 0700.

Both give the program a minimal environment (no secret of the grader's leaks), resource
limits, a stdin pipe nobody types on unless a check does, and stdout/stderr captured with
a bounded tail. `close()` always leaves nothing running. `Walls` says which of these
walls stood for a grading; the report shows it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import queue
import random
import re
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

from autograder.netstat import SocketEntry, parse_tables
from autograder.source import ask_interpreter
from autograder.submission_copy import Refused, copy_submission
from autograder.walls import Walls

JAIL = Path(__file__).with_name("jail.py")
NOBODY = 65534
# As root, each grading runs its student's programs as a uid of its own, taken from this
# range (no account has one; batch's slots use 2,000,000,000 and up) and held with a lock
# file for the grading's lifetime.
GRADING_UIDS = range(2_000_100_000, 2_001_000_000)
# The system's read-only part of a student's private root (jail.py): the runtime and the
# libraries it loads. Where these are links (/bin -> usr/bin) the links are kept.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
PRIVATE_TMP_BYTES = 64 << 20


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


class OutputTail:
    """Reads a pipe to its end and keeps only the last `limit` bytes."""

    def __init__(self, stream, limit: int = 64 * 1024) -> None:
        self._stream = stream
        self._limit = limit
        self._chunks: deque[bytes] = deque()
        self._kept = 0
        self.total = 0
        self._busy = False
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        fd = self._stream.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            with contextlib.suppress(OSError):
                poller.poll()  # readable or at its end: the read below does not block
            # From here until the chunk is kept the pump is "busy": the bytes may have left
            # the pipe and not be in the tail yet (see settle).
            with self._lock:
                self._busy = True
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._changed:
                self._busy = False
                if not chunk:
                    self._changed.notify_all()
                    return
                self._chunks.append(chunk)
                self._kept += len(chunk)
                self.total += len(chunk)
                while self._kept - len(self._chunks[0]) >= self._limit:
                    self._kept -= len(self._chunks.popleft())
                self._changed.notify_all()

    @property
    def dropped(self) -> int:
        with self._lock:
            return self.total - min(self._kept, self._limit)

    def data(self) -> bytes:
        with self._lock:
            return b"".join(self._chunks)[-self._limit :]

    def text(self) -> str:
        return self.data().decode("utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float) -> bool:
        """Wait until `needle` appears in the kept output (False at the deadline)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                text = b"".join(self._chunks).decode("utf-8", errors="replace")
                if needle in text:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._thread.is_alive():
                    return needle in text
                self._changed.wait(remaining)

    def join(self, timeout: float = 2.0) -> None:
        self._thread.join(timeout)

    def settle(self, timeout: float = 1.0) -> None:
        """Wait (at most `timeout`) until everything the pipe holds has been kept: nothing
        unread in the pipe and no chunk on its way from the pipe to the tail. A program
        that has exited may still have its last lines (a traceback, "Address already in
        use") in the pipe, and the pipe's end may never come while another process holds
        it open. Exact, not a guess from timing: the pump marks itself busy before it
        reads, so at every moment the bytes are in the pipe, in flight, or kept."""
        import fcntl
        import termios

        deadline = time.monotonic() + timeout
        while self._thread.is_alive():
            try:
                fd = self._stream.fileno()
                pending = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
            except (OSError, ValueError):  # closed meanwhile: nothing more to wait for
                return
            with self._lock:
                busy = self._busy
            if (pending == 0 and not busy) or time.monotonic() >= deadline:
                return
            time.sleep(0.005)


def minimal_environment(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The student's whole environment: nothing is inherited from the grader's."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        # glibc reserves 64 MB of address space per malloc arena; with many threads that
        # alone would hit the memory limit of a perfectly healthy server.
        "MALLOC_ARENA_MAX": "2",
    }
    env.update(extra or {})
    return env


def _world_executable(path: Path) -> bool:
    """Can an unprivileged user run this file (every parent directory searchable)?"""
    try:
        path = path.resolve()
        for parent in path.parents:
            if not parent.stat().st_mode & 0o001:
                return False
        return bool(path.stat().st_mode & 0o001)
    except OSError:
        return False


def _base_interpreter() -> str:
    """The Python the grader runs on, outside any virtualenv: student programs get the
    runtime and the standard library, not the grader's packages."""
    base = getattr(sys, "_base_executable", "") or sys.executable
    return base if os.access(base, os.X_OK) else sys.executable


def student_python(uid: int | None = None) -> tuple[str, int | None]:
    """The interpreter for student programs, and the uid to run them as.

    As root we drop to `uid` (default `nobody`), which needs an interpreter that an
    unprivileged user can execute (a pyenv under /root is not one); without one we stay
    root inside the namespaces. Not root: the grader's own uid, `uid` is ignored.
    """
    if os.geteuid() != 0:
        return _base_interpreter(), None
    for candidate in (_base_interpreter(), shutil.which("python3") or "", "/usr/bin/python3"):
        if candidate and _world_executable(Path(candidate)):
            return candidate, NOBODY if uid is None else uid
    return sys.executable, None


@functools.lru_cache(maxsize=8)
def runtime_dirs(python: str) -> tuple[str, ...]:
    """The folders a student's private root needs for `python` to run: the system's, and
    the interpreter's own installation where it lies elsewhere (/opt, a pyenv)."""
    found = list(SYSTEM_DIRS)
    real = os.path.realpath(python)
    prefixes = ask_interpreter(
        python, "import sys; print(sys.base_prefix); print(sys.base_exec_prefix)"
    )
    for path in [*prefixes.splitlines(), os.path.dirname(real)]:
        path = os.path.realpath(path)
        covered = any(path == d or path.startswith(d + "/") for d in found)
        if path != "/" and os.path.isabs(path) and not covered:
            found.append(path)
    return tuple(found)


class UidLease:
    """A uid of `GRADING_UIDS` that no other grading on this machine holds (root only)."""

    def __init__(self) -> None:
        import fcntl

        self._file: IO[bytes] | None = None
        self.uid: int | None = None
        for _ in range(50):
            uid = random.choice(GRADING_UIDS)
            try:
                handle = open_lock_file(f"uid-{uid}.lock")
            except OSError:
                self.uid = uid  # no lock folder here: a random uid is very likely free
                return
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self._file, self.uid = handle, uid
            return
        raise SandboxError("no free student uid")

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # the lock file stays: unlinking it could race a new holder
            self._file = None


def prepare_workdir(source: Path, uid: int | None) -> tuple[Path, dict[str, Refused]]:
    """Copy the submission into a fresh directory the student program may write in.

    The student never runs in (or changes) the folder being graded, and the copy holds
    nothing from outside it (see submission_copy). As root the copy is the student uid's
    and no one else's (mode 0700): another grading's programs cannot read it.
    """
    work = Path(tempfile.mkdtemp(prefix="autograder-"))
    copy = copy_submission(source, work / "submission")
    (work / "home").mkdir()
    (work / "root").mkdir()  # where jail.py builds the private root
    # The folder itself stays the grader's (0711: passable, not listable, not writable),
    # so nothing the grader later writes in it (support/ in the fallback mode) can be
    # swapped for a link by the student's program.
    work.chmod(0o711)
    for own in (work / "submission", work / "home"):
        own.chmod(0o700)
        if uid is not None:
            os.chown(own, uid, uid)
            for root, dirs, files in os.walk(own):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
    return work, copy.refused


def remove_files_of(uid: int) -> None:
    """Remove what a student uid left in the machine's shared writable folders (ports
    mode: no private /tmp). Each grading has a uid of its own, so all of it is its."""
    for shared in ("/tmp", "/var/tmp", "/dev/shm"):
        with contextlib.suppress(OSError):
            for entry in os.scandir(shared):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)


def namespaces_available() -> bool:
    """Can this system run a program in a new network + PID namespace?"""
    if not sys.platform.startswith("linux") or not shutil.which("unshare"):
        return False
    try:
        result = subprocess.run(
            [*_unshare_prefix(), "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


# A new network namespace shares the kernel's TCP and UDP hash tables with the host
# unless the namespace that creates it asks for tables of its own (Linux 6.1 and 6.2:
# net.ipv4.tcp_child_ehash_entries and udp_child_hash_entries). Reading /proc/net/tcp walks
# the whole shared table (262144 buckets on a 24 GB machine): about 10 ms of CPU per look
# at the sockets, and checks look every few milliseconds, so with many gradings at once
# the machine did little else. The jail's namespace is therefore created from a short-lived
# intermediate one that asks for small private tables (about 0.3 ms per look). Older
# kernels have no such settings: the writes fail quietly and nothing changes.
_PRIVATE_HASH_TABLES = (
    "for f in tcp_child_ehash_entries udp_child_hash_entries; do "
    'echo 1024 > "/proc/sys/net/ipv4/$f"; done 2>/dev/null; exec "$@"'
)


def _unshare_prefix() -> list[str]:
    # --mount-proc: a /proc of its own, so a student program sees (and can read the
    # environment of) no process but its own, not those of other gradings running at once.
    jail_namespaces = [
        "unshare",
        "--net",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount",
        "--mount-proc",
    ]
    parent = ["unshare", "--net"]
    if os.geteuid() != 0:
        parent[1:1] = ["--user", "--map-root-user"]
    return [*parent, "sh", "-c", _PRIVATE_HASH_TABLES, "sh", *jail_namespaces]


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
        return self.stdout.text() if self.stdout else ""

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


class NamespaceSandbox(Sandbox):
    """A private network + PID namespace; the student's port 9090 is its own."""

    isolation = "netns"
    port = 9090

    def __init__(
        self,
        workdir: Path,
        uid: int | None,
        limits: Limits,
        addresses: list[str] | None = None,
        runtime: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(workdir, uid, limits)
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._replies: queue.Queue[tuple[dict, list[int]]] = queue.Queue()
        self._request_lock = threading.Lock()
        self._ready = threading.Event()
        self.private_root = False  # set from the jail's "ready": did the files wall stand?
        self.why_no_private_root = ""
        config: dict[str, object] = {"addresses": addresses or []}
        if runtime is not None:
            config["root"] = {
                "mountpoint": str(workdir / "root"),
                "submission": str(workdir / "submission"),
                "read_only": list(runtime),
                "tmp_bytes": PRIVATE_TMP_BYTES,
            }
        try:
            self._proc = subprocess.Popen(
                [
                    *_unshare_prefix(),
                    sys.executable,
                    "-I",
                    str(JAIL),
                    str(theirs.fileno()),
                    json.dumps(config),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=[theirs.fileno()],
                start_new_session=True,
                env=minimal_environment(self.home),
                cwd=self.workdir,
            )
        except OSError as exc:
            raise SandboxError(f"cannot start unshare: {exc}") from exc
        finally:
            theirs.close()
        self._stdin = self._proc.stdin
        self.stdout = OutputTail(self._proc.stdout)
        self.stderr = OutputTail(self._proc.stderr)
        self._reader = threading.Thread(target=self._read_control, daemon=True)
        self._reader.start()
        if not self._ready.wait(10):
            self.close()
            raise SandboxError("the namespace did not come up: " + self.stderr_text()[-500:])

    def _read_control(self) -> None:
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self._control, 1 << 22, 4)
            except OSError:
                data, fds = b"", []
            if not data:
                self.exited.set()
                self._replies.put(({"ok": False, "error": "sandbox closed"}, []))
                return
            message = json.loads(data)
            event = message.get("event")
            if event == "ready":
                self.private_root = bool(message.get("private_root"))
                self.why_no_private_root = str(message.get("why_not") or "")
                self._ready.set()
            elif event == "exit":
                self.exit_status = message["status"]
                self.exited.set()
            elif event == "error":
                self._replies.put(({"ok": False, "error": message["message"]}, []))
            else:
                self._replies.put((message, fds))

    def _request(self, message: dict, timeout: float = 10.0) -> tuple[dict, list[int]]:
        with self._request_lock:
            try:
                self._control.send(json.dumps(message).encode())
                reply, fds = self._replies.get(timeout=timeout)
            except (OSError, queue.Empty) as exc:
                raise SandboxError(f"sandbox did not answer {message['op']!r}: {exc}") from exc
        if not reply.get("ok"):
            for fd in fds:
                os.close(fd)
            raise SandboxError(f"sandbox refused {message['op']!r}: {reply.get('error')}")
        return reply, fds

    @property
    def home(self) -> str:
        # In its private root the program's only writable places are its copy and /tmp.
        return "/tmp" if self.private_root else super().home

    def socket(self, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
        _, fds = self._request({"op": "socket", "family": int(family), "type": int(kind)})
        return socket.socket(fileno=fds[0])

    def netstat(self) -> list[SocketEntry] | None:
        try:
            reply, _ = self._request({"op": "netstat"})
        except SandboxError:
            return None
        return parse_tables(reply["tables"])

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        self.started_at = time.monotonic()
        with self._state_lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            self._spawn(argv, env)

    def _spawn(self, argv: list[str], env: dict[str, str]) -> None:
        self._request(
            {
                "op": "spawn",
                "argv": argv,
                "cwd": self.cwd,
                "env": env,
                "limits": self.limits.as_dict(),
                "uid": self.uid,
            }
        )

    def process_ids(self) -> list[int]:
        try:
            root = psutil.Process(self._proc.pid)
            return [p.pid for p in root.children(recursive=True)][1:]  # [0] is the jail
        except psutil.Error:
            return []

    def close(self) -> None:
        # Closing the control socket makes the jail (PID 1) exit, and the kernel then
        # kills every process left in the namespace. shutdown() first: a plain close()
        # would not release the reader thread blocked in recv, and the jail would see no EOF.
        with self._state_lock:
            self._closed = True
        with contextlib.suppress(OSError):
            self._control.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._control.close()
        try:
            self._proc.wait(3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(3)
        self._finish(self._proc)


# Lock files shared by every grading on this machine. As root, in a folder only root may
# enter: student programs in the fallback mode share the host's /tmp, and a lock file there
# could be held by one of them (other gradings would wait for nothing) or replaced by a
# link for root to follow. A grader run by an ordinary user shares a folder in /tmp with
# every user's graders (its students' programs run as that user anyway).
ROOT_LOCKS = Path("/run/autograder-locks")
SHARED_LOCKS = Path("/tmp/autograder-port-locks")


def open_lock_file(name: str) -> IO[bytes]:
    """Open (creating) the lock file `name`, never through a link (raises OSError)."""
    if os.geteuid() == 0:
        folder, mode, file_mode = ROOT_LOCKS, 0o700, 0o600
    else:
        folder, mode, file_mode = SHARED_LOCKS, 0o1777, 0o666
    with contextlib.suppress(FileExistsError):
        folder.mkdir()
        folder.chmod(mode)  # (umask aside)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or (os.geteuid() == 0 and info.st_uid != 0):
        raise OSError(f"{folder} is not the grader's lock folder")
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(folder / name, flags, file_mode)
    with contextlib.suppress(OSError):
        os.fchmod(fd, file_mode)
    return os.fdopen(fd, "ab")


class PortLock:
    """A host-wide lock on one TCP/UDP port number, for the fallback mode.

    Without namespaces every grading shares the host's ports, and a student's program that
    ignores --port takes the same fixed port (9090) in every check and every grading. The
    grader holds this lock while such a program (or a listener of its own for a student's
    client) uses the port: those uses take turns instead of failing with "Address already
    in use" or, worse, a client reaching another grading's listener. An flock on a lock
    file (see open_lock_file) the same for every grader process, whatever its TMPDIR; it
    is released when the file is closed, also when the grader is killed.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self._file: IO[bytes] | None = None

    def acquire(self, timeout: float) -> bool:
        import fcntl

        try:
            self._file = open_lock_file(f"{self.port}.lock")
        except OSError:
            return True  # cannot lock here: go on unlocked, as before
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                if time.monotonic() > deadline:
                    self.release()
                    return False
                time.sleep(0.05)

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file releases the flock
            self._file = None


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
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self._proc.pid)
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    self._seen.setdefault(p.pid, p.create_time())
                    pids.append(p.pid)
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
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process().children(recursive=True):
                if pipes & _open_files(child.pid):
                    with contextlib.suppress(psutil.Error):
                        child.kill()


def _open_files(pid: int) -> set[str]:
    """What each open descriptor of a process points to ("pipe:[123]", paths...)."""
    found = set()
    fd_dir = f"/proc/{pid}/fd"
    with contextlib.suppress(OSError):
        for fd in os.listdir(fd_dir):
            with contextlib.suppress(OSError):
                found.add(os.readlink(f"{fd_dir}/{fd}"))
    return found


@dataclass
class SandboxFactory:
    """Makes sandboxes of one kind for one grading; owns the copied submission."""

    source: Path
    isolation: str = "auto"  # "auto", "netns" or "ports"
    limits: Limits = field(default_factory=Limits)
    addresses: list[str] = field(default_factory=list)  # extra IPv4 addresses for lo (netns)
    # Ports mode: the fixed port a server listens on instead of the one it was handed
    # (--port / CHAT_PORT); the runner then starts one copy at a time.
    fixed_port: int | None = None
    port_known: bool = False  # ports mode: a copy of the server has listened (fixed_port is set)
    student_uid: int | None = None  # as root: the uid student programs run as (default nobody)

    def __post_init__(self) -> None:
        if self.student_uid is not None and not 0 < self.student_uid < 2**32 - 1:
            raise SandboxError(f"not a usable uid: {self.student_uid}")
        if self.isolation == "auto":
            self.isolation = "netns" if namespaces_available() else "ports"
        elif self.isolation == "netns" and not namespaces_available():
            raise SandboxError("network namespaces are not available on this system")
        self._uid_lease: UidLease | None = None
        wanted_uid = self.student_uid
        if wanted_uid is None and os.geteuid() == 0:
            self._uid_lease = UidLease()
            wanted_uid = self._uid_lease.uid
        self.python, self.uid = student_python(wanted_uid)
        hide_grader_environment()
        self.workdir, self.refused = prepare_workdir(self.source, self.uid)
        self.copy = self.workdir / "submission"
        # What a private root (jail.py) holds besides the copy: the runtime, read-only.
        self._runtime = runtime_dirs(self.python) if self.isolation == "netns" else None
        self._live: set[Sandbox] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._files_wall: bool | None = None  # known once a sandbox came up
        if self.isolation == "ports":
            become_subreaper()

    def student_paths(self, text: str) -> str:
        """`text` (a program's output) with the grader's copy of the submission named as
        the student knows it: `server.py`, not /tmp/autograder-x/submission/server.py."""
        text = text.replace(f"{self.copy}/", "")
        return re.sub(r"(?<![\w./-])/submission/(?=[\w.-])", "", text)

    @property
    def walls(self) -> Walls:
        """The walls this grading's programs had (files: as far as its sandboxes showed)."""
        netns = self.isolation == "netns"
        files = bool(self._files_wall) if self._files_wall is not None else bool(self._runtime)
        return Walls(
            network=netns, processes=netns, files=netns and files, user=self.uid is not None
        )

    def create(self) -> Sandbox:
        if self._closed:
            raise SandboxError("the grading was stopped")
        box: Sandbox
        if self.isolation == "netns":
            box = NamespaceSandbox(
                self.workdir, self.uid, self.limits, self.addresses, self._runtime
            )
            with self._lock:
                self._files_wall = box.private_root and self._files_wall is not False
        else:
            box = PortSandbox(self.workdir, self.uid, self.limits)
        with self._lock:
            if not self._closed:
                self._live.add(box)
                return box
        box.close()  # the grading was stopped while this one was being made
        raise SandboxError("the grading was stopped")

    def release(self, box: Sandbox) -> None:
        box.close()
        with self._lock:
            self._live.discard(box)

    def close(self) -> None:
        """Stop everything still running and delete the copied submission."""
        with self._lock:
            self._closed = True
            boxes = list(self._live)
            self._live.clear()
        for box in boxes:
            box.close()
        if self.isolation == "ports":
            reap_orphans()
            if self.uid is not None and self._uid_lease is not None:
                remove_files_of(self.uid)  # its uid is this grading's alone
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self._uid_lease is not None:
            self._uid_lease.release()


def hide_grader_environment() -> None:
    """Make the grader non-dumpable: its /proc/PID/environ (CI secrets) and memory become
    unreadable to every unprivileged process, student programs of the same user included.
    The flag is reset on exec, so it does not spread to the programs the grader starts."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0


def become_subreaper() -> None:
    """Adopt orphaned descendants (double-forked daemons) so teardown can find them."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap_orphans() -> None:
    """Kill adopted orphans: every child of the grader that is not the grader's own tool."""
    me = psutil.Process()
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if child.name() not in {"unshare"}:
                child.kill()
