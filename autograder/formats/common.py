"""What every format says about a check, in plain text: the same words as the terminal.

A failure's details (what the grader did, what it expected, what came, the program's
stderr, the likely bug and where to read about it) are rendered by the terminal report's
own `render_failure` onto a colourless console, so a student reads the same explanation
in a CI log, on Gradescope and in GitHub Classroom as on their own terminal.
"""

from __future__ import annotations

import io
import re

from rich.console import Console

from autograder.i18n import Text
from autograder.report import check_message, render_failure
from autograder.results import CheckResult, GradeReport

STATUS_WORDS = {
    "passed": Text("пройдена", "passed"),
    "failed": Text("не пройдена", "failed"),
    "skipped": Text("пропущена", "skipped"),
    "error": Text("ошибка автопроверки", "grader error"),
}


def number(value: float) -> int | float:
    """5.0 -> 5, 2.5 -> 2.5: points as people write them."""
    return int(value) if float(value).is_integer() else value


def plain_failure(check: CheckResult, lang: str) -> str:
    """A failed (or errored) check explained in plain text, exactly as on the terminal."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=120,
        no_color=True,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        force_terminal=False,
        force_jupyter=False,
    )
    render_failure(check, console, lang, verbose=False)
    return buffer.getvalue().strip("\n")


def check_explanation(check: CheckResult, lang: str) -> str:
    """Failures: the whole explanation. Others: why skipped, or the notes of a pass."""
    if check.status in ("failed", "error"):
        return plain_failure(check, lang)
    return check_message(check, lang)


def one_line(text: str, limit: int = 300) -> str:
    """The first line of a message, cut to `limit` characters (for attributes, titles)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def verdict_line(report: GradeReport, lang: str) -> str:
    """`Total: 87.5/100 — passed (passing score 60)`, with the UDP cap and interrupts."""
    from autograder.i18n import tr

    verdict = tr("passed_verdict" if report.passed else "failed_verdict", lang)
    capped = f" ({tr('capped', lang, cap=report.cap_percent)})" if report.cap_percent != 100 else ""
    line = (
        f"{tr('total', lang)}: {number(report.score)}/{report.max_score}{capped} — {verdict} "
        f"({tr('passing_score', lang)} {report.rubric.passing_score})"
    )
    if report.interrupted:
        line += " — " + Text("проверка прервана", "the grading was interrupted")(lang)
    return line


# Characters XML 1.0 cannot hold at all (a student's output may contain any of them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 forbids (NUL, ESC, ...), keep everything else."""
    return _NOT_XML.sub("", text)
