"""The command line contract: exit codes, formats, messages instead of tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_missing_path_exits_2_with_a_message_not_a_traceback() -> None:
    proc = run("no/such/dir", "--lesson", "04")
    assert proc.returncode == 2
    assert "path not found" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout


def test_folder_without_a_server_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    proc = run(str(tmp_path), "--lesson", "04")
    assert proc.returncode == 2 and "no server file" in proc.stderr


def test_within_refuses_a_lesson_folder_that_is_a_link_out_of_the_checkout(
    tmp_path: Path,
) -> None:
    """CI passes the checkout with --within: a pull request that turns lessons/04 into a
    link to the runner's files (or anyone else's) is refused before anything is read."""
    checkout = tmp_path / "checkout"
    (checkout / "lessons").mkdir(parents=True)
    elsewhere = tmp_path / "runner-secrets"
    elsewhere.mkdir()
    (elsewhere / "server.py").write_text("TOKEN = 'runner secret'\n")
    (checkout / "lessons" / "04").symlink_to(elsewhere)
    proc = run(str(checkout / "lessons" / "04"), "--lesson", "04", "--within", str(checkout))
    assert proc.returncode == 2
    assert "outside" in proc.stderr and "submit the folder itself" in proc.stderr
    assert "runner secret" not in proc.stdout + proc.stderr
    real = checkout / "lessons" / "03"  # a folder of its own passes the check
    shutil.copytree(ROOT / "solutions" / "04", real)
    inside = run(str(real), "--lesson", "04", "--within", str(checkout), "-k", "requirements")
    assert inside.returncode == 1 and "outside" not in inside.stderr  # graded (5 of 100)


def test_unknown_lesson_exits_2_and_names_the_available_ones(tmp_path: Path) -> None:
    proc = run(str(tmp_path), "--lesson", "07")
    assert proc.returncode == 2 and "04" in proc.stderr


def test_lesson_cannot_be_guessed_from_an_arbitrary_folder(tmp_path: Path) -> None:
    proc = run(str(tmp_path))
    assert proc.returncode == 2 and "--lesson" in proc.stderr


def test_list_prints_the_rubric_in_both_languages() -> None:
    ru, en = (
        run("--list", "--lesson", "04", "--lang", "ru"),
        run("--list", "--lesson", "04", "--lang", "en"),
    )
    assert ru.returncode == en.returncode == 0
    assert "slow_consumer" in ru.stdout and "клиент, который не читает" in ru.stdout
    assert "a client that stops reading" in en.stdout and "UDP" in en.stdout
    verbose = run("--list", "--lesson", "04", "--lang", "en", "-v")
    assert "SO_LINGER" not in verbose.stdout  # docstrings, not code
    assert "A newcomer's nickname reaches those already in." in verbose.stdout


@pytest.mark.slow
def test_reference_solution_scores_100_and_exits_0() -> None:
    proc = run("solutions/04", "--format", "json")
    report = json.loads(proc.stdout)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], proc.returncode) == (100, 0), failures
    assert report["implementation"] == "tcp"


@pytest.mark.slow
def test_reference_solution_scores_100_without_namespaces_too() -> None:
    proc = run("solutions/04", "--format", "json", "--isolation", "ports")
    report = json.loads(proc.stdout)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], report["isolation"], proc.returncode) == (100, "ports", 0), failures


@pytest.mark.slow
def test_untouched_starter_scores_low_with_actionable_messages(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run("lessons/04", "--format", "json", "--output", str(out))
    report = json.loads(out.read_text(encoding="utf-8"))
    assert proc.returncode == 1 and report["score"] < report["passing_score"]
    statuses = {c["status"] for c in report["checks"]}
    assert "error" not in statuses, report
    for check in report["checks"]:
        if check["status"] == "failed":
            assert check["message"] and check["hint"], check["id"]


@pytest.mark.slow
def test_k_runs_only_the_named_checks_and_text_report_goes_to_stdout() -> None:
    proc = run("solutions/04", "-k", "join", "-k", "broadcast", "--lang", "en")
    assert proc.returncode == 1  # 25 points out of the 100 is below the passing score
    assert "join" in proc.stdout and "broadcast" in proc.stdout and "framing" not in proc.stdout
    assert "Total: 25/25" in proc.stdout


def test_unknown_check_id_exits_2() -> None:
    proc = run("solutions/04", "-k", "nonsense")
    assert proc.returncode == 2 and "no such check" in proc.stderr


def test_lessons_without_checks_yet_say_so(tmp_path: Path) -> None:
    """A course lesson whose rubric is missing says so (exit 2), whichever lessons have
    rubrics today: the grader runs here with only lesson 04's rubric installed."""
    rubrics = tmp_path / "rubrics"
    rubrics.mkdir()
    (rubrics / "04.toml").write_bytes((ROOT / "autograder" / "rubrics" / "04.toml").read_bytes())
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; import autograder.rubric as r; "
            "r.RUBRICS = Path(sys.argv[1]); from autograder.cli import main; "
            "sys.exit(main(sys.argv[2:]))",
            str(rubrics),
            "lessons/02",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2
    assert "not available yet" in proc.stderr and "README" in proc.stderr


