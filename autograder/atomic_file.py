"""Writing a report file so that a reader never sees half of it, and a device stays one.

Reports and gradebooks are written to a temporary file next to the target and renamed over
it: a reader (a spreadsheet, a resumed batch) sees the old file or the new one. But a
rename replaces whatever the name was: `--output /dev/null` (or a FIFO a script reads)
would turn the device into a regular file, for every program on the machine when the
grader runs as root. Those are written in place.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` (UTF-8): by rename for a regular file or a new one, in place
    for anything else that exists there (a device, a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
