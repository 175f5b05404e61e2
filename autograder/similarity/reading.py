"""Reading an untrusted submission's Python files, never through a link."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder.similarity.errors import SimilarityError

# What one submission may make us read (submissions are untrusted).
MAX_FILE_BYTES = 256 * 1024
MAX_SUBMISSION_BYTES = 2 * 1024 * 1024
MAX_FILES = 200
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "venv", "env"}


# --- reading untrusted folders -----------------------------------------------------------------
@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the submission folder, with "/"
    text: str


@dataclass
class FolderContents:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "x.py: why it was not read"


def read_python_files(root: Path) -> FolderContents:
    """Every regular `*.py` file under `root`, read without ever following a link.

    A link (to a file or a folder) and a special file (FIFO, device, socket) is skipped and
    noted, so is a file over MAX_FILE_BYTES and whatever is past MAX_FILES or
    MAX_SUBMISSION_BYTES; hidden folders, caches and virtual environments are not entered.
    The grader will get one shared symlink-safe reader of submissions: this function is the
    one place to swap for it.
    """
    contents = FolderContents()
    if not stat.S_ISDIR(os.lstat(root).st_mode):
        raise SimilarityError(f"not a folder (or a link to one): {root}")
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            relative = (here / name).relative_to(root).as_posix()
            if os.path.islink(here / name):
                contents.skipped.append(f"{relative}/: a link, not followed")
            elif not name.startswith(".") and name not in SKIPPED_FOLDERS:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = here / name
            relative = path.relative_to(root).as_posix()
            try:
                info = os.lstat(path)
            except OSError as exc:
                contents.skipped.append(f"{relative}: {exc.strerror}")
                continue
            if stat.S_ISLNK(info.st_mode):
                contents.skipped.append(f"{relative}: a link, not followed")
                continue
            if not stat.S_ISREG(info.st_mode):
                contents.skipped.append(f"{relative}: not a regular file")
                continue
            if info.st_size > MAX_FILE_BYTES:
                contents.skipped.append(f"{relative}: larger than {MAX_FILE_BYTES} bytes")
                continue
            if len(contents.files) >= MAX_FILES or total + info.st_size > MAX_SUBMISSION_BYTES:
                contents.skipped.append(f"{relative}: over the limit of one submission")
                continue
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            try:
                fd = os.open(path, flags)
            except OSError as exc:
                contents.skipped.append(f"{relative}: {exc.strerror}")
                continue
            with os.fdopen(fd, "rb") as file:
                opened = os.fstat(fd)
                if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                    contents.skipped.append(f"{relative}: changed while being read")
                    continue
                data = file.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                contents.skipped.append(f"{relative}: larger than {MAX_FILE_BYTES} bytes")
                continue
            total += len(data)
            contents.files.append(SourceFile(relative, data.decode("utf-8", errors="replace")))
    return contents
