"""Every lesson's own folders, graded end to end (as exercism proves its exercises).

For each lesson with a rubric (found by the lesson registry, autograder/lessons.py, so a
new lesson is covered without being listed here): the rubric and the checks name the
same ids; the reference solution earns every point, with network namespaces and without;
the untouched starter code earns little, and every check it fails says what went wrong
and why, with no grader error. A lesson folder without a rubric yet says so when graded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.lessons import available_lessons, check_set, course_lessons, rubric_for_lesson

ROOT = Path(__file__).resolve().parent.parent
LESSONS = available_lessons()
WITHOUT_RUBRIC = [n for n in course_lessons() if n not in LESSONS]


def test_the_course_has_its_five_graded_lessons() -> None:
    assert {"01", "02", "03", "04", "05"} <= set(LESSONS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_rubric_and_checks_name_the_same_ids_and_every_check_says_what_it_does(
    lesson: str,
) -> None:
    rubric = rubric_for_lesson(lesson)
    assert rubric.max_score == 100 and 0 < rubric.passing_score < 100
    alternatives = [("udp", rubric.udp_items)] if rubric.udp_items else []
    for implementation, items in [(rubric.implementation, rubric.items), *alternatives]:
        found = check_set(lesson, implementation)
        assert found is not None, (lesson, implementation)
        assert [i.id for i in items] == list(found.checks)  # same ids, same order
        for check in found.checks.values():
            assert check.description, f"{check.id} has no docstring for --list -v"
            assert set(check.depends) <= set(found.checks), check.id


def grade(folder: str, *extra: str, output: Path | None = None) -> tuple[int, dict]:
    """The exit code and the JSON report, from stdout or from `--output`."""
    written = ["--output", str(output)] if output else []
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", folder, "--format", "json", "--lang", "en"]
        + [*extra, *written],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=180,
        check=False,
    )
    text = output.read_text(encoding="utf-8") if output else proc.stdout
    assert text.strip(), proc.stderr
    return proc.returncode, json.loads(text)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "ports"])
@pytest.mark.parametrize("lesson", LESSONS)
def test_reference_solution_earns_every_point(lesson: str, isolation: str) -> None:
    code, report = grade(f"solutions/{lesson}", "--isolation", isolation)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], code) == (100, 0), failures
    assert report["implementation"] == rubric_for_lesson(lesson).implementation
    assert report["cap_percent"] == 100
    if isolation == "ports":
        assert report["isolation"] == "ports"


# A second reference server of a lesson (solutions/05/server_asyncio.py beside server.py)
# promises the same behaviour: graded as that lesson's server.py, it earns every point too.
OTHER_REFERENCES = sorted(
    path
    for lesson in LESSONS
    for path in (ROOT / "solutions" / lesson).glob("server_*.py")
    if path.is_file()
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", OTHER_REFERENCES, ids=[f"{p.parent.name}/{p.name}" for p in OTHER_REFERENCES]
)
def test_every_other_reference_server_earns_every_point_too(path: Path, tmp_path: Path) -> None:
    folder = tmp_path / path.parent.name
    folder.mkdir()
    shutil.copy(path, folder / "server.py")
    code, report = grade(str(folder), "--lesson", path.parent.name)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], code) == (100, 0), failures


def test_lesson_05_has_its_asyncio_reference_among_them() -> None:
    assert ROOT / "solutions" / "05" / "server_asyncio.py" in OTHER_REFERENCES


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_starter_earns_little_and_says_why(lesson: str, tmp_path: Path) -> None:
    code, report = grade(f"lessons/{lesson}", output=tmp_path / "report.json")
    assert code == 1 and report["score"] < report["passing_score"] / 2, report["score"]
    assert report["lesson"] == lesson
    for check in report["checks"]:
        assert check["status"] != "error", check
        if check["status"] == "failed":
            assert check["message"] and check["hint"] and check["hint_anchor"], check["id"]


# Only for a course that has such a folder today (lessons 01-05 all have rubrics now): what a
# folder without a rubric says is proven on a toy lesson either way, tests/test_new_lesson.py.
if WITHOUT_RUBRIC:  # no test at all rather than one that is always skipped

    @pytest.mark.parametrize("lesson", WITHOUT_RUBRIC)
    def test_a_lesson_folder_without_a_rubric_yet_says_so(lesson: str) -> None:
        """A lesson being written (its folder and solution, no rubric yet) is no error."""
        proc = subprocess.run(
            [sys.executable, "-m", "autograder", f"lessons/{lesson}"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 2
        assert "not available yet" in proc.stderr and "README" in proc.stderr