@pytest.mark.slow
def test_lesson_03_solution_scores_100_and_its_starter_scores_low() -> None:
    proc = run("solutions/03", "--format", "json")
    report = json.loads(proc.stdout)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], proc.returncode) == (100, 0), failures
    assert report["implementation"] == "udp" and report["cap_percent"] == 100
    proc = run("lessons/03", "--format", "json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and report["score"] < report["passing_score"]
    assert "error" not in {c["status"] for c in report["checks"]}, report
    for check in report["checks"]:
        if check["status"] == "failed":
            assert check["message"] and check["hint"] and check["hint_anchor"], check["id"]


@pytest.mark.slow
def test_lesson_03_solution_scores_100_without_namespaces_too() -> None:
    proc = run("solutions/03", "--format", "json", "--isolation", "ports")
    report = json.loads(proc.stdout)
    failures = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
    assert (report["score"], report["isolation"], proc.returncode) == (100, "ports", 0), failures


@pytest.mark.slow
def test_parallel_gradings_of_hard_coded_port_9090_do_not_collide() -> None:
    """Two servers that both bind 127.0.0.1:9090, graded at the same moment, both pass."""
    folder = "tests/submissions/04-no-reuseaddr"  # hard-coded 9090, no SO_REUSEADDR
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "autograder", folder, "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    reports = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert [r["score"] for r in reports] == [100, 100], [
        [c["message"] for c in r["checks"] if c["status"] != "passed"] for r in reports
    ]


def test_missing_dependencies_give_an_install_hint_not_a_traceback(tmp_path: Path) -> None:
    # A sitecustomize that hides rich and psutil, as on an interpreter the course was
    # never installed into.
    (tmp_path / "sitecustomize.py").write_text(
        "import importlib.abc, sys\n"
        "class Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('rich', 'psutil'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Hide())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "solutions/04"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"},
    )
    assert proc.returncode == 2
    assert "missing rich, psutil" in proc.stderr and "pip install" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_output_that_is_not_a_terminal_is_the_report_alone_in_order() -> None:
    """CI logs and `> file`: the header first, each check's line once, in the rubric's
    order, then the total; no progress line on either stream."""
    proc = run("solutions/04", "-k", "join", "-k", "broadcast", "-k", "starts", "--lang", "en")
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Grading solutions/04"), lines[:2]
    assert "Python 3." in lines[0]  # which interpreter ran the student's programs
    check_lines = [
        ln.split()[1] for ln in lines[1:] if ln.startswith(" ✓ ") or ln.startswith(" ✗ ")
    ]
    assert check_lines == ["starts", "join", "broadcast"]
    assert lines[len(check_lines) + 1].startswith("Total:")
    assert proc.stderr == ""


def test_json_names_the_students_python_and_each_hints_anchor(tmp_path: Path) -> None:
    proc = run("tests/submissions/04-syntax-error", "--format", "json", "-k", "requirements")
    report = json.loads(proc.stdout)
    assert report["python"]["version"].startswith("3.") and report["python"]["path"]
    (check,) = report["checks"]
    assert check["status"] == "failed" and check["hint_anchor"] == "syntax-error"
    assert check["docs"].endswith("#syntax-error")
