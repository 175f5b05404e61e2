"""Every grader check proven both ways: each known submission gets exactly its verdicts.

Grades each folder under tests/submissions/ with the real command line and compares the
JSON report against the folder's expected.toml (see tests/submissions/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = sorted(
    p for p in (ROOT / "tests" / "submissions").iterdir() if (p / "expected.toml").exists()
)


def grade(folder: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict, float]:
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            str(folder),
            "--format",
            "json",
            "--lang",
            "en",
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=180,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert proc.stdout.strip(), f"no JSON on stdout; stderr:\n{proc.stderr}"
    return proc.returncode, json.loads(proc.stdout), elapsed


def student_python_version() -> tuple[int, ...]:
    from autograder.sandbox import student_python
    from autograder.source import python_version

    return tuple(int(p) for p in python_version(student_python()[0]).split(".")[:2])


@pytest.mark.slow
@pytest.mark.parametrize("folder", SUBMISSIONS, ids=[p.name for p in SUBMISSIONS])
def test_submission_gets_its_verdicts(folder: Path) -> None:
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    below = expected.get("student_python_below")
    if below and student_python_version() >= tuple(int(p) for p in below.split(".")):
        pytest.skip(
            f"{folder.name} proves a hint about syntax newer than Python {below}, but the "
            f"student programs here run on Python {'.'.join(map(str, student_python_version()))}"
        )
    code, report, elapsed = grade(folder)
    got = {c["id"]: c["status"] for c in report["checks"]}
    explain = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert got == expected["verdicts"], f"{folder.name}: {explain}"
    # Every failure's hint is proven too: the docs section it sends the student to.
    anchors = {c["id"]: c["hint_anchor"] for c in report["checks"] if c["status"] == "failed"}
    assert anchors == expected.get("hints", {}), f"{folder.name}: hints {anchors}"
    for check_id, points in expected.get("points", {}).items():
        actual = next(c["points"] for c in report["checks"] if c["id"] == check_id)
        assert actual == points, f"{folder.name}: {check_id} earned {actual}, expected {points}"
    if "implementation" in expected:
        assert report["implementation"] == expected["implementation"]
    assert_hint_words(folder.name, expected, report)
    assert code == expected["exit_code"], f"{folder.name}: exit {code}, score {report['score']}"
    assert elapsed < expected.get("max_seconds", 60), f"{folder.name}: took {elapsed:.1f}s"


def assert_hint_words(name: str, expected: dict, report: dict) -> None:
    """The optional word tables of expected.toml, on the English JSON report: the evidence
    a failed check must name (`hint_says`: in its message, expected, received or hint),
    the false claim its hint must not make (`hint_not_says`), and words no field of the
    report may contain (`report_not_says.en`, e.g. the grader's own file names)."""
    checks = {c["id"]: c for c in report["checks"]}
    for check_id, phrases in expected.get("hint_says", {}).items():
        check = checks[check_id]
        said = " ".join(
            str(check.get(k) or "") for k in ("message", "expected", "received", "hint")
        )
        missing = [p for p in phrases if p.casefold() not in said.casefold()]
        assert not missing, f"{name}: {check_id} does not name {missing}: {said}"
    for check_id, phrases in expected.get("hint_not_says", {}).items():
        hint = checks[check_id].get("hint") or ""
        wrong = [p for p in phrases if p.casefold() in hint.casefold()]
        assert not wrong, f"{name}: {check_id}'s hint still says {wrong}: {hint}"
    whole = json.dumps(report, ensure_ascii=False)
    wrong = [p for p in expected.get("report_not_says", {}).get("en", []) if p in whole]
    assert not wrong, f"{name}: the report contains {wrong}"


def has_russian_words(folder: Path) -> bool:
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    return "ru" in expected.get("report_says", {}) or "ru" in expected.get("report_not_says", {})


RUSSIAN_WORDS = [p for p in SUBMISSIONS if has_russian_words(p)]


@pytest.mark.slow
@pytest.mark.parametrize("folder", RUSSIAN_WORDS, ids=[p.name for p in RUSSIAN_WORDS])
def test_russian_report_words(folder: Path) -> None:
    """The Russian terminal report says what it should in Russian (`report_says.ru`) and
    none of the wrong words (`report_not_says.ru`: an untranslated role, a clumsy phrase)."""
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", str(folder), "--lang", "ru"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=180,
        check=False,
    )
    text = proc.stdout
    assert text.strip(), f"no report on stdout; stderr:\n{proc.stderr}"
    missing = [p for p in expected.get("report_says", {}).get("ru", []) if p not in text]
    wrong = [p for p in expected.get("report_not_says", {}).get("ru", []) if p in text]
    assert not missing and not wrong, f"{folder.name}: missing {missing}, wrong {wrong}"


