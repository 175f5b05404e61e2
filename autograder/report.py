"""Turning a GradeReport into what people and machines read. Pure functions of the report.

* `to_json`: the machine contract (`--format json`), stable keys and check ids.
* `render_terminal`: the student's report: score first, a line per check, then each
  failure with what was done, what was expected, what came, the student's own traceback,
  the likely bug and where to read about it.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text as RichText

from autograder import docs_links
from autograder.framework import Hint, StepResult
from autograder.i18n import tr
from autograder.peers import render_transcript
from autograder.runner import CheckResult, GradeReport, GradingPlan

STDERR_LINES = 12
TRANSCRIPT_LINES = 10


def docs_link(hint: Hint, lang: str = "ru") -> str:
    """Where the hint's bug is explained, in the report's language (see docs_links)."""
    return docs_links.docs_link(hint.anchor, lang)


def received_text(check: CheckResult, lang: str) -> str | None:
    """What came: the program's own text as is, or the grader's description in `lang`."""
    received = check.received
    if isinstance(received, tuple):  # a Text
        return received(lang)
    return received


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def check_message(check: CheckResult, lang: str) -> str:
    parts = []
    if check.message:
        parts.append(check.message(lang))
    parts += [note(lang) for note in check.notes]
    return "; ".join(parts)


def to_json(report: GradeReport, lang: str = "en") -> dict[str, Any]:
    return {
        "lesson": report.rubric.lesson,
        "score": _number(report.score),
        "max_score": report.max_score,
        "passed": report.passed,
        "passing_score": report.rubric.passing_score,
        "implementation": report.implementation,
        "cap_percent": report.cap_percent,
        "isolation": report.isolation,
        "walls": report.walls.as_dict() if report.walls else None,
        "python": {"path": report.python, "version": report.python_version},
        "duration_s": report.duration_s,
        "checks": [
            {
                "id": c.id,
                "title": c.title(lang),
                "group": c.group,
                "status": c.status,
                "points": _number(c.points),
                "max_points": c.max_points,
                "message": check_message(c, lang),
                "expected": c.expected(lang) if c.expected else None,
                "received": received_text(c, lang),
                "hint": c.hint.text(lang) if c.hint else None,
                "hint_anchor": c.hint.anchor if c.hint and c.hint.anchor else None,
                "docs": docs_link(c.hint, lang) if c.hint and c.hint.anchor else None,
                "stderr_tail": tail(c.stderr, STDERR_LINES)
                if c.status in ("failed", "error")
                else "",
                "stderr_dropped_bytes": c.stderr_dropped,
                "transcript": render_transcript(c.transcript, lang)
                if c.status in ("failed", "error")
                else [],
                "steps": [
                    {
                        "title": step.title(lang),
                        "weight": round(step.weight, 3),
                        "passed": step.passed,
                        "message": step.failure.message(lang) if step.failure else None,
                        "hint_anchor": step.failure.hint.anchor
                        if step.failure and step.failure.hint
                        else None,
                    }
                    for step in c.steps
                ],
                "duration_s": c.duration_s,
            }
            for c in report.checks
        ],
    }


LINE_CHARS = 400  # a program may print one enormous line: keep its end, say how much went


def tail(text: str, lines: int) -> str:
    """The last `lines` lines of a program's output, each cut to its last LINE_CHARS."""
    kept = text.rstrip("\n").splitlines()[-lines:]
    return "\n".join(
        line if len(line) <= LINE_CHARS else f"…(+{len(line) - LINE_CHARS}) {line[-LINE_CHARS:]}"
        for line in kept
    )


SYMBOLS = {
    "passed": ("✓", "green"),
    "failed": ("✗", "red"),
    "skipped": ("–", "yellow"),
    "error": ("!", "magenta"),
}


def check_line(check: CheckResult, lang: str, id_width: int = 16) -> RichText:
    """` ✓ join   others see a newcomer join  10/10`, and under it, dimmed, why a check
    was skipped and the notes of a check that passed (they are part of the verdict)."""
    symbol, colour = SYMBOLS[check.status]
    points = f"{_number(check.points)}/{check.max_points}"
    line = RichText()
    line.append(f" {symbol} ", style=colour)
    line.append(f"{check.id:<{id_width}}", style="bold")
    line.append(f"{check.title(lang)}")
    line.append(f"  {points}", style=colour)
    remarks = [note(lang) for note in check.notes] if check.status == "passed" else []
    if check.status == "skipped" and check.message:
        remarks.append(check.message(lang))
    for remark in remarks:
        line.append(f"\n   {'':<{id_width}}↳ {remark}", style="dim")
    return line


def render_header(
    console: Console,
    lang: str,
    plan: GradingPlan | GradeReport,
) -> None:
    """The report's first lines: what is graded, how, and with which Python."""
    rubric = plan.rubric
    python = ""
    if plan.python_version:
        python = f" · Python {plan.python_version} ({escape(plan.python)})"
    console.print(
        f"[bold]{tr('grading', lang)} {escape(str(plan.path))}[/] · {tr('lesson', lang)} {rubric.lesson} "
        f"«{escape(rubric.title(lang))}» · {tr('isolation', lang)}: {tr('isolation.' + plan.isolation, lang)}"
        f"{python}"
    )
    # Which walls did not stand around the student's programs (the uid one only matters
    # where the grader runs as root: a student grading their own work needs none).
    walls = plan.walls
    if walls is not None and walls.down(include_user=False):
        console.print(
            f"[yellow]{escape(tr('walls_down', lang))}: "
            f"{escape(walls.describe_down(lang, include_user=False))}[/]"
        )
    if plan.implementation == "udp" and plan.implementation != rubric.implementation:
        console.print(
            f"[yellow]{escape(tr('implementation.udp', lang, cap=rubric.udp_cap_percent))}[/]"
        )


