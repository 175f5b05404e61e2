"""Each graded lesson's own folders, graded end to end (as exercism proves its exercises).

The reference solution earns every point, with network namespaces and without; the
untouched starter code earns little, and every check it fails says what went wrong and
why, with no grader error. Lesson 04 has the same proofs in test_cli.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ["01", "02"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_rubric_and_checks_name_the_same_ids_and_every_check_says_what_it_does(
    lesson: str,
) -> None:
    from autograder.rubric import rubric_for_lesson
    from autograder.runner import CHECK_SETS

    rubric = rubric_for_lesson(lesson)
    checks = CHECK_SETS[(lesson, "tcp")].checks
    assert [i.id for i in rubric.items] == list(checks)  # same ids, same order
    assert rubric.max_score == 100 and 0 < rubric.passing_score < 100
    for check in checks.values():
        assert check.description, f"{check.id} has no docstring for --list -v"
        assert set(check.depends) <= set(checks), check.id


def grade(folder: str, *extra: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", folder, "--format", "json", "--lang", "en", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=180,
        check=False,
    )
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "ports"])
@pytest.mark.parametrize("lesson", LESSONS)
def test_reference_solution_earns_every_point(lesson: str, isolation: str) -> None:
    code, report = grade(f"solutions/{lesson}", "--isolation", isolation)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], code) == (100, 0), failures


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_starter_earns_little_and_says_why(lesson: str) -> None:
    code, report = grade(f"lessons/{lesson}")
    assert code == 1 and report["score"] < report["passing_score"] / 2, report["score"]
    assert report["lesson"] == lesson
    for check in report["checks"]:
        assert check["status"] != "error", check
        if check["status"] == "failed":
            assert check["message"] and check["hint"] and check["hint_anchor"], check["id"]
