"""CI and platform formats, each read back with a real parser.

The formats are pure functions of a GradeReport, so most tests build reports here (no
network, no grading) and parse what comes out: JUnit with xml.etree, Gradescope's
results.json against a JSON Schema written from its specification, the GitHub Classroom
result as its reporter decodes it (base64, then JSON), Markdown with markdown-it (the
CommonMark parser rich already depends on). The end-to-end tests at the bottom grade a
real submission once through the command line and read every format it wrote.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib
from markdown_it import MarkdownIt

from autograder.cli import UsageError, report_destinations
from autograder.formats import (
    RENDERERS,
    to_classroom,
    to_classroom_base64,
    to_gradescope,
    to_junit_xml,
    to_markdown,
)
from autograder.hints.common import SPLIT_CHARACTER
from autograder.i18n import Text
from autograder.lessons import rubric_for_lesson
from autograder.results import CheckResult, GradeReport
from autograder.verdicts import StepResult

ROOT = Path(__file__).resolve().parent.parent
GRADESCOPE_SCHEMA = json.loads(
    (ROOT / "tests" / "schemas" / "gradescope-results.schema.json").read_text(encoding="utf-8")
)
# What a hostile or clumsy program may print: NUL and ESC (not XML), a fence and HTML
# that would end a Markdown block early, and a table separator.
NASTY = "boom\x00\x1b[31m red\n```\n</details><script>alert(1)</script> | cell |\n"


def build_report(implementation: str = "tcp", interrupted: bool = False) -> GradeReport:
    """A lesson 04 report: a partial-credit failure, a skipped check, an error, passes."""
    rubric = rubric_for_lesson("04")
    checks = []
    for item in rubric.items_for(implementation):
        common = (item.id, item.title, item.group)
        if item.id == "utf8":
            checks.append(
                CheckResult(
                    *common,
                    "failed",
                    2.5,
                    item.points,
                    message=Text("символ разрезан", "a character was split"),
                    expected=Text('у bob строка "alice: ёлка"', 'bob gets "alice: ёлка"'),
                    received="alice: \ufffd\ufffdлка",
                    hint=SPLIT_CHARACTER,
                    transcript=[(0.01, "alice", Text('отправляет b"\\xd1"', 'sends b"\\xd1"'))],
                    stderr="Traceback (most recent call last):\nUnicodeDecodeError: " + NASTY,
                    steps=[
                        StepResult(Text("целиком", "whole"), 0.5, True),
                        StepResult(Text("разрезан", "split"), 0.5, False),
                    ],
                    duration_s=1.25,
                )
            )
        elif item.id == "join":
            checks.append(
                CheckResult(
                    *common,
                    "skipped",
                    0.0,
                    item.points,
                    message=Text("пропущена: «starts»", "skipped: check 'starts' did not pass"),
                )
            )
        elif item.id == "client_receives":
            checks.append(
                CheckResult(
                    *common,
                    "error",
                    0.0,
                    item.points,
                    message=Text("проверка остановлена", "the check overran its 60s deadline"),
                    program="client",
                    stdout="hello ``` world\n",
                )
            )
        else:
            checks.append(CheckResult(*common, "passed", float(item.points), item.points))
    return GradeReport(
        Path("students/alice"),
        rubric,
        implementation,
        "netns",
        checks,
        12.34,
        cap_percent=rubric.udp_cap_percent if implementation == "udp" else 100,
        interrupted=interrupted,
        python="/usr/bin/python3",
        python_version="3.11.2",
    )


# --- JUnit XML --------------------------------------------------------------------------
def test_junit_has_one_testcase_per_check_with_points_and_failure_details() -> None:
    report = build_report()
    root = ET.fromstring(to_junit_xml(report, "en"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name", "").split(":")[0] for c in cases] == [c.id for c in report.checks]
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("15", "1", "1")
    assert suite.get("skipped") == "1" and root.get("tests") == "15"
    suite_props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert suite_props["score"] == str(report.score) and suite_props["max_score"] == "100"
    assert suite_props["passing_score"] == "60" and suite_props["passed"] == "true"

    utf8 = next(c for c in cases if c.get("name", "").startswith("utf8:"))
    props = {p.get("name"): p.get("value") for p in utf8.iter("property")}
    assert (props["points"], props["max_points"], props["status"]) == ("2.5", "5", "failed")
    assert utf8.get("classname") == "lesson04.robustness" and utf8.get("time") == "1.250"
    failure = utf8.find("failure")
    assert failure is not None
    assert failure.get("message") == "a character was split"
    assert failure.get("type") == "split-utf8"
    body = failure.text or ""
    assert 'alice: sends b"\\xd1"' in body  # the transcript
    assert "Expected:" in body and "ёлка" in body and "Received:" in body
    assert "Likely bug:" in body and "common-bugs.en.md#split-utf8" in body
    assert "Also failed" not in body  # the only failed step is the one shown
    system_err = utf8.find("system-err")
    assert system_err is not None and "UnicodeDecodeError" in (system_err.text or "")

    join = next(c for c in cases if c.get("name", "").startswith("join:"))
    skipped = join.find("skipped")
    assert skipped is not None and "starts" in (skipped.get("message") or "")
    error = next(c for c in cases if c.get("name", "").startswith("client_receives:"))
    assert error.find("error") is not None and error.find("failure") is None
    passed = next(c for c in cases if c.get("name", "").startswith("broadcast:"))
    assert [child.tag for child in passed] == ["properties"]


def test_junit_survives_output_that_xml_cannot_hold() -> None:
    text = to_junit_xml(build_report(), "ru")
    assert "\x00" not in text and "\x1b" not in text
    root = ET.fromstring(text)  # raises on any character XML forbids
    err = next(e.text or "" for e in root.iter("system-err"))
    assert "boom[31m red" in err and "</details><script>" in err  # escaped, kept as text
    assert "символ разрезан" in ET.tostring(root, encoding="unicode")


def test_junit_of_an_interrupted_grading_says_so() -> None:
    root = ET.fromstring(to_junit_xml(build_report(interrupted=True), "en"))
    props = {p.get("name"): p.get("value") for p in root.find("testsuite").iter("property")}  # type: ignore[union-attr]
    assert props["interrupted"] == "true" and props["passed"] == "false"


# --- Gradescope ---------------------------------------------------------------------------
@pytest.mark.parametrize("implementation", ["tcp", "udp"])
def test_gradescope_results_match_the_specification(implementation: str) -> None:
    report = build_report(implementation)
    results = json.loads(json.dumps(to_gradescope(report, "en")))
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == report.score  # the top-level score carries the UDP cap
    assert [t["max_score"] for t in results["tests"]] == [c.max_points for c in report.checks]
    assert sum(t["max_score"] for t in results["tests"]) == 100
    statuses = {t["name"].split(":")[0]: t["status"] for t in results["tests"]}
    assert statuses["broadcast"] == "passed" and statuses["utf8"] == "failed"
    assert statuses["requirements"] == "passed"
    utf8 = next(t for t in results["tests"] if t["name"].startswith("utf8:"))
    assert utf8["score"] == 2.5 and "Likely bug" in utf8["output"]
    assert results["extra_data"]["max_score"] == 100
    assert results["extra_data"]["passing_score"] == 60


def test_gradescope_caps_a_udp_chat_at_80_percent() -> None:
    report = build_report("udp")
    results = to_gradescope(report, "ru")
    assert report.cap_percent == 80
    assert results["score"] == round(sum(t["score"] for t in results["tests"]) * 0.8, 1)
    assert "80%" in results["output"]


def test_the_schema_rejects_what_gradescope_does_not_define() -> None:
    """The schema test is not vacuous: an invented key or a bad status fails it."""
    results = to_gradescope(build_report(), "en")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**results, "max_points": 100}, GRADESCOPE_SCHEMA)
    bad_test = {**results["tests"][0], "status": "error"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**results, "tests": [bad_test]}, GRADESCOPE_SCHEMA)


# --- GitHub Classroom ----------------------------------------------------------------------
def reporter_decode(encoded: str) -> dict:
    """What autograding-grading-reporter does with `<RUNNER>_RESULTS`: base64, then JSON."""
    return json.loads(base64.b64decode(encoded).decode("utf-8"))


def test_classroom_result_is_what_the_reporter_reads() -> None:
    report = build_report()
    result = reporter_decode(to_classroom_base64(report, "ru"))
    assert result == json.loads(json.dumps(to_classroom(report, "ru")))
    assert set(result) == {"version", "status", "max_score", "tests"}
    assert (result["version"], result["status"], result["max_score"]) == (1, "pass", 100)
    for test in result["tests"]:
        assert set(test) == {
            "name",
            "status",
            "score",
            "message",
            "test_code",
            "filename",
            "line_no",
            "duration",
        }
        assert test["status"] in {"pass", "fail", "error"}
    by_id = {t["name"].split(":")[0]: t for t in result["tests"]}
    assert by_id["utf8"]["status"] == "fail" and by_id["utf8"]["score"] == 2.5
    assert by_id["utf8"]["duration"] == 1250  # milliseconds, as the runner actions write
    assert "ёлка" in by_id["utf8"]["message"]
    assert by_id["join"]["status"] == "fail" and by_id["client_receives"]["status"] == "error"
    assert by_id["client_receives"]["filename"] == "client.py"
    assert by_id["utf8"]["test_code"].endswith("--lesson 04 -k utf8")
    # The reporter's total is the sum of the tests' scores: the report's score.
    assert sum(t["score"] for t in result["tests"]) == pytest.approx(report.score)


def test_classroom_status_fails_below_the_passing_score_and_applies_the_udp_cap() -> None:
    report = build_report("udp")
    for check in report.checks:
        if check.id in ("broadcast", "leave", "join"):
            check.status, check.points = "failed", 0.0
    assert not report.passed
    result = to_classroom(report, "en")
    assert result["status"] == "fail"
    assert sum(t["score"] for t in result["tests"]) == pytest.approx(report.score, abs=0.05)
    assert to_classroom(build_report(interrupted=True), "en")["status"] == "error"


# --- Markdown -------------------------------------------------------------------------------
def test_markdown_has_a_row_per_check_and_a_block_per_failure() -> None:
    report = build_report()
    text = to_markdown(report, "en", docs_base="https://github.com/o/r/blob/abc")
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + len(report.checks)  # the header row, then a row per check
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<details>") == 2  # utf8 (failed) and client_receives (error)
    assert "<summary>❌ <code>utf8</code>" in html
    assert "https://github.com/o/r/blob/abc/docs/common-bugs.md#split-utf8" in html
    heading = text.splitlines()[0]
    assert heading.startswith("### ✅") and "75.5/100 — passed" in heading


def test_markdown_keeps_a_programs_output_inside_its_block() -> None:
    """Backticks, </details> and <script> printed by a student stay text in a code block."""
    html = MarkdownIt("commonmark").enable("table").render(to_markdown(build_report(), "ru"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("</details>") == 2  # none came from the student's output
    assert "<td>" in html and "| cell |" not in html.split("<table>")[1].split("</table>")[0]
    assert "Вероятная ошибка" in html


# --- which report goes where ---------------------------------------------------------------
def test_one_report_on_stdout_and_output_names_its_file() -> None:
    assert report_destinations(None, None) == [("text", None)]
    assert report_destinations([("json", None)], Path("r.json")) == [("json", Path("r.json"))]
    assert report_destinations([("junit", Path("r.xml")), ("json", None)], None) == [
        ("junit", Path("r.xml")),
        ("json", None),
    ]
    with pytest.raises(UsageError, match="only one report"):
        report_destinations([("json", None), ("junit", None)], None)
    with pytest.raises(UsageError, match="--output"):
        report_destinations([("json", Path("a")), ("junit", Path("b"))], Path("c"))
    with pytest.raises(UsageError, match="same file"):
        report_destinations([("json", Path("a")), ("junit", Path("a"))], None)


def test_every_format_renders_every_report() -> None:
    for implementation in ("tcp", "udp"):
        for lang in ("ru", "en"):
            for name, render in RENDERERS.items():
                assert render(build_report(implementation), lang).strip(), name


# --- end to end: one real grading, every format -----------------------------------------------
SUBMISSION = ROOT / "tests" / "submissions" / "04-no-join"
CHECKS = ("starts", "join", "broadcast", "client_sends")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    """One grading of a known submission through the CLI, every format at once."""
    out = tmp_path_factory.mktemp("formats")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(out / "step-summary.md"),
        "GITHUB_OUTPUT": str(out / "github-output.txt"),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "course/chat",
        "GITHUB_SHA": "0123abc",
    }
    args = [f"--format={name}={out / name}" for name in RENDERERS]
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", str(SUBMISSION), "--lang", "en"]
        + [arg for check in CHECKS for arg in ("-k", check)]
        + args
        + ["--format", "text"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    return proc, out


def expected_statuses() -> dict[str, str]:
    verdicts = tomllib.loads((SUBMISSION / "expected.toml").read_text(encoding="utf-8"))
    return {check: verdicts["verdicts"][check] for check in CHECKS}


@pytest.mark.slow
def test_cli_writes_json_and_the_text_report_together(graded) -> None:
    proc, out = graded
    assert proc.returncode == 1, proc.stderr  # 4 checks' points are below the passing score
    report = json.loads((out / "json").read_text(encoding="utf-8"))
    assert {c["id"]: c["status"] for c in report["checks"]} == expected_statuses()
    assert proc.stdout.startswith("Grading") and "Total:" in proc.stdout  # text on stdout


@pytest.mark.slow
def test_cli_junit_on_a_real_grading(graded) -> None:
    _, out = graded
    suite = ET.parse(out / "junit").getroot().find("testsuite")
    assert suite is not None
    statuses = {
        c.get("name", "").split(":")[0]: next(
            (p.get("value") for p in c.iter("property") if p.get("name") == "status"), None
        )
        for c in suite.findall("testcase")
    }
    assert statuses == expected_statuses()
    join = next(c for c in suite.findall("testcase") if c.get("name", "").startswith("join:"))
    failure = join.find("failure")
    assert failure is not None and "bob: connects" in (failure.text or "")
    assert failure.get("type") == "join-leave-notices"


@pytest.mark.slow
def test_cli_gradescope_on_a_real_grading(graded) -> None:
    _, out = graded
    results = json.loads((out / "gradescope").read_text(encoding="utf-8"))
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    failed = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {k for k, v in expected_statuses().items() if v != "passed"}


@pytest.mark.slow
def test_cli_classroom_on_a_real_grading_sets_the_step_output(graded) -> None:
    _, out = graded
    plain = json.loads((out / "classroom").read_text(encoding="utf-8"))
    encoded = (out / "classroom-base64").read_text(encoding="ascii").strip()
    assert reporter_decode(encoded) == plain
    assert plain["status"] == "fail"
    (line,) = (out / "github-output.txt").read_text(encoding="utf-8").splitlines()
    name, _, value = line.partition("=")
    assert name == "result" and reporter_decode(value) == plain


@pytest.mark.slow
def test_cli_markdown_on_a_real_grading_goes_to_the_step_summary(graded) -> None:
    _, out = graded
    markdown = (out / "markdown").read_text(encoding="utf-8")
    summary = (out / "step-summary.md").read_text(encoding="utf-8")
    assert summary.strip() == markdown.strip()  # appended automatically, the same report
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    assert "<details>" in html and "<code>join</code>" in html
    assert "https://github.com/course/chat/blob/0123abc/docs/common-bugs.md#" in html
