"""Where a student stands in the course: the last grading of each lesson, kept on disk.

Every normal grading of a lesson folder of the course repository (`lessons/NN`) leaves
its outcome here, so `python -m autograder` with no folder can show the whole course at a
glance (autograder/overview.py). The file is `.autograder/progress.json` at the root of
the course repository: never in the student's submission folder (the grader copies that
folder into the sandbox, and it is what a student hands in), and ignored by git (the root
.gitignore names it, and the folder carries a `.gitignore` of its own, as pytest's cache
does, so a fork without that line does not commit it either).

Recording is a convenience and never part of a grading's outcome: any failure to read or
write (a read-only checkout, a full disk, a file someone broke) is swallowed, and nothing
is recorded for a partial grading (`-k`), another rubric (`--rubric`), an interrupted one,
under CI (`CI` set, as GitHub Actions and GitLab do), in batch (which passes
`--no-record`), or when `--no-record` or `AUTOGRADER_NO_RECORD=1` says so.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from autograder.i18n import Text
from autograder.results import CheckResult, GradeReport
from autograder.runner import lesson_from_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STORE_DIR = ".autograder"
STORE_FILE = "progress.json"
PROJECT_NAME = "socket-chat-course"  # pyproject.toml's [project] name of the course
FORMAT_VERSION = 1
NO_RECORD_ENV = "AUTOGRADER_NO_RECORD"


# --- which folder is the course repository ---------------------------------------------
def _pyproject_names_course(pyproject: Path) -> bool:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    project = data.get("project")
    return isinstance(project, dict) and project.get("name") == PROJECT_NAME


def is_course_root(folder: Path) -> bool:
    """A folder with `lessons/` and the grader's rubrics (a clone of the course), or with
    `lessons/` and a pyproject.toml that names the course (a copy without the grader)."""
    if not (folder / "lessons").is_dir():
        return False
    return (folder / "autograder" / "rubrics").is_dir() or _pyproject_names_course(
        folder / "pyproject.toml"
    )


def find_course_root(start: Path) -> Path | None:
    """The course repository that `start` is in (itself or a parent), or None."""
    try:
        here = start.resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        if is_course_root(folder):
            return folder
    return None


def lesson_folder_root(path: Path, lesson: str) -> Path | None:
    """The course root when `path` is its `lessons/NN` folder for `lesson`, else None."""
    try:
        folder = path.resolve()
    except OSError:
        return None
    root = folder.parent.parent
    if folder.parent.name != "lessons" or lesson_from_path(folder) != lesson:
        return None
    return root if is_course_root(root) else None


# --- what is kept ----------------------------------------------------------------------
@dataclass(frozen=True)
class LessonRecord:
    """The last grading of one lesson, as kept on disk."""

    lesson: str
    score: float
    max_score: int
    passing_score: int
    passed: bool
    graded_at: datetime  # local time, with its offset
    folder: str  # relative to the course root, e.g. "lessons/04"
    statuses: dict[str, str]  # check id -> passed | failed | skipped | error
    first_failure: str | None = None  # the first check (rubric order) that failed
    first_failure_message: Text | None = None
    first_failure_anchor: str | None = None  # the hint's section on the common-bugs page

    def to_json(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "score": self.score,
            "max_score": self.max_score,
            "passing_score": self.passing_score,
            "passed": self.passed,
            "graded_at": self.graded_at.isoformat(timespec="seconds"),
            "folder": self.folder,
            "checks": self.statuses,
            "first_failure": None
            if self.first_failure is None
            else {
                "id": self.first_failure,
                "message": None
                if self.first_failure_message is None
                else {"ru": self.first_failure_message.ru, "en": self.first_failure_message.en},
                "hint_anchor": self.first_failure_anchor,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LessonRecord:
        """Raises KeyError, TypeError or ValueError on a record that is not one."""
        failure = data.get("first_failure")
        message = failure.get("message") if isinstance(failure, dict) else None
        statuses = data["checks"]
        if not isinstance(statuses, dict):
            raise TypeError("checks is not a table")
        graded_at = datetime.fromisoformat(str(data["graded_at"]))
        return cls(
            lesson=str(data["lesson"]),
            score=float(data["score"]),
            max_score=int(data["max_score"]),
            passing_score=int(data["passing_score"]),
            passed=bool(data["passed"]),
            graded_at=graded_at,
            folder=str(data["folder"]),
            statuses={str(k): str(v) for k, v in statuses.items()},
            first_failure=str(failure["id"]) if isinstance(failure, dict) else None,
            first_failure_message=Text(str(message["ru"]), str(message["en"]))
            if isinstance(message, dict)
            else None,
            first_failure_anchor=str(failure["hint_anchor"])
            if isinstance(failure, dict) and failure.get("hint_anchor")
            else None,
        )


def first_failure(report: GradeReport) -> CheckResult | None:
    """The first check in the rubric's order that failed (or could not run): what to fix
    first. A skipped check is not it: its parent is."""
    return next((c for c in report.checks if c.status in ("failed", "error")), None)


def record_of(report: GradeReport, folder: str, when: datetime | None = None) -> LessonRecord:
    failed = first_failure(report)
    message = None
    if failed is not None and failed.message is not None:
        message = failed.message
    return LessonRecord(
        lesson=report.rubric.lesson,
        score=report.score,
        max_score=report.max_score,
        passing_score=report.rubric.passing_score,
        passed=report.passed,
        graded_at=(when or datetime.now()).astimezone(),
        folder=folder,
        statuses={c.id: c.status for c in report.checks},
        first_failure=failed.id if failed else None,
        first_failure_message=message,
        first_failure_anchor=failed.hint.anchor if failed and failed.hint else None,
    )


# --- reading and writing ---------------------------------------------------------------
def store_path(root: Path) -> Path:
    return root / STORE_DIR / STORE_FILE


def load_progress(root: Path) -> dict[str, LessonRecord]:
    """Lesson -> its last grading; an unreadable file or record counts as none."""
    try:
        data = json.loads(store_path(root).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    lessons = data.get("lessons") if isinstance(data, dict) else None
    if not isinstance(lessons, dict):
        return {}
    records = {}
    for lesson, raw in lessons.items():
        try:
            records[str(lesson)] = LessonRecord.from_json(raw)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return records


@contextlib.contextmanager
def _locked(folder: Path):  # type: ignore[no-untyped-def]
    """Two gradings (a watch and a plain run) may finish at once: one writer at a time."""
    with open(folder / "progress.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_record(root: Path, record: LessonRecord) -> None:
    """Replace the lesson's record, atomically (raises OSError when it cannot)."""
    folder = root / STORE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# The autograder's record of your gradings: not for git.\n*\n")
    with _locked(folder):
        try:
            data = json.loads(store_path(root).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            data = {}
        if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
            data = {"lessons": {}}
        data["version"] = FORMAT_VERSION
        data["lessons"][record.lesson] = record.to_json()
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=".progress-", suffix=".tmp", delete=False
        ) as tmp:
            json.dump(data, tmp, ensure_ascii=False, indent=2, sort_keys=True)
            tmp.write("\n")
        try:
            os.replace(tmp.name, store_path(root))
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp.name)
            raise


def recording_disabled(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """True under CI or when AUTOGRADER_NO_RECORD asks (any value but "", "0", "false")."""
    env = os.environ if environ is None else environ
    no_record = env.get(NO_RECORD_ENV, "").strip().lower()
    if no_record not in ("", "0", "false", "no"):
        return True
    ci = env.get("CI", "").strip().lower()
    return ci not in ("", "0", "false", "no")


def record_grading(
    report: GradeReport,
    *,
    partial: bool = False,
    custom_rubric: bool = False,
    requested: bool = True,
) -> Path | None:
    """Keep `report` as its lesson's last grading when it is a complete grading of a
    `lessons/NN` folder of the course and nothing says not to; the store's path if kept.

    Never raises: the grading's outcome does not depend on this.
    """
    if not requested or partial or custom_rubric or report.interrupted or recording_disabled():
        return None
    try:
        root = lesson_folder_root(report.path, report.rubric.lesson)
        if root is None:
            return None
        folder = report.path.resolve().relative_to(root).as_posix()
        save_record(root, record_of(report, folder))
        return store_path(root)
    except Exception:  # noqa: BLE001 - a read-only checkout, a full disk: grade all the same
        return None
