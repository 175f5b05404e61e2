"""Lock files shared by every grading on this machine (port turns, student uids)."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import IO

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
