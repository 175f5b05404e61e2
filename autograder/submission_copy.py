"""Copying a submission without ever reading through a link out of it.

A submission is untrusted input, and the grader runs as root where it can: a `server.py`
that is a symbolic link to `/root/secret.txt`, to `/proc/self/environ` or to
`../other-student/server.py` would otherwise be read (its text printed back in the report
as a "syntax error"), copied and run. Everything the grader reads of a submission is
therefore read from a copy made here, and the copy holds only what lies inside the
submission:

* regular files, opened with O_NOFOLLOW and checked again on the open descriptor, so a
  file swapped for a link or a FIFO meanwhile is never read (nor waited on);
* links whose whole chain ends inside the submission, as the file or folder they name
  (`server.py -> src/chat_server.py` works as the student meant);
* nothing else: a link that leaves the submission, a FIFO, a device, a socket is left
  out and listed in `refused`, with a reason the report names. A program file that is a
  folder is refused where the grader looks for programs (see `program_problem`).

The folder given to the grader is the instructor's choice and is trusted, links and all;
only what is inside it is not. Pure file handling: no grader imports but i18n.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder.i18n import Text

IGNORED = frozenset({".git", ".venv", "venv", "__pycache__", "node_modules", ".mypy_cache"})
MAX_FILES = 5000  # a submission is a few files; a checked-in virtualenv is not graded
MAX_BYTES = 64 << 20  # all files together
CHUNK = 1 << 16


@dataclass(frozen=True)
class Refused:
    """Something in the submission the copy left out, and why."""

    name: str  # its path inside the submission, with "/"
    reason: str  # "outside" | "special" | "loop" | "too-big"
    target: str = ""  # what a link says (its text, never what it points to)

    def message(self) -> Text:
        if self.reason == "outside":
            return Text(
                f"{self.name} — ссылка на файл вне решения ({self.target}); сдайте сам файл",
                f"{self.name} is a link to a file outside the submission ({self.target}); "
                "submit the file itself",
            )
        if self.reason == "loop":
            return Text(
                f"{self.name} — ссылка, которая никуда не ведёт ({self.target}); сдайте сам файл",
                f"{self.name} is a link that leads nowhere ({self.target}); submit the file itself",
            )
        if self.reason == "too-big":
            return Text(
                f"{self.name}: решение слишком велико (больше {MAX_FILES} файлов или "
                f"{MAX_BYTES >> 20} МБ); остальное не скопировано",
                f"{self.name}: the submission is too large (over {MAX_FILES} files or "
                f"{MAX_BYTES >> 20} MB); the rest was not copied",
            )
        return Text(
            f"{self.name} — не обычный файл (именованный канал, устройство или сокет); "
            "сдайте обычный файл",
            f"{self.name} is not a regular file (a FIFO, a device or a socket); "
            "submit a regular file",
        )


@dataclass
class SubmissionCopy:
    """The copy, and what was left out of it (by path inside the submission)."""

    root: Path
    refused: dict[str, Refused] = field(default_factory=dict)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class _Copier:
    def __init__(self, source: Path, dest: Path) -> None:
        self.source = os.path.realpath(source)
        self.dest = dest
        self.result = SubmissionCopy(dest)
        self.files = 0
        self.bytes = 0

    def refuse(self, relative: str, reason: str, target: str = "") -> None:
        self.result.refused.setdefault(relative, Refused(relative, reason, target))

    def copy_file(self, path: str, relative: str, out: Path) -> None:
        """Copy one regular file; refuse it if it is not one by the time it is opened."""
        if self.files >= MAX_FILES or self.bytes >= MAX_BYTES:
            self.refuse(relative, "too-big")
            return
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENXIO):  # became a link, or a FIFO/socket
                self.refuse(relative, "special")
            return  # unreadable to the grader: the student's program could not read it either
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self.refuse(relative, "special")
                return
            with open(out, "wb") as sink:
                while chunk := os.read(fd, CHUNK):
                    self.bytes += len(chunk)
                    if self.bytes > MAX_BYTES:
                        self.refuse(relative, "too-big")
                        break
                    sink.write(chunk)
            self.files += 1
        finally:
            os.close(fd)

    def copy_dir(self, path: str, relative: str, out: Path, seen: frozenset[str]) -> None:
        out.mkdir(exist_ok=True)
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.name in IGNORED:
                continue
            name = f"{relative}/{entry.name}" if relative else entry.name
            self.copy_entry(entry.path, name, out / entry.name, seen)

    def copy_entry(self, path: str, relative: str, out: Path, seen: frozenset[str]) -> None:
        try:
            info = os.lstat(path)
        except OSError:
            return
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(path)
            real = os.path.realpath(path)
            if not _inside(real, self.source):
                self.refuse(relative, "outside", target)
                return
            try:
                info = os.stat(real)
            except OSError:
                self.refuse(relative, "loop", target)  # dangling, or a cycle of links
                return
            if stat.S_ISDIR(info.st_mode) and real in seen:
                return  # a link to a folder it is inside of: copied once is enough
            path = real
        if stat.S_ISDIR(info.st_mode):
            self.copy_dir(path, relative, out, seen | {os.path.realpath(path)})
        elif stat.S_ISREG(info.st_mode):
            self.copy_file(path, relative, out)
        else:
            self.refuse(relative, "special")


def copy_submission(source: Path, dest: Path) -> SubmissionCopy:
    """Copy the submission in `source` to the new folder `dest` (see the module docstring)."""
    copier = _Copier(source, dest)
    copier.copy_dir(copier.source, "", dest, frozenset({copier.source}))
    return copier.result


def program_problem(folder: Path, name: str, refused: dict[str, Refused]) -> Text | None:
    """Why the program file `name` of a copied submission cannot be used, if it cannot."""
    if name in refused:
        return refused[name].message()
    if (folder / name).is_dir():
        return Text(
            f"{name} — папка, а не файл; сдайте сам файл программы",
            f"{name} is a folder, not a file; submit the program file itself",
        )
    return None
