"""Who and where a student's program runs: its interpreter, its uid (one per grading, as
root), its copy of the submission, its environment, and what it leaves behind."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO

from autograder.sandbox.base import SandboxError
from autograder.sandbox.locks import open_lock_file
from autograder.source import ask_interpreter
from autograder.submission_copy import Refused, copy_submission

NOBODY = 65534
# As root, each grading runs its student's programs as a uid of its own, taken from this
# range (no account has one; batch's slots use 2,000,000,000 and up) and held with a lock
# file for the grading's lifetime.
GRADING_UIDS = range(2_000_100_000, 2_001_000_000)
# The system's read-only part of a student's private root (jail.py): the runtime and the
# libraries it loads. Where these are links (/bin -> usr/bin) the links are kept.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


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
