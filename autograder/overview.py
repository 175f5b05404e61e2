"""`python -m autograder` with no folder, in the course repository: the course at a glance.

A table of the course's lessons (every lesson with a rubric: `available_lessons()`, so a
new lesson appears by itself) with the last score of each, when it was graded and
whether it passed, from the records every grading of `lessons/NN` leaves
(autograder/progress_store.py). Under it, the next thing to do: the first lesson not
passed, its first failed check with the hint's link, and the command that grades it on
every save. Reading only: nothing is graded here.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder import docs_links
from autograder.i18n import Text
from autograder.lessons import available_lessons, rubric_for_lesson
from autograder.progress_store import LessonRecord, load_progress
from autograder.rubric import Rubric, RubricError

WORDS = {
    "title": Text("Курс: где вы сейчас", "The course: where you stand"),
    "lesson": Text("Урок", "Lesson"),
    "topic": Text("Тема", "Topic"),
    "score": Text("Баллы", "Score"),
    "graded": Text("Проверен", "Graded"),
    "status": Text("Итог", "Status"),
    "not_graded": Text("ещё не проверялся", "not graded yet"),
    "passed": Text("зачтено", "passed"),
    "not_passed": Text("не зачтено (нужно {need})", "not passed ({need} needed)"),
    "edited": Text("файлы изменены после проверки", "files edited since"),
    "next": Text("Дальше", "Next"),
    "next_lesson": Text("урок {lesson} «{title}»", "lesson {lesson} «{title}»"),
    "next_failed": Text("{score}/{max}, нужно {need}.", "{score}/{max}, {need} needed."),
    "next_new": Text("задание: {readme}.", "the assignment: {readme}."),
    "first_failed": Text("Первая непройденная проверка", "First failed check"),
    "more": Text("Подробнее", "Read more"),
    "command": Text("Проверять при каждом сохранении", "Grade on every save"),
    "all_passed": Text(
        "Все уроки зачтены. Можно улучшать баллы за устойчивость: {command}",
        "Every lesson is passed. The robustness points are still there to earn: {command}",
    ),
    "where": Text(
        "Баллы — из последней проверки каждой папки lessons/NN (файл {store}).",
        "Scores come from the last grading of each lessons/NN folder (kept in {store}).",
    ),
}


def word(key: str, lang: str, **values: object) -> str:
    text = WORDS[key](lang)
    return text.format(**values) if values else text


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def edited_since(root: Path, record: LessonRecord) -> bool:
    """True when a .py file of the graded folder changed after the grading."""
    folder = root / record.folder
    try:
        newest = max((p.stat().st_mtime for p in folder.glob("*.py")), default=0.0)
    except OSError:
        return False
    return newest > record.graded_at.timestamp() + 1  # mtime granularity, clock rounding


def command_for(root: Path, lesson: str, cwd: Path) -> str:
    """`python -m autograder lessons/04 --watch`, with the folder as seen from `cwd`."""
    try:
        folder = os.path.relpath(root / "lessons" / lesson, cwd)
    except ValueError:
        folder = str(root / "lessons" / lesson)
    return f"python -m autograder {folder} --watch"


def _rubrics() -> list[Rubric]:
    rubrics = []
    for lesson in available_lessons():
        try:
            rubrics.append(rubric_for_lesson(lesson))
        except RubricError:
            continue  # a broken rubric file: the grader says so when that lesson is graded
    return rubrics


def render_overview(
    root: Path,
    console: Console,
    lang: str,
    cwd: Path | None = None,
    now: datetime | None = None,
) -> None:
    cwd = cwd or Path.cwd()
    records = load_progress(root)
    rubrics = _rubrics()
    table = Table(
        title=word("title", lang), title_justify="left", title_style="bold", box=box.SIMPLE_HEAD
    )
    table.add_column(word("lesson", lang), justify="center")
    table.add_column(word("topic", lang))
    table.add_column(word("score", lang), justify="right")
    table.add_column(word("graded", lang))
    table.add_column(word("status", lang))
    next_rubric: Rubric | None = None
    for rubric in rubrics:
        record = records.get(rubric.lesson)
        if record is None:
            table.add_row(
                rubric.lesson,
                escape(rubric.title(lang)),
                "—",
                f"[dim]{word('not_graded', lang)}[/dim]",
                "",
            )
        else:
            status = (
                f"[green]✓ {word('passed', lang)}[/green]"
                if record.passed
                else f"[red]✗ {word('not_passed', lang, need=record.passing_score)}[/red]"
            )
            if edited_since(root, record):
                status += f"\n[yellow]{word('edited', lang)}[/yellow]"
            colour = "green" if record.passed else "red"
            table.add_row(
                rubric.lesson,
                escape(rubric.title(lang)),
                f"[{colour}]{_number(record.score)}/{record.max_score}[/{colour}]",
                record.graded_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                status,
            )
        if next_rubric is None and (record is None or not record.passed):
            next_rubric = rubric
    console.print(table)
    if next_rubric is None:
        last = rubrics[-1].lesson if rubrics else "04"
        command = command_for(root, last, cwd)
        console.print(f"[bold green]{escape(word('all_passed', lang, command=command))}[/]")
    else:
        render_next_step(root, next_rubric, records.get(next_rubric.lesson), console, lang, cwd)
    store = os.path.relpath(root / ".autograder" / "progress.json", cwd)
    console.print(f"[dim]{escape(word('where', lang, store=store))}[/dim]")


def render_next_step(
    root: Path,
    rubric: Rubric,
    record: LessonRecord | None,
    console: Console,
    lang: str,
    cwd: Path,
) -> None:
    """The first lesson not passed: what to fix first (or where its assignment is)."""
    title = word("next_lesson", lang, lesson=rubric.lesson, title=rubric.title(lang))
    if record is None:
        readme = (
            root / "lessons" / rubric.lesson / ("README.md" if lang == "ru" else "README.en.md")
        )
        detail = word("next_new", lang, readme=os.path.relpath(readme, cwd))
    else:
        detail = word(
            "next_failed",
            lang,
            score=_number(record.score),
            max=record.max_score,
            need=record.passing_score,
        )
    console.print(f"[bold]{word('next', lang)}:[/] {escape(title)} — {escape(detail)}")
    if record is not None and record.first_failure is not None:
        item = next(
            (i for i in rubric.items + rubric.udp_items if i.id == record.first_failure), None
        )
        check_title = f" — {item.title(lang)}" if item else ""
        console.print(
            f"  [bold]{word('first_failed', lang)}:[/] [red]✗ {escape(record.first_failure)}[/red]"
            f"{escape(check_title)}"
        )
        if record.first_failure_message is not None:
            console.print(f"    {escape(record.first_failure_message(lang))}")
        if record.first_failure_anchor:
            link = docs_links.docs_link(record.first_failure_anchor, lang)
            console.print(f"  [bold]{word('more', lang)}:[/] {escape(link)}")
    command = command_for(root, rubric.lesson, cwd)
    console.print(f"  [bold]{word('command', lang)}:[/] {escape(command)}")
