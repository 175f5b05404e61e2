"""Reports are pure functions of a GradeReport: the JSON contract and the student's view."""

import io
import json
from pathlib import Path

from rich.console import Console

from autograder.hints.common import SPLIT_CHARACTER
from autograder.i18n import Text
from autograder.lessons import rubric_for_lesson
from autograder.report import render_terminal, to_json
from autograder.results import CheckResult, GradeReport

TRACEBACK = (
    'Traceback (most recent call last):\n  File "server.py", line 31\nUnicodeDecodeError: boom'
)


def sample_report() -> GradeReport:
    rubric = rubric_for_lesson("04")
    checks = []
    for item in rubric.items:
        if item.id == "utf8":
            checks.append(
                CheckResult(
                    item.id,
                    item.title,
                    item.group,
                    "failed",
                    2.5,
                    item.points,
                    message=Text("символ разрезан", "a character was split"),
                    expected=Text('у bob строка "alice: ёлка"', 'bob gets "alice: ёлка"'),
                    received="",
                    hint=SPLIT_CHARACTER,
                    transcript=[(0.01, "alice", Text('отправляет b"\\xd1"', 'sends b"\\xd1"'))],
                    stderr=TRACEBACK,
                )
            )
        elif item.id == "join":
            checks.append(
                CheckResult(
                    item.id,
                    item.title,
                    item.group,
                    "skipped",
                    0,
                    item.points,
                    message=Text("пропущена", "skipped"),
                )
            )
        else:
            checks.append(
                CheckResult(item.id, item.title, item.group, "passed", item.points, item.points)
            )
    return GradeReport(Path("lessons/04"), rubric, "tcp", "netns", checks, 1.5)


def test_json_has_the_documented_contract() -> None:
    data = json.loads(json.dumps(to_json(sample_report(), "en")))
    assert {
        "lesson",
        "score",
        "max_score",
        "passed",
        "implementation",
        "duration_s",
        "checks",
    } <= set(data)
    assert data["lesson"] == "04" and data["max_score"] == 100 and data["implementation"] == "tcp"
    assert data["score"] == 100 - 10 - 2.5 and data["passed"] is True
    for check in data["checks"]:
        assert {
            "id",
            "title",
            "group",
            "status",
            "points",
            "max_points",
            "message",
            "hint",
            "duration_s",
            "stderr_dropped_bytes",
        } <= set(check)
        assert check["status"] in {"passed", "failed", "skipped", "error"}
    utf8 = next(c for c in data["checks"] if c["id"] == "utf8")
    assert (
        utf8["hint"].startswith("A letter split between two recv() calls")
        and "UnicodeDecodeError" in utf8["stderr_tail"]
    )
    assert utf8["docs"].endswith("common-bugs.en.md#split-utf8")  # the report's language


def render(lang: str) -> str:
    out = io.StringIO()
    render_terminal(sample_report(), Console(file=out, width=120, no_color=True), lang)
    return out.getvalue()


def test_terminal_report_in_russian_shows_score_failure_traceback_and_hint() -> None:
    text = render("ru")
    assert "Итого: 87.5/100" in text and "зачтено" in text
    assert "✗ utf8" in text and "Ожидали" in text and "Получили" in text
    assert "UnicodeDecodeError: boom" in text
    assert "Вероятная ошибка" in text and "common-bugs.md#split-utf8" in text
    assert "– join" in text


def test_terminal_report_in_english() -> None:
    text = render("en")
    assert "Total: 87.5/100" in text and "Likely bug" in text and "What we did" in text


def test_docs_link_uses_the_course_site_when_configured(monkeypatch) -> None:
    monkeypatch.setenv("AUTOGRADER_DOCS_URL", "https://course.example/")
    data = to_json(sample_report(), "en")
    utf8 = next(c for c in data["checks"] if c["id"] == "utf8")
    assert utf8["docs"] == "https://course.example/en/common-bugs/#split-utf8"


def test_every_hint_anchor_exists_in_the_common_bugs_page() -> None:
    import re

    from autograder.docs_links import hint_anchors

    used = set(hint_anchors())  # every Hint of every module of the package
    for name in ("common-bugs.md", "common-bugs.en.md"):
        page = (Path(__file__).resolve().parent.parent / "docs" / name).read_text(encoding="utf-8")
        anchors = set(re.findall(r'<a id="([^"]+)"></a>', page))
        assert used <= anchors, f"{name}: missing sections: {sorted(used - anchors)}"


def test_an_enormous_output_line_is_cut_to_its_end() -> None:
    from autograder.report import LINE_CHARS, tail

    cut = tail("a" * 5000 + "END\nlast\n", 2)
    first, last = cut.splitlines()
    assert first.startswith("…(+4603)") and first.endswith("END") and len(first) < LINE_CHARS + 20
    assert last == "last"


def test_a_failed_step_that_ended_the_check_is_shown_once_and_the_others_too() -> None:
    """A step whose failure also stops the check (like a server that died in it) is the
    one shown in full; every other failed step is listed once: none twice, none lost."""
    from autograder.context import CheckContext, CheckSpec
    from autograder.i18n import Text
    from autograder.rubric import RubricItem
    from autograder.runner import run_check
    from autograder.verdicts import CheckFailed, StudentProgramMissing

    def check(ctx: CheckContext) -> None:
        with ctx.step(0.3, Text("первое", "first")):
            raise CheckFailed(Text("раз", "one"))
        with ctx.step(0.3, Text("второе", "second")):
            raise CheckFailed(Text("два", "two"))
        with ctx.step(0.4, Text("третье", "third")):  # re-raised: it ends the check
            raise StudentProgramMissing(Text("конец", "the end"))

    class NoFactory:
        def release(self, box: object) -> None: ...

    spec = CheckSpec("x", check, "", (), "static")
    item = RubricItem("x", "core", 10, Text("x", "x"))
    result = run_check(spec, item, CheckContext(NoFactory(), None))  # type: ignore[arg-type]
    assert result.message is not None and result.message.en == "third: the end"
    assert [s.title.en for s in result.other_failed_steps] == ["first", "second"]
    assert result.points == 0
