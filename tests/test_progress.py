"""The course at a glance: what a grading records, where, when not, and the overview table.

Pure parts (the store, the rules, the table) on hand-made reports; then the real command
line in a small course folder made in tmp: grade two lessons, run `python -m autograder`
with no folder, read the table and the next step.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from autograder import progress_store
from autograder.hints import lesson04 as hints
from autograder.i18n import Text
from autograder.lessons import available_lessons, rubric_for_lesson
from autograder.overview import render_overview
from autograder.results import CheckResult, GradeReport

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"


def make_course(tmp_path: Path) -> Path:
    """A copy of the course as a student has it, without the grader: lessons/ and a
    pyproject.toml that names the course."""
    root = tmp_path / "course"
    (root / "lessons").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "socket-chat-course"\n')
    return root


def put_lesson(root: Path, lesson: str, source: Path) -> Path:
    folder = root / "lessons" / lesson
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for file in source.glob("*.py"):
        shutil.copy(file, folder / file.name)
    return folder


def report_for(folder: Path, lesson: str, failing: dict[str, float] | None = None) -> GradeReport:
    """Every check passed, except those in `failing` (id -> points earned), each failed
    with the join-notice hint."""
    rubric = rubric_for_lesson(lesson)
    checks = []
    for item in rubric.items:
        if failing and item.id in failing:
            checks.append(
                CheckResult(
                    item.id,
                    item.title,
                    item.group,
                    "failed",
                    failing[item.id],
                    item.points,
                    message=Text("строки склеились", "the lines ran together"),
                    hint=hints.NO_JOIN_NOTICE,
                )
            )
        else:
            checks.append(
                CheckResult(item.id, item.title, item.group, "passed", item.points, item.points)
            )
    return GradeReport(folder, rubric, "tcp", "netns", checks, 1.0)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a student's machine: no CI, recording not switched off."""
    monkeypatch.delenv("AUTOGRADER_NO_RECORD", raising=False)
    monkeypatch.delenv("CI", raising=False)


def overview_text(root: Path, lang: str = "en") -> str:
    out = io.StringIO()
    render_overview(root, Console(file=out, width=160, no_color=True), lang, cwd=root)
    return out.getvalue()


# --- where the course is -----------------------------------------------------------------
def test_the_course_root_is_found_from_any_folder_inside_it(tmp_path: Path) -> None:
    root = make_course(tmp_path)
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    assert progress_store.find_course_root(folder) == root.resolve()
    assert progress_store.find_course_root(root) == root.resolve()
    assert progress_store.find_course_root(ROOT / "autograder") == ROOT
    assert progress_store.find_course_root(tmp_path) is None


def test_a_folder_with_lessons_but_another_project_is_not_the_course(tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / "lessons").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "someone-elses"\n')
    assert progress_store.find_course_root(other / "lessons") is None


# --- what is recorded, and when not --------------------------------------------------------
def test_a_complete_grading_of_a_lesson_folder_is_recorded_outside_it(
    tmp_path: Path, recording: None
) -> None:
    root = make_course(tmp_path)
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    store = progress_store.record_grading(report_for(folder, "04", {"framing": 0}))
    assert store == root.resolve() / ".autograder" / "progress.json"
    assert not any(p.name.startswith(".autograder") for p in folder.iterdir())  # not handed in
    assert (root / ".autograder" / ".gitignore").read_text().splitlines()[-1] == "*"
    record = progress_store.load_progress(root)["04"]
    assert (record.score, record.passed, record.folder) == (92, True, "lessons/04")
    assert record.first_failure == "framing" and record.statuses["framing"] == "failed"
    assert record.first_failure_message == Text("строки склеились", "the lines ran together")


def test_the_newest_grading_of_a_lesson_replaces_the_older(tmp_path: Path, recording: None) -> None:
    root = make_course(tmp_path)
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    progress_store.record_grading(report_for(folder, "04", {"framing": 0, "join": 0}))
    progress_store.record_grading(report_for(folder, "04"))
    assert progress_store.load_progress(root)["04"].score == 100