def id_width(check_ids: list[str] | tuple[str, ...]) -> int:
    return max((len(i) for i in check_ids), default=10) + 2


def render_terminal(
    report: GradeReport, console: Console, lang: str, verbose: bool = False
) -> None:
    render_header(console, lang, report)
    width = id_width([c.id for c in report.checks])
    for check in report.checks:
        console.print(check_line(check, lang, width))
    render_summary(report, console, lang, verbose)


def render_summary(report: GradeReport, console: Console, lang: str, verbose: bool = False) -> None:
    """Everything after the check lines: the total, then each failure in detail."""
    rubric = report.rubric
    verdict = tr("passed_verdict" if report.passed else "failed_verdict", lang)
    colour = "green" if report.passed else "red"
    capped = f" ({tr('capped', lang, cap=report.cap_percent)})" if report.cap_percent != 100 else ""
    console.print(
        f"[bold]{tr('total', lang)}: [{colour}]{_number(report.score)}/{report.max_score}[/{colour}]{capped} — "
        f"[{colour}]{verdict}[/{colour}] ({tr('passing_score', lang)} {rubric.passing_score})[/bold]"
        f"  [dim]{report.duration_s:.1f} s[/dim]"
    )
    # Checks that failed the same way (typically: every check that needs a working server)
    # are shown once, with the others named under it, unless -v asks for everything.
    groups: dict[tuple[str, str, str], list[CheckResult]] = {}
    for check in report.checks:
        if check.status in ("failed", "error"):
            key = (
                check.message(lang) if check.message else "",
                check.hint.anchor if check.hint else "",
                check.expected(lang) if check.expected else "",
            )
            groups.setdefault(key if not verbose else (check.id, "", ""), []).append(check)
    for same in groups.values():
        render_failure(same[0], console, lang, verbose)
        if len(same) > 1:
            others = ", ".join(c.id for c in same[1:])
            console.print(f"  [bold]{tr('same_failure', lang)}:[/] {others}")
    for check in report.checks:
        if check.status in ("failed", "error"):
            continue
        if verbose:
            console.print()
            console.print(check_line(check, lang))
            for line in render_transcript(check.transcript, lang):
                console.print(f"    [dim]{escape(line)}[/dim]")


def render_failure(check: CheckResult, console: Console, lang: str, verbose: bool) -> None:
    console.print()
    symbol, colour = SYMBOLS[check.status]
    console.print(f"[{colour} bold]{symbol} {check.id}[/] — {escape(check.title(lang))}")
    label = 18
    if check.message:
        console.print(f"  {escape(check_message(check, lang))}")
    transcript = render_transcript(check.transcript, lang, None if verbose else TRANSCRIPT_LINES)
    if transcript:
        console.print(f"  [bold]{tr('did', lang)}:[/]")
        for line in transcript:
            console.print(f"    [dim]{escape(line)}[/dim]")
    if check.expected:
        console.print(
            f"  [bold]{tr('expected', lang) + ':':<{label}}[/] {escape(check.expected(lang))}"
        )
    if check.expected or check.received is not None:
        received = received_text(check, lang) or tr("nothing", lang)
        console.print(f"  [bold]{tr('received', lang) + ':':<{label}}[/] {escape(received)}")
    if check.program == "client" and check.stdout.strip():
        console.print(f"  [bold]{tr('client_stdout', lang)}:[/]")
        for line in tail(check.stdout, 40 if verbose else STDERR_LINES).splitlines():
            console.print(f"    [dim]{escape(line)}[/dim]")
    stderr = tail(check.stderr, 40 if verbose else STDERR_LINES)
    if stderr.strip():
        stream = "client_stderr" if check.program == "client" else "stderr"
        console.print(f"  [bold]{tr(stream, lang)}:[/]")
        if check.stderr_dropped:
            console.print(f"    [dim]{tr('dropped', lang, n=check.stderr_dropped)}[/dim]")
        for line in stderr.splitlines():
            console.print(f"    [red]{escape(line)}[/red]")
    if check.hint:
        console.print(f"  [bold yellow]{tr('hint', lang)}:[/] {escape(check.hint.text(lang))}")
        if check.hint.anchor:
            console.print(f"  [bold]{tr('more', lang)}:[/] {escape(docs_link(check.hint, lang))}")
    # The other parts of this check that failed, each with its own likely bug: fixing the
    # first one should not be the only way to learn about the rest.
    for step in later_failed_steps(check):
        failure = step.failure
        assert failure is not None
        console.print(
            f"  [bold red]{tr('also_failed', lang)}:[/] {escape(step.title(lang))}: "
            f"{escape(failure.message(lang))}"
        )
        if failure.hint and failure.hint != check.hint:
            console.print(f"    [yellow]{escape(failure.hint.text(lang))}[/]")
            if failure.hint.anchor:
                console.print(f"    {tr('more', lang)}: {escape(docs_link(failure.hint, lang))}")


def later_failed_steps(check: CheckResult) -> list[StepResult]:
    """Failed steps of a check other than the one its report shows in full."""
    return [s for s in check.other_failed_steps if s.failure is not None]
