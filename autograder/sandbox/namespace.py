"""The preferred sandbox: a private network, PID and mount namespace per program, with
jail.py as its PID 1 (hard-coded ports never collide, nothing beyond loopback, no file but
the program's own copy and a read-only runtime, nothing survives the namespace)."""

from __future__ import annotations

import contextlib
import marshal
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder.netstat import SocketEntry, parse_tables
from autograder.sandbox.base import Limits, Sandbox, SandboxError
from autograder.sandbox.output import OutputTail
from autograder.sandbox.proctree import descendants
from autograder.sandbox.student import minimal_environment

JAIL = Path(__file__).with_name("jail.py")
# Imported, not run as a script, so that its bytecode is kept like any module's (a script
# is compiled again at every start: 6 ms a sandbox).
_JAIL_ENTRY = f"import sys; sys.path.insert(0, {str(JAIL.parent)!r}); import jail; jail.entry()"
PRIVATE_TMP_BYTES = 64 << 20


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
        learned: dict[str, object] | None = None,
    ) -> None:
        """`learned`: what an earlier jail of the same grading found (`host_addresses`,
        `root_known_good`, see `learned` below), so that this one need not find it again."""
        super().__init__(workdir, uid, limits)
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._replies: queue.Queue[tuple[dict, list[int]]] = queue.Queue()
        self._request_lock = threading.Lock()
        self._ready = threading.Event()
        self.private_root = False  # set from the jail's "ready": did the files wall stand?
        self.why_no_private_root = ""
        self.host_addresses: list[str] | None = None  # from "ready"
        learned = learned or {}
        config: dict[str, object] = {"addresses": addresses or []}
        if learned.get("host_addresses") is not None:
            config["host_addresses"] = learned["host_addresses"]
        if runtime is not None:
            config["root"] = {
                "mountpoint": str(workdir / "root"),
                "submission": str(workdir / "submission"),
                "read_only": list(runtime),
                "tmp_bytes": PRIVATE_TMP_BYTES,
                "known_good": bool(learned.get("root_known_good")),
            }
        try:
            self._proc = subprocess.Popen(
                [
                    *_unshare_prefix(),
                    sys.executable,
                    "-I",  # isolated: no PYTHONPATH, no user site, not the current folder
                    "-S",  # nor site-packages: the jail is standard library only (20 ms less)
                    "-c",
                    _JAIL_ENTRY,
                    str(theirs.fileno()),
                    marshal.dumps(config).hex(),
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
            message = marshal.loads(data)
            event = message.get("event")
            if event == "ready":
                self.private_root = bool(message.get("private_root"))
                self.why_no_private_root = str(message.get("why_not") or "")
                self.host_addresses = list(message.get("host_addresses") or [])
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
                self._control.send(marshal.dumps(message))
                reply, fds = self._replies.get(timeout=timeout)
            except (OSError, queue.Empty) as exc:
                raise SandboxError(f"sandbox did not answer {message['op']!r}: {exc}") from exc
        if not reply.get("ok"):
            for fd in fds:
                os.close(fd)
            raise SandboxError(f"sandbox refused {message['op']!r}: {reply.get('error')}")
        return reply, fds

    @property
    def learned(self) -> dict[str, object]:
        """What the next jail of this grading may take from this one instead of finding it
        again: the host's own addresses and, once a private root was built, that it can be."""
        return {"host_addresses": self.host_addresses, "root_known_good": self.private_root}

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
        return descendants(self._proc.pid)[1:]  # [0] is the jail

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