def test_every_submission_names_every_check() -> None:
    """A verdict file that forgets a check would let that check go unproven."""
    from autograder.lessons import rubric_for_lesson

    for folder in SUBMISSIONS:
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        rubric = rubric_for_lesson(folder.name[:2])
        items = rubric.items_for(expected.get("implementation", "tcp"))
        assert set(expected["verdicts"]) == {i.id for i in items}, folder.name


def test_every_failed_verdict_declares_its_hint() -> None:
    """A failure without a declared hint would let a wrong hint go unnoticed."""
    for folder in SUBMISSIONS:
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        failed = {k for k, v in expected["verdicts"].items() if v == "failed"}
        assert set(expected.get("hints", {})) == failed, folder.name


def test_lesson_03_failed_verdicts_declare_their_points() -> None:
    """Lesson 03's verdict files state the exact points of every failed check (partial
    credit proven too, not only pass or fail)."""
    for folder in SUBMISSIONS:
        if not folder.name.startswith("03-"):
            continue
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        failed = {k for k, v in expected["verdicts"].items() if v == "failed"}
        assert failed <= set(expected.get("points", {})), folder.name


def test_every_check_is_failed_by_some_submission() -> None:
    """No check that cannot fail: each check of every lesson's rubric (for lesson 04, its
    TCP checks) has a submission that fails it. A check a lesson reuses as it is (lesson
    05 runs lesson 04's server checks: the very same function) is proven by the
    submissions of the lesson it comes from."""
    from autograder.lessons import available_lessons, check_set, rubric_for_lesson

    failed: dict[tuple[str, str], set[str]] = {}
    for folder in SUBMISSIONS:
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        key = (folder.name[:2], expected.get("implementation", "tcp"))
        failed.setdefault(key, set()).update(
            k for k, v in expected["verdicts"].items() if v == "failed"
        )
    failing_functions = set()
    for (lesson, implementation), ids in failed.items():
        checks = check_set(lesson, implementation)
        if checks is not None:
            failing_functions |= {checks.checks[i].function for i in ids if i in checks.checks}
    for lesson in available_lessons():
        rubric = rubric_for_lesson(lesson)
        checks = check_set(lesson, rubric.implementation)
        assert checks is not None
        proven = failed.get((lesson, rubric.implementation), set())
        unproven = {
            i.id
            for i in rubric.items
            if i.id not in proven and checks.checks[i.id].function not in failing_functions
        }
        assert not unproven, f"lesson {lesson}: no submission fails {sorted(unproven)}"


def test_lesson_05s_own_checks_are_failed_by_its_own_submissions() -> None:
    """What lesson 05 is about is proven by lesson 05's submissions, not borrowed."""
    failed = set()
    for folder in SUBMISSIONS:
        if folder.name.startswith("05-"):
            expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
            failed |= {k for k, v in expected["verdicts"].items() if v == "failed"}
    assert {"slow_consumer", "slow_reader", "bounded_memory", "many_connections"} <= failed


@pytest.mark.slow
@pytest.mark.parametrize("name", ["04-classic", "01-tutorial", "02-ping-pong"])
def test_fallback_isolation_gives_a_fixed_port_submission_the_same_verdicts(name: str) -> None:
    """Without namespaces every check shares the host's ports: a server and client that
    hard-code their port (9091 without SO_REUSEADDR; the tutorial's 65432; 12345 for a
    two-user chat whose checks start the server several times) must still get exactly
    their verdicts and hints."""
    folder = ROOT / "tests" / "submissions" / name
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    code, report, _ = grade(folder, "--isolation", "ports")
    assert report["isolation"] == "ports"
    got = {c["id"]: c["status"] for c in report["checks"]}
    explain = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert got == expected["verdicts"], explain
    anchors = {c["id"]: c["hint_anchor"] for c in report["checks"] if c["status"] == "failed"}
    assert anchors == expected["hints"]
    assert code == expected["exit_code"]
