"""`python -m autograder PATH`: grade a lesson folder and print a report.

Exit codes are a contract for CI: 0 the score reaches the passing score, 1 it does not,
2 the grader could not grade (bad path, no server file, internal error), always with a
message and never the grader's own traceback.

Reports: `--format NAME` (text, json, junit, gradescope, classroom, classroom-base64,
markdown) or `--format NAME=FILE`, repeatable. At most one report goes to stdout, the one
without a file (`--output FILE` gives it a file, as `--format json --output FILE` always
did). Under GitHub Actions the Markdown report is also appended to `$GITHUB_STEP_SUMMARY`,
and a `classroom` report also sets the step output `result` (base64) in `$GITHUB_OUTPUT`,
as GitHub Classroom's runners do. `python -m autograder batch ...` grades many folders
(autograder/batch.py); `python -m autograder similar ...` ranks a class's submissions by
the code they share (autograder/similarity/).

The student's loop: `--watch` grades again on every save (autograder/watch.py); with no
folder, inside the course repository, the command shows the whole course at a glance
(autograder/overview.py) from the last grading of each `lessons/NN` folder, which every
complete grading of such a folder records (autograder/progress_store.py; not under CI,
not in batch, not with `--no-record`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner

from autograder import progress_store
from autograder.formats import FORMATS, RENDERERS, to_classroom_base64, to_markdown
from autograder.i18n import LANGUAGES, default_language, tr
from autograder.lessons import available_lessons, check_set, rubric_for_lesson
from autograder.report import (
    check_line,
    id_width,
    render_header,
    render_summary,
    render_terminal,
)
from autograder.results import CheckResult, GradeReport, GradingPlan
from autograder.rubric import Rubric, RubricError, load_rubric
from autograder.runner import GradingError, Progress, grade, lesson_from_path

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
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        type=format_request,
        metavar="NAME[=FILE]",
        help=f"report format ({', '.join(FORMATS)}), to FILE if given; repeatable "
        "(default text; at most one report on stdout)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, help="write the report without its own =FILE here"
    )
    parser.add_argument(
        "--no-step-summary",
        action="store_true",
        help="do not append the Markdown report to $GITHUB_STEP_SUMMARY",
    )
    parser.add_argument(
        "--student-uid",
        type=int,
        help="as root: run the student's programs as this uid (default: one of the "
        "grading's own, from a range no account uses)",
    )
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
    parser.add_argument(
        "--within",
        type=Path,
        metavar="DIR",
        help="refuse to grade unless the folder, links resolved, lies inside DIR (CI: a "
        "lesson folder of a pull request that is a link out of the checkout)",
    )
    parser.add_argument(
        "--watch",
        "-w",
        action="store_true",
        help="grade again each time a .py file of the folder is saved (on a terminal; "
        "Ctrl-C to stop)",
    )
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="do not keep this grading for the course overview (never kept under CI or "
        "with AUTOGRADER_NO_RECORD=1)",
    )
    return parser


def check_within(path: Path, root: Path) -> None:
    """Refuse a folder that, links resolved, is not inside `root`."""
    real, allowed = path.resolve(), root.resolve()
    if real != allowed and allowed not in real.parents:
        raise UsageError(
            f"{path} is a link to {real}, outside {root}: submit the folder itself, not a link"
        )


class UsageError(Exception):
    pass


def format_request(value: str) -> tuple[str, Path | None]:
    """`junit` or `junit=report.xml` -> ("junit", None) or ("junit", Path("report.xml"))."""
    name, sep, file = value.partition("=")
    if name not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"unknown format {name!r} (choose from {', '.join(FORMATS)})"
        )
    if sep and not file:
        raise argparse.ArgumentTypeError(f"no file after {name}=")
    return name, Path(file) if sep else None


def report_destinations(
    requests: list[tuple[str, Path | None]] | None, output: Path | None
) -> list[tuple[str, Path | None]]:
    """Where each report goes (None: stdout). `--output` is the file of the one report
    named without a file; two reports cannot share stdout."""
    wanted = list(requests or [("text", None)])
    on_stdout = [i for i, (_, file) in enumerate(wanted) if file is None]
    if output is not None:
        if len(on_stdout) != 1:
            raise UsageError(
                "--output is the file of the one --format given without =FILE; "
                f"{len(on_stdout)} formats have none"
            )
        wanted[on_stdout[0]] = (wanted[on_stdout[0]][0], output)
    elif len(on_stdout) > 1:
        names = ", ".join(wanted[i][0] for i in on_stdout)
        raise UsageError(
            f"only one report can go to stdout ({names}): give the others a file, "
            "e.g. --format junit=report.xml"
        )
    files = [file for _, file in wanted if file is not None]
    if len(set(files)) != len(files):
        raise UsageError("two reports cannot be written to the same file")
    return wanted


def repository_docs_base() -> str | None:
    """Under GitHub Actions: where the repository's files are on the web, so the
    Markdown report's links to docs/ work in a step summary or a comment."""
    server, repo = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    ref = os.environ.get("GITHUB_SHA")
    if server and repo and ref:
        return f"{server}/{repo}/blob/{ref}"
    return None


