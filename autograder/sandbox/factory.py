"""One grading's sandboxes: the kind the system allows, the copied submission, the uid,
the walls that stood; and stopping everything at the end."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.sandbox.base import Limits, Sandbox, SandboxError
from autograder.sandbox.namespace import NamespaceSandbox, namespaces_available
from autograder.sandbox.ports import PortSandbox
from autograder.sandbox.student import (
    UidLease,
    prepare_workdir,
    remove_files_of,
    runtime_dirs,
    student_python,
)
from autograder.walls import Walls


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
        self._learned: dict[str, object] = {}  # what the first jail found, for the next ones
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
            with self._lock:
                learned = dict(self._learned)
            box = NamespaceSandbox(
                self.workdir, self.uid, self.limits, self.addresses, self._runtime, learned
            )
            with self._lock:
                self._files_wall = box.private_root and self._files_wall is not False
                if not self._learned:
                    self._learned = box.learned
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
