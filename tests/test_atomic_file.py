"""Report files are replaced whole, and a device or FIFO given as the output stays one."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from autograder.atomic_file import write_text_atomically


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "gradebook.csv"
    target.write_text("old\n")
    write_text_atomically(target, "new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gradebook.csv"]  # no temporary left


def test_a_new_file_and_its_folder_are_made(tmp_path: Path) -> None:
    write_text_atomically(tmp_path / "out" / "report.html", "<p>x</p>")
    assert (tmp_path / "out" / "report.html").read_text() == "<p>x</p>"


def test_a_fifo_given_as_the_output_is_written_and_stays_a_fifo(tmp_path: Path) -> None:
    """As `--output /dev/null` must leave /dev/null a device (a rename made it a regular
    file, for every program on the machine)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    write_text_atomically(fifo, "through the pipe\n")
    reader.join(10)
    assert got == ["through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_dev_null_stays_a_device() -> None:
    write_text_atomically(Path(os.devnull), "nothing\n")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
