"""What a batch (or a comparison of similar submissions) takes in: the submission folders
found in the folders named on its command line, each with a name unique in the batch and
its lesson. batch.py grades them; similarity/ compares them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from autograder.runner import lesson_from_path


class BatchError(Exception):
    """Nothing can be graded as asked (exit 2)."""


@dataclass(frozen=True)
class Job:
    key: str  # unique name in this batch: the folder's name, made unique
    path: Path
    lesson: str


# --- what to grade ------------------------------------------------------------------------
def _is_submission(folder: Path) -> bool:
    return any(p.suffix == ".py" and p.is_file() for p in folder.iterdir())


def find_jobs(dirs: list[Path], lesson: str | None) -> list[Job]:
    """Each DIR is a submission folder (it holds .py files) or a folder of them; a
    folder that holds `lessons/NN/` (a student's clone of the course) is graded there."""
    folders: list[Path] = []
    for directory in dirs:
        if not directory.is_dir():
            raise BatchError(f"not a folder: {directory}")
        if _is_submission(directory):
            folders.append(directory)
        else:
            inner = sorted(
                p for p in directory.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))
            )
            if not inner:
                raise BatchError(f"no submission in {directory}: no .py files, no sub-folders")
            folders += inner
    jobs, seen = [], Counter[str]()
    for folder in folders:
        chosen = lesson or lesson_from_path(folder)
        if chosen is None:
            raise BatchError(f"cannot tell the lesson of {folder}; add --lesson NN")
        name = re.sub(r"[^\w.-]+", "_", folder.name) or "submission"
        seen[name] += 1
        key = name if seen[name] == 1 else f"{name}~{seen[name]}"
        # A student's whole repository (a clone of the course): grade its lessons/NN.
        inside = folder / "lessons" / chosen.zfill(2)
        path = inside if inside.is_dir() else folder
        jobs.append(Job(key, path.resolve(), chosen.zfill(2)))
    return jobs