@pytest.mark.parametrize(
    ("why", "kwargs", "env"),
    [
        ("-k", {"partial": True}, {}),
        ("--rubric", {"custom_rubric": True}, {}),
        ("--no-record", {"requested": False}, {}),
        ("CI", {}, {"CI": "true"}),
        ("AUTOGRADER_NO_RECORD", {}, {"AUTOGRADER_NO_RECORD": "1"}),
    ],
)
def test_nothing_is_recorded_when(
    why: str,
    kwargs: dict[str, bool],
    env: dict[str, str],
    tmp_path: Path,
    recording: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    root = make_course(tmp_path)
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    assert progress_store.record_grading(report_for(folder, "04"), **kwargs) is None, why
    assert not (root / ".autograder").exists()


def test_an_interrupted_grading_or_a_folder_outside_lessons_is_not_recorded(
    tmp_path: Path, recording: None
) -> None:
    root = make_course(tmp_path)
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    interrupted = report_for(folder, "04")
    interrupted.interrupted = True
    assert progress_store.record_grading(interrupted) is None
    elsewhere = tmp_path / "04-my-chat"
    shutil.copytree(folder, elsewhere)
    assert progress_store.record_grading(report_for(elsewhere, "04")) is None
    wrong_lesson = report_for(folder, "03")  # lessons/04 graded with --lesson 03
    assert progress_store.record_grading(wrong_lesson) is None
    assert not (root / ".autograder").exists()


def test_a_store_that_cannot_be_written_does_not_raise(tmp_path: Path, recording: None) -> None:
    """As in a read-only checkout (the tests run as root, which writes through file
    modes, so the folder is made impossible instead: a file stands where it would be)."""
    root = make_course(tmp_path)
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    (root / ".autograder").write_text("a file where the folder should be")
    assert progress_store.record_grading(report_for(folder, "04")) is None


def test_a_broken_store_reads_as_no_gradings(tmp_path: Path) -> None:
    root = make_course(tmp_path)
    (root / ".autograder").mkdir()
    (root / ".autograder" / "progress.json").write_text("{not json")
    assert progress_store.load_progress(root) == {}
    (root / ".autograder" / "progress.json").write_text(
        json.dumps({"lessons": {"04": {"lesson": "04"}, "01": "nonsense"}})
    )
    assert progress_store.load_progress(root) == {}
    assert "not graded yet" in overview_text(root)


# --- the overview --------------------------------------------------------------------------
def test_the_overview_lists_every_lesson_with_a_rubric(tmp_path: Path) -> None:
    text = overview_text(make_course(tmp_path))
    for lesson in available_lessons():
        assert rubric_for_lesson(lesson).title("en") in text
    assert text.count("not graded yet") == len(available_lessons())
    assert "Next: lesson 01" in text and "lessons/01/README.en.md" in text


def test_the_next_step_is_the_first_lesson_not_passed_with_its_first_failure(
    tmp_path: Path, recording: None
) -> None:
    root = make_course(tmp_path)
    for lesson in ("01", "02", "03"):
        folder = put_lesson(root, lesson, ROOT / "solutions" / lesson)
        progress_store.record_grading(report_for(folder, lesson))
    folder = put_lesson(root, "04", ROOT / "solutions" / "04")
    report = report_for(folder, "04", {"join": 0, "broadcast": 0, "leave": 0, "framing": 2})
    progress_store.record_grading(report)
    text = overview_text(root)
    assert text.count("✓ passed") == 3 and "59/100" in text and "not passed (60 needed)" in text
    assert "Next: lesson 04 «Multi-user TCP chat» — 59/100, 60 needed." in text
    assert "First failed check: ✗ join — others see a newcomer join" in text
    assert "the lines ran together" in text
    assert "Read more: docs/common-bugs.en.md#join-leave-notices" in text
    assert "python -m autograder lessons/04 --watch" in text
    ru = overview_text(root, "ru")
    assert "Дальше: урок 04" in ru and "Первая непройденная проверка: ✗ join" in ru


def test_a_lesson_edited_after_its_grading_says_so(tmp_path: Path, recording: None) -> None:
    root = make_course(tmp_path)
    folder = put_lesson(root, "01", ROOT / "solutions" / "01")
    progress_store.record_grading(report_for(folder, "01"))
    assert "files edited since" not in overview_text(root)
    later = (datetime.now() + timedelta(minutes=5)).timestamp()
    os.utime(folder / "server.py", (later, later))
    assert "files edited since" in overview_text(root)


def test_every_lesson_passed_says_so(tmp_path: Path, recording: None) -> None:
    root = make_course(tmp_path)
    for lesson in available_lessons():
        folder = put_lesson(root, lesson, ROOT / "solutions" / lesson)
        progress_store.record_grading(report_for(folder, lesson))
    text = overview_text(root)
    assert "Every lesson is passed" in text and "Next:" not in text


# --- the command line ----------------------------------------------------------------------
def run(*args: str, cwd: Path, record: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if record:
        env.pop("AUTOGRADER_NO_RECORD", None)
        env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=180,
        check=False,
        env=env,
    )


def test_no_folder_outside_the_course_is_a_usage_message(tmp_path: Path) -> None:
    proc = run(cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "python -m autograder lessons/04" in proc.stderr
    assert "not inside the course repository" in proc.stderr


def test_the_overview_is_text_only(tmp_path: Path) -> None:
    proc = run("--format", "json", cwd=make_course(tmp_path))
    assert proc.returncode == 2 and "text only" in proc.stderr


@pytest.mark.slow
def test_after_grading_two_lessons_the_overview_shows_both_and_the_next_step(
    tmp_path: Path,
) -> None:
    root = make_course(tmp_path)
    put_lesson(root, "01", SUBMISSIONS / "01-prints-only")  # fails lesson 01
    put_lesson(root, "04", ROOT / "solutions" / "04")
    expected = json.loads(
        run("lessons/01", "--format", "json", "--lang", "en", cwd=root).stdout or "null"
    )
    assert expected is not None and not expected["passed"]
    first_failed = next(c for c in expected["checks"] if c["status"] in ("failed", "error"))
    assert run("lessons/04", "--lang", "en", cwd=root).returncode == 0
    # A run that must not count: a -k grading of lesson 04 that fails.
    put_lesson(root, "04", SUBMISSIONS / "04-syntax-error")
    assert run("lessons/04", "-k", "requirements", cwd=root).returncode == 1

    proc = run("--lang", "en", cwd=root / "lessons")  # from a folder inside the course
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    rows = {line.split()[0]: line for line in text.splitlines() if re.match(r"\s*\d\d\s", line)}
    assert f"{expected['score']}/100" in rows["01"] and "not passed" in rows["01"]
    assert "100/100" in rows["04"] and "✓ passed" in rows["04"]
    assert "not graded yet" in rows["02"] and "not graded yet" in rows["03"]
    assert "Next: lesson 01 «TCP echo server and client»" in text
    assert f"First failed check: ✗ {first_failed['id']}" in text
    if first_failed["docs"]:
        assert f"Read more: {first_failed['docs']}" in text
    assert "python -m autograder 01 --watch" in text  # the folder as seen from lessons/
    assert not any(p.name == ".autograder" for p in (root / "lessons" / "01").iterdir())

    # Fixed and graded again: lesson 01 passes, the next step moves on to lesson 02.
    put_lesson(root, "01", ROOT / "solutions" / "01")
    assert run("lessons/01", cwd=root).returncode == 0
    text = run("--lang", "en", cwd=root).stdout
    assert "Next: lesson 02 «Two-user console chat»" in text
    assert "lessons/02/README.en.md" in text


@pytest.mark.slow
def test_batch_and_ci_gradings_leave_no_record(tmp_path: Path) -> None:
    root = make_course(tmp_path)
    put_lesson(root, "01", ROOT / "solutions" / "01")
    env_ci = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true"}
    env_ci.pop("AUTOGRADER_NO_RECORD", None)
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "lessons/01", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=180,
        check=False,
        env=env_ci,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout)["score"] == 100
    assert not (root / ".autograder").exists()
    proc = run("batch", "lessons/01", "--lesson", "01", "-o", str(tmp_path / "book.csv"), cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert not (root / ".autograder").exists()
