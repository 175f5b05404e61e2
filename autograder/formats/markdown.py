"""Markdown for the GitHub Actions step summary and pull-request comments.

Written for GitHub Flavored Markdown as `$GITHUB_STEP_SUMMARY` renders it (GitHub docs,
"Workflow commands for GitHub Actions", section "Adding a job summary"): a heading with
the verdict, a table with a row and the points per check, then one collapsible
`<details>` block per failed check with what the grader did, what it expected, what came,
the program's stderr and the likely bug with a link to the page that explains it.

Everything a student's program printed goes into fenced code blocks whose fence is longer
than any run of backticks inside, and every other piece of text is escaped, so no output
can close a block early, inject HTML or break the table.
"""

from __future__ import annotations

import html
import re

from autograder.formats.common import number, verdict_line
from autograder.framework import Hint
from autograder.i18n import Text, tr
from autograder.peers import render_transcript
from autograder.report import (
    STDERR_LINES,
    TRANSCRIPT_LINES,
    check_message,
    docs_link,
    later_failed_steps,
    received_text,
    tail,
)
from autograder.runner import CheckResult, GradeReport

ICONS = {"passed": "✅", "failed": "❌", "skipped": "⏭️", "error": "⚠️"}
WORDS = {
    "check": Text("проверка", "check"),
    "points": Text("баллы", "points"),
    "lesson": Text("Урок", "Lesson"),
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#~!])")


def inline(text: str) -> str:
    """Text for a line of Markdown (or a table cell): escaped, on one line."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))
    return "<br>".join(part for part in escaped.splitlines()) if "\n" in escaped else escaped


def code_block(text: str, language: str = "text") -> str:
    """A fenced block that nothing inside can close: the fence outgrows every backtick run."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def link_for(hint: Hint, docs_base: str | None) -> str:
    """The hint's page: the course site if configured, else the file in the repository
    (made absolute with `docs_base`, e.g. https://github.com/OWNER/REPO/blob/SHA)."""
    target = docs_link(hint)
    if docs_base and not re.match(r"^[a-z]+://", target):
        return f"{docs_base.rstrip('/')}/{target}"
    return target


def _points(check: CheckResult) -> str:
    return f"{number(check.points)}/{check.max_points}"


def _row(check: CheckResult, lang: str) -> str:
    cell = f"`{check.id}` {inline(check.title(lang))}"
    remarks = [note(lang) for note in check.notes] if check.status == "passed" else []
    if check.status == "skipped" and check.message:
        remarks.append(check.message(lang))
    for remark in remarks:
        cell += f"<br>↳ <sub>{inline(remark)}</sub>"
    return f"| {ICONS[check.status]} | {cell} | {_points(check)} |"


def _failure(check: CheckResult, lang: str, docs_base: str | None) -> list[str]:
    title = html.escape(check.title(lang), quote=False)
    out = [
        "<details>",
        f"<summary>{ICONS[check.status]} <code>{check.id}</code> — {title} "
        f"({_points(check)})</summary>",
        "",
    ]
    message = check_message(check, lang)
    if message:
        out += [inline(message), ""]
    transcript = render_transcript(check.transcript, lang, TRANSCRIPT_LINES)
    if transcript:
        out += [f"**{tr('did', lang)}:**", "", code_block("\n".join(transcript)), ""]
    if check.expected:
        out += [f"**{tr('expected', lang)}:** {inline(check.expected(lang))}", ""]
    if check.expected or check.received is not None:
        received = received_text(check, lang)
        if received:
            out += [f"**{tr('received', lang)}:**", "", code_block(received), ""]
        else:
            out += [f"**{tr('received', lang)}:** {tr('nothing', lang)}", ""]
    if check.program == "client" and check.stdout.strip():
        out += [
            f"**{tr('client_stdout', lang)}:**",
            "",
            code_block(tail(check.stdout, STDERR_LINES)),
            "",
        ]
    stderr = tail(check.stderr, STDERR_LINES)
    if stderr.strip():
        label = tr("client_stderr" if check.program == "client" else "stderr", lang)
        if check.stderr_dropped:
            label += " " + tr("dropped", lang, n=check.stderr_dropped)
        out += [f"**{label}:**", "", code_block(stderr), ""]
    if check.hint:
        line = f"**{tr('hint', lang)}:** {inline(check.hint.text(lang))}"
        if check.hint.anchor:
            line += f" [{tr('more', lang)}]({link_for(check.hint, docs_base)})"
        out += [line, ""]
    for step in later_failed_steps(check):
        failure = step.failure
        assert failure is not None
        line = (
            f"**{tr('also_failed', lang)}:** {inline(step.title(lang))}: "
            f"{inline(failure.message(lang))}"
        )
        if failure.hint and failure.hint != check.hint:
            line += f" — {inline(failure.hint.text(lang))}"
            if failure.hint.anchor:
                line += f" [{tr('more', lang)}]({link_for(failure.hint, docs_base)})"
        out += [line, ""]
    out += ["</details>", ""]
    return out


def to_markdown(report: GradeReport, lang: str = "en", docs_base: str | None = None) -> str:
    rubric = report.rubric
    icon = "✅" if report.passed else "❌"
    lines = [
        f"### {icon} {WORDS['lesson'](lang)} {rubric.lesson} «{inline(rubric.title(lang))}»: "
        f"{inline(verdict_line(report, lang))}",
        "",
    ]
    facts = [
        f"<code>{html.escape(str(report.path), quote=False)}</code>",
        report.implementation.upper(),
        f"{tr('isolation', lang)}: {tr('isolation.' + report.isolation, lang)}"
        if report.isolation in ("netns", "ports")
        else report.isolation,
    ]
    if report.python_version:
        facts.append(f"Python {report.python_version}")
    facts.append(f"{report.duration_s:.1f} s")
    lines += [" · ".join(facts), ""]
    if report.walls is not None and report.walls.down():
        lines += [f"⚠️ {tr('walls_down', lang)}: {inline(report.walls.describe_down(lang))}", ""]
    lines += [
        f"| | {WORDS['check'](lang)} | {WORDS['points'](lang)} |",
        "|:-:|---|--:|",
        *(_row(check, lang) for check in report.checks),
        "",
    ]
    for check in report.checks:
        if check.status in ("failed", "error"):
            lines += _failure(check, lang, docs_base)
    return "\n".join(lines).rstrip("\n") + "\n"