def write_reports(
    report: GradeReport,
    destinations: list[tuple[str, Path | None]],
    lang: str,
    verbose: bool,
    out: Console,
    streamed: StreamedReport | None,
) -> None:
    for name, file in destinations:
        if name == "text":
            if file is not None:
                with file.open("w", encoding="utf-8") as f:
                    render_terminal(
                        report,
                        Console(file=f, width=100, no_color=True, highlight=False),
                        lang,
                        verbose,
                    )
            elif streamed is not None:
                streamed.complete(report, verbose)
            else:
                render_terminal(report, out, lang, verbose)
            continue
        if name == "markdown":
            text = to_markdown(report, lang, repository_docs_base())
        else:
            text = RENDERERS[name](report, lang)
        if file is not None:
            file.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()


def write_github_files(
    report: GradeReport, destinations: list[tuple[str, Path | None]], lang: str, summary: bool
) -> None:
    """The step summary (Markdown) and, for a classroom report, the `result` output."""
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and step_summary:
        with open(step_summary, "a", encoding="utf-8") as f:
            f.write(to_markdown(report, lang, repository_docs_base()) + "\n")
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output and any(name == "classroom" for name, _ in destinations):
        with open(github_output, "a", encoding="utf-8") as f:
            f.write(f"result={to_classroom_base64(report, lang)}\n")


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
        checks = check_set(rubric.lesson, implementation)
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


NO_FOLDER = (
    "give the folder to grade, e.g. python -m autograder lessons/04 (with no folder, "
    "inside the course repository, it shows your progress in every lesson)"
)


def show_overview(args: argparse.Namespace, lang: str, out: Console) -> int:
    """`python -m autograder` alone: the course at a glance, inside the course repository."""
    from autograder.overview import render_overview

    if args.formats or args.output:
        raise UsageError("the course overview (no folder given) is text only")
    root = progress_store.find_course_root(Path.cwd())
    if root is None:
        raise UsageError(
            f"{NO_FOLDER}; {Path.cwd()} is not inside the course repository (a folder "
            "with lessons/ and autograder/rubrics/)"
        )
    render_overview(root, out, lang)
    return EXIT_PASSED


def watch_folder(
    args: argparse.Namespace,
    rubric: Rubric,
    destinations: list[tuple[str, Path | None]],
    lang: str,
    out: Console,
) -> int:
    """`--watch`: refuse what it cannot do, then hand over to autograder/watch.py."""
    from autograder.watch import GradeOptions, Watcher, stdout_is_terminal

    if destinations != [("text", None)]:
        raise UsageError(
            "--watch shows its report on the terminal only: grade without --watch for "
            "--format and --output reports"
        )
    if not stdout_is_terminal():
        raise UsageError(
            "--watch needs a terminal (it redraws the screen on every save); for a log "
            "or a pipe, grade without --watch"
        )
    if not args.path.is_dir():
        problem = "not a folder" if args.path.exists() else "path not found"
        raise GradingError(f"{problem}: {args.path}")
    options = GradeOptions(
        only=args.only,
        isolation=args.isolation,
        jobs=args.jobs,
        student_uid=args.student_uid,
        verbose=args.verbose,
        record=not args.no_record,
        custom_rubric=args.rubric is not None,
    )
    label = str(args.path).rstrip("/") or "."
    return Watcher(args.path, label, rubric, lang, options, out).run()


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "load":  # python -m autograder load PATH: see load.py
        from autograder import load

        return load.main(argv[1:])
    if argv[:1] == ["batch"]:  # python -m autograder batch DIR...: see batch.py
        from autograder.batch import main as batch_main

        return batch_main(argv[1:])
    if argv[:1] == ["similar"]:  # python -m autograder similar DIR...: see autograder/similarity/
        from autograder.similarity import main as similar_main

        return similar_main(argv[1:])
    args = build_parser().parse_args(argv)
    lang = args.lang or default_language()
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.path is None and args.watch:
            raise UsageError(
                "--watch needs the folder to watch, e.g. python -m autograder lessons/04 --watch"
            )
        if args.path is None and not (args.list or args.lesson or args.rubric):
            return show_overview(args, lang, out)
        destinations = report_destinations(args.formats, args.output)
        if args.within is not None and args.path is not None:
            check_within(args.path, args.within)
        rubric = resolve_rubric(args)
        if args.list:
            print_rubric(rubric, lang, out, args.verbose)
            return EXIT_PASSED
        if args.path is None:
            raise UsageError(NO_FOLDER)
        if args.watch:
            return watch_folder(args, rubric, destinations, lang, out)
        interrupt = threading.Event()

        def stop(signum: int, _frame: object) -> None:
            interrupt.set()

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        # Where progress goes: a transient line on a terminal's stderr (stdout stays a
        # clean report or clean JSON); without a terminal, the text report streams itself.
        streamed = None
        if ("text", None) in destinations and not out.is_terminal:
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
                    student_uid=args.student_uid,
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

    try:
        for _, file in destinations:
            if file is not None:
                file.parent.mkdir(parents=True, exist_ok=True)
        write_reports(report, destinations, lang, args.verbose, out, streamed)
        write_github_files(report, destinations, lang, not args.no_step_summary)
    except OSError as exc:
        err.print(f"[bold red]autograder:[/] cannot write the report: {exc}")
        return EXIT_ERROR
    progress_store.record_grading(
        report,
        partial=bool(args.only),
        custom_rubric=args.rubric is not None,
        requested=not args.no_record,
    )
    if report.interrupted:
        err.print(
            "[bold red]autograder:[/] interrupted; the checks that did not run are reported as errors"
        )
        return EXIT_ERROR
    return EXIT_PASSED if report.passed else EXIT_FAILED
