"""`python -m autograder PATH`: grade a lesson folder and print a report.

Exit codes are a contract for CI: 0 the score reaches the passing score, 1 it does not,
2 the grader could not grade (bad path, no server file, internal error), always with a
message and never the grader's own traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner

from autograder.i18n import LANGUAGES, default_language, tr
from autograder.report import (
    check_line,
    id_width,
    render_header,
    render_summary,
    render_terminal,
    to_json,
)
from autograder.rubric import Rubric, RubricError, available_lessons, load_rubric, rubric_for_lesson
from autograder.runner import (
    CHECK_SETS,
    CheckResult,
    GradeReport,
    GradingError,
    GradingPlan,
    Progress,
    grade,
    lesson_from_path,
)

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Grade a socket-programming lesson: runs the student's real programs and reports what to fix.",
    )
    parser.add_argument("path", nargs="?", type=Path, help="folder with server.py (and client.py)")
    parser.add_argument(
        "--lesson", help="lesson number (default: from the folder name, e.g. lessons/04)"
    )
    parser.add_argument(
        "--rubric", type=Path, help="a rubric TOML file instead of the lesson's own"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file")
    parser.add_argument(
        "--lang", choices=LANGUAGES, default=None, help="report language (default: from the locale)"
    )
    parser.add_argument(
        "-k", dest="only", action="append", metavar="ID", help="run only this check (repeatable)"
    )
    parser.add_argument(
        "--list", action="store_true", help="print the rubric and exit (-v: what each check does)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="full transcripts")
    parser.add_argument(
        "--isolation",
        choices=("auto", "netns", "ports"),
        default="auto",
        help="netns: private network namespace per check; ports: free ports (default: netns where possible)",
    )
    parser.add_argument("--jobs", "-j", type=int, default=4, help="checks run at once (default 4)")
    return parser


class UsageError(Exception):
    pass


def resolve_rubric(args: argparse.Namespace) -> Rubric:
    if args.rubric:
        return load_rubric(args.rubric)
    lesson = args.lesson or (lesson_from_path(args.path) if args.path else None)
    if lesson is None:
        raise UsageError(
            "cannot tell the lesson from the folder name; add --lesson NN "
            f"(available: {', '.join(available_lessons())})"
        )
    return rubric_for_lesson(lesson.zfill(2))


def print_rubric(rubric: Rubric, lang: str, console: Console, verbose: bool = False) -> None:
    console.print(
        f"[bold]{tr('lesson', lang)} {rubric.lesson} «{rubric.title(lang)}»[/] — {tr('passing_score', lang)} {rubric.passing_score}"
    )
    for implementation, items in ((rubric.implementation, rubric.items), ("udp", rubric.udp_items)):
        if not items:
            continue
        if items is rubric.udp_items:
            console.print(f"\n[bold]UDP[/] ({tr('capped', lang, cap=rubric.udp_cap_percent)})")
        checks = CHECK_SETS.get((rubric.lesson, implementation))
        for item in items:
            console.print(f"  {item.id:<16} {item.group:<11} {item.points:>3}  {item.title(lang)}")
            if verbose and checks and item.id in checks.checks:
                for line in checks.checks[item.id].description.splitlines():
                    console.print(f"  {'':<32}[dim]{line.strip()}[/dim]")


class LiveProgress(Progress):
    """On a terminal: one transient line of running checks on stderr, gone when done."""

    def __init__(self, console: Console, lang: str) -> None:
        self.console = console
        self.lang = lang
        self.running: list[str] = []
        self.total = 0
        self.done = 0
        self.lock = threading.Lock()
        self.live: Live | None = None

    def __enter__(self) -> LiveProgress:
        self.live = Live(self._render(), console=self.console, transient=True, refresh_per_second=8)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.live.__exit__(None, None, None)

    def _render(self) -> Spinner:
        names = ", ".join(self.running) or "…"
        return Spinner(
            "dots", text=f"{self.done}/{self.total} · {tr('running', self.lang)}: {names}"
        )

    def _update(self) -> None:
        if self.live:
            self.live.update(self._render())

    def begin(self, plan: GradingPlan) -> None:
        with self.lock:
            self.total = len(plan.check_ids)
            self._update()

    def started(self, check_id: str) -> None:
        with self.lock:
            self.running.append(check_id)
            self._update()

    def finished(self, result: CheckResult) -> None:
        with self.lock:
            self.done += 1
            if result.id in self.running:
                self.running.remove(result.id)
            self._update()


class StreamedReport(Progress):
    """Not a terminal (a CI log, `> file`): the report itself is the progress.

    The header as soon as the grading is set up, then each check's line once, in the
    rubric's order, as soon as it and every check before it have finished; the total and
    the failures follow when all are done (`render_summary`). Nothing goes to stderr, so
    no progress line is ever mixed into the report.
    """

    def __init__(self, console: Console, lang: str) -> None:
        self.console = console
        self.lang = lang
        self.order: list[str] = []
        self.results: dict[str, CheckResult] = {}
        self.printed = 0
        self.width = 16
        self.lock = threading.Lock()

    def begin(self, plan: GradingPlan) -> None:
        with self.lock:
            self.order = list(plan.check_ids)
            self.width = id_width(self.order)
            render_header(self.console, self.lang, plan)

    def finished(self, result: CheckResult) -> None:
        with self.lock:
            self.results[result.id] = result
            self._flush()

    def _flush(self) -> None:
        while self.printed < len(self.order) and self.order[self.printed] in self.results:
            check = self.results[self.order[self.printed]]
            self.console.print(check_line(check, self.lang, self.width))
            self.printed += 1

    def complete(self, report: GradeReport, verbose: bool) -> None:
        """The lines still missing (checks stopped by an interrupt), then the summary."""
        with self.lock:
            if not self.order:  # the grading never began: print the whole report
                render_terminal(report, self.console, self.lang, verbose)
                return
            for check in report.checks:
                self.results.setdefault(check.id, check)
            self._flush()
            render_summary(report, self.console, self.lang, verbose)


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "load":  # python -m autograder load PATH: see load.py
        from autograder import load

        return load.main(argv[1:])
    args = build_parser().parse_args(argv)
    lang = args.lang or default_language()
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        rubric = resolve_rubric(args)
        if args.list:
            print_rubric(rubric, lang, out, args.verbose)
            return EXIT_PASSED
        if args.path is None:
            raise UsageError("give the folder to grade, e.g. python -m autograder lessons/04")
        interrupt = threading.Event()

        def stop(signum: int, _frame: object) -> None:
            interrupt.set()

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        # Where progress goes: a transient line on a terminal's stderr (stdout stays a
        # clean report or clean JSON); without a terminal, the text report streams itself.
        streamed = None
        if args.format == "text" and not args.output and not out.is_terminal:
            streamed = StreamedReport(out, lang)
        try:
            with contextlib.ExitStack() as stack:
                progress: Progress | None = streamed
                if streamed is None and err.is_terminal:
                    progress = stack.enter_context(LiveProgress(err, lang))
                report = grade(
                    args.path,
                    rubric,
                    only=args.only,
                    isolation=args.isolation,
                    jobs=args.jobs,
                    progress=progress,
                    interrupt=interrupt,
                )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    except (UsageError, GradingError, RubricError) as exc:
        err.print(f"[bold red]autograder:[/] {exc}")
        return EXIT_ERROR
    except Exception:  # noqa: BLE001 - never show the grader's own traceback to a student
        with tempfile.NamedTemporaryFile(
            "w", prefix="autograder-error-", suffix=".log", delete=False
        ) as log:
            traceback.print_exc(file=log)
        err.print(
            f"[bold red]autograder: internal error[/] ({sys.exc_info()[1]!r}); "
            f"details in {log.name} — please report it to the course staff"
        )
        return EXIT_ERROR

    if args.format == "json":
        text = json.dumps(to_json(report, lang), ensure_ascii=False, indent=2)
        if args.output:
            args.output.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    else:
        if args.output:
            with args.output.open("w", encoding="utf-8") as f:
                render_terminal(
                    report,
                    Console(file=f, width=100, no_color=True, highlight=False),
                    lang,
                    args.verbose,
                )
        elif streamed is not None:
            streamed.complete(report, args.verbose)
        else:
            render_terminal(report, out, lang, args.verbose)
    if report.interrupted:
        err.print(
            "[bold red]autograder:[/] interrupted; the checks that did not run are reported as errors"
        )
        return EXIT_ERROR
    return EXIT_PASSED if report.passed else EXIT_FAILED
