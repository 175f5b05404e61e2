"""`python -m autograder lessons/04 --watch`: the student's loop, save → verdict.

Grades the folder once, then again each time one of its `.py` files is saved. The file
events come from watchfiles (inotify on Linux and WSL, polling where inotify does not
reach); a burst of saves (an editor writing a file in several steps, "save all") gives
one grading: the grading starts once no file has changed for `QUIET_MS`. A save while a
grading runs stops that grading through `grade()`'s `interrupt` (the same path as Ctrl-C
in a plain run: every check's programs and sandboxes are torn down) and starts a new one.

The screen holds the newest grading only. While it runs: which save started it and a
progress line, and the first failure as soon as a check reports one (a syntax error or a
crash at import shows within a second, not after the other checks). When it is done, the
screen is redrawn with the compact report (`render_watch_screen`): points and verdict,
what changed since the previous grading (checks newly passed ✓, newly failed ✗), the
first failure in full (report.py's own renderer), and how to go on.

Ctrl-C (or SIGTERM) stops the running grading the same way and ends with exit code 0.
Every complete grading is recorded for the course overview like a plain one
(autograder/progress_store.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import watchfiles
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner

from autograder import progress_store
from autograder.i18n import Text, tr
from autograder.report import render_failure
from autograder.results import CheckResult, GradeReport, GradingPlan
from autograder.rubric import Rubric, RubricError
from autograder.runner import GradingError, Progress, grade
from autograder.sandbox import student_python
from autograder.source import python_version

STEP_MS = 50  # how often watchfiles looks at the events it has collected
QUIET_MS = 50  # a burst of saves is over once nothing has changed for this long (an editor's
# save, even a "safe write" of a temporary file and a rename, takes a few milliseconds)
MAX_BURST_MS = 1600  # ... or once it has lasted this long (a file written continuously)

WORDS = {
    "grading": Text("Проверка №{n}: {folder}", "Grading #{n}: {folder}"),
    "first": Text("первая проверка", "first grading"),
    "saved": Text("сохранено: {files} в {time}", "saved: {files} at {time}"),
    "cancelled": Text(
        "проверка №{n} остановлена: файлы изменились",
        "grading #{n} stopped: the files changed",
    ),
    "progress": Text("{done}/{total} · выполняется: {names}", "{done}/{total} · running: {names}"),
    "preparing": Text("готовлю проверку…", "preparing the grading…"),
    "early": Text(
        "Первая неудача (остальные проверки ещё идут):",
        "First failure (the other checks are still running):",
    ),
    "since_session": Text("С прошлой проверки ({when})", "Since the previous grading ({when})"),
    "since_record": Text("С последней проверки ({when})", "Since the last grading ({when})"),
    "first_in_session": Text(
        "Первая проверка в этом сеансе.", "The first grading of this session."
    ),
    "no_change": Text(
        "Ничего не изменилось с прошлой проверки.", "No change since the previous grading."
    ),
    "points": Text("баллы: {delta}", "points: {delta}"),
    "now_pass": Text("✓ теперь проходят: {ids}", "✓ now pass: {ids}"),
    "now_fail": Text("✗ больше не проходят: {ids}", "✗ no longer pass: {ids}"),
    "count_passed": Text("✓ пройдено {n}", "✓ {n} passed"),
    "count_failed": Text("✗ не пройдено {n}: {ids}", "✗ {n} failed: {ids}"),
    "count_skipped": Text("– пропущено {n}", "– {n} skipped"),
    "count_error": Text("! ошибки проверки ({n}): {ids}", "! grader errors ({n}): {ids}"),
    "all_pass": Text("Все проверки пройдены.", "Every check passes."),
    "only": Text("только {ids} (-k)", "only {ids} (-k)"),
    "more_failures": Text(
        "Полный отчёт со всеми неудачами: {command}",
        "The full report with every failure: {command}",
    ),
    "footer": Text(
        "Слежу за {folder}: сохраните файл .py — проверю снова · Ctrl-C — выход",
        "Watching {folder}: save a .py file to grade again · Ctrl-C to quit",
    ),
    "cannot_grade": Text("Проверить не удалось: {error}", "Could not grade: {error}"),
    "internal": Text(
        "Внутренняя ошибка автопроверки ({error}); подробности в {log}. Сообщите "
        "преподавателю. Следующее сохранение — новая попытка.",
        "Internal error of the grader ({error}); details in {log}. Please tell the course "
        "staff. The next save tries again.",
    ),
    "stopped": Text("Наблюдение остановлено.", "Stopped watching."),
}


def word(key: str, lang: str, **values: object) -> str:
    text = WORDS[key](lang)
    return text.format(**values) if values else text


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# --- what changed since the previous grading -------------------------------------------
@dataclass(frozen=True)
class Baseline:
    """The grading a new one is compared with: the previous one of this session, or at
    the start the lesson's recorded last grading."""

    statuses: dict[str, str]  # check id -> status
    score: float
    when: datetime
    recorded: bool = False  # from the progress store, not from this session

    @classmethod
    def of_report(cls, report: GradeReport, when: datetime) -> Baseline:
        return cls({c.id: c.status for c in report.checks}, report.score, when)

    @classmethod
    def of_record(cls, record: progress_store.LessonRecord) -> Baseline:
        return cls(dict(record.statuses), record.score, record.graded_at, recorded=True)


@dataclass(frozen=True)
class Changes:
    now_pass: list[str]
    now_fail: list[str]
    delta: float | None  # None when the two gradings ran different checks


def changes_since(baseline: Baseline, report: GradeReport) -> Changes:
    """Checks passed now that did not before, and checks that passed before and do not
    now (a check the earlier grading did not run is neither)."""
    now_pass = [
        c.id
        for c in report.checks
        if c.status == "passed"
        and c.id in baseline.statuses
        and baseline.statuses[c.id] != "passed"
    ]
    now_fail = [
        c.id
        for c in report.checks
        if c.status != "passed" and baseline.statuses.get(c.id) == "passed"
    ]
    same_checks = set(baseline.statuses) == {c.id for c in report.checks}
    delta = round(report.score - baseline.score, 1) if same_checks else None
    return Changes(now_pass, now_fail, delta)


def _ids(ids: list[str], limit: int = 6) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" (+{len(ids) - limit})" if len(ids) > limit else "")


def change_line(baseline: Baseline | None, report: GradeReport, lang: str) -> str:
    """The second line of the watch screen (rich markup)."""
    if baseline is None:
        return f"[dim]{word('first_in_session', lang)}[/dim]"
    changes = changes_since(baseline, report)
    if not changes.now_pass and not changes.now_fail and not changes.delta:
        return f"[dim]{word('no_change', lang)}[/dim]"
    when = baseline.when.strftime("%Y-%m-%d %H:%M" if baseline.recorded else "%H:%M:%S")
    parts = []
    if changes.delta:
        colour = "green" if changes.delta > 0 else "red"
        sign = "+" if changes.delta > 0 else "−"
        delta = f"{sign}{_number(abs(changes.delta))}"
        parts.append(f"[{colour}]{word('points', lang, delta=delta)}[/{colour}]")
    if changes.now_pass:
        parts.append(f"[green]{escape(word('now_pass', lang, ids=_ids(changes.now_pass)))}[/green]")
    if changes.now_fail:
        parts.append(f"[red]{escape(word('now_fail', lang, ids=_ids(changes.now_fail)))}[/red]")
    key = "since_record" if baseline.recorded else "since_session"
    return f"[bold]{word(key, lang, when=when)}:[/bold] " + " · ".join(parts)


# --- the screen ------------------------------------------------------------------------
def render_watch_screen(
    report: GradeReport,
    baseline: Baseline | None,
    console: Console,
    lang: str,
    *,
    folder: str,
    number: int,
    finished_at: datetime,
    verbose: bool = False,
    only: list[str] | None = None,
) -> None:
    """The compact report of one grading: points, changes, the first failure in full."""
    rubric = report.rubric
    colour = "green" if report.passed else "red"
    verdict = tr("passed_verdict" if report.passed else "failed_verdict", lang)
    capped = f" ({tr('capped', lang, cap=report.cap_percent)})" if report.cap_percent != 100 else ""
    subset = f" · {escape(word('only', lang, ids=', '.join(only)))}" if only else ""
    console.print(
        f"[bold]{tr('lesson', lang).capitalize()} {rubric.lesson} «{escape(rubric.title(lang))}»: "
        f"[{colour}]{_number(report.score)}/{report.max_score}[/{colour}]{capped} — "
        f"[{colour}]{verdict}[/{colour}][/bold] ({tr('passing_score', lang)} {rubric.passing_score})"
        f"{subset}  [dim]#{number} · {finished_at:%H:%M:%S} · {report.duration_s:.1f} s[/dim]"
    )
    console.print(change_line(baseline, report, lang))
    by_status: dict[str, list[str]] = {}
    for check in report.checks:
        by_status.setdefault(check.status, []).append(check.id)
    counts = []
    if by_status.get("passed"):
        counts.append(f"[green]{word('count_passed', lang, n=len(by_status['passed']))}[/green]")
    if by_status.get("failed"):
        failed = by_status["failed"]
        counts.append(
            f"[red]{escape(word('count_failed', lang, n=len(failed), ids=_ids(failed)))}[/red]"
        )
    if by_status.get("error"):
        errors = by_status["error"]
        counts.append(
            f"[magenta]{escape(word('count_error', lang, n=len(errors), ids=_ids(errors)))}[/magenta]"
        )
    if by_status.get("skipped"):
        counts.append(
            f"[yellow]{word('count_skipped', lang, n=len(by_status['skipped']))}[/yellow]"
        )
    console.print(" · ".join(counts))
    first = progress_store.first_failure(report)
    if first is None:
        console.print(f"\n[bold green]{word('all_pass', lang)}[/]")
    else:
        render_failure(first, console, lang, verbose)
        others = [c for c in report.checks if c.status in ("failed", "error") and c is not first]
        if others:
            command = f"python -m autograder {folder}"
            console.print(f"\n[dim]{escape(word('more_failures', lang, command=command))}[/dim]")


def footer(folder: str, lang: str) -> str:
    return f"[dim]{escape(word('footer', lang, folder=folder))}[/dim]"


class WatchProgress(Progress):
    """The screen while a grading runs: a progress line, and the first failure at once."""

    def __init__(self, console: Console, lang: str, verbose: bool) -> None:
        self.console = console
        self.lang = lang
        self.verbose = verbose
        self.lock = threading.Lock()
        self.running: list[str] = []
        self.total = 0
        self.done = 0
        self.shown_failure = False
        self.live: Live | None = None

    def __enter__(self) -> WatchProgress:
        self.live = Live(self._render(), console=self.console, transient=True, refresh_per_second=8)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def _render(self) -> Spinner:
        if not self.total:
            return Spinner("dots", text=word("preparing", self.lang))
        names = ", ".join(self.running) or "…"
        return Spinner(
            "dots", text=word("progress", self.lang, done=self.done, total=self.total, names=names)
        )

    def _update(self) -> None:
        if self.live is not None:
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
            if result.status in ("failed", "error") and not self.shown_failure:
                # A syntax error, a crash at import: the student reads it now, not once
                # the slowest check is done. The final screen shows the full report.
                self.shown_failure = True
                self.console.print(f"[bold]{word('early', self.lang)}[/bold]")
                render_failure(result, self.console, self.lang, self.verbose)
            self._update()


# --- the loop --------------------------------------------------------------------------
class SourceFilter(watchfiles.DefaultFilter):
    """Python files only, without editors' swap and backup files or caches."""

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return path.endswith(".py") and super().__call__(change, path)


@dataclass
class GradeOptions:
    only: list[str] | None = None
    isolation: str = "auto"
    jobs: int = 4
    student_uid: int | None = None
    verbose: bool = False
    record: bool = True  # keep complete gradings for the course overview
    custom_rubric: bool = False


class Watcher:
    """Grades `folder` on every burst of saves until stopped (see the module docstring)."""

    def __init__(
        self,
        folder: Path,
        label: str,
        rubric: Rubric,
        lang: str,
        options: GradeOptions,
        console: Console,
    ) -> None:
        self.folder = folder
        self.label = label
        self.rubric = rubric
        self.lang = lang
        self.options = options
        self.console = console
        self.stop = threading.Event()
        self.number = 0
        self.cancelled: int | None = None  # the grading a save stopped, if any
        self.warm_up: threading.Thread | None = None
        self.current: tuple[threading.Thread, threading.Event] | None = None
        self.baseline = self._recorded_baseline()

    def _recorded_baseline(self) -> Baseline | None:
        """The lesson's last recorded grading, when it graded this folder in full."""
        if self.options.only or self.options.custom_rubric:
            return None
        root = progress_store.lesson_folder_root(self.folder, self.rubric.lesson)
        if root is None:
            return None
        record = progress_store.load_progress(root).get(self.rubric.lesson)
        if record is None or (root / record.folder).resolve() != self.folder.resolve():
            return None
        return Baseline.of_record(record)

    def run(self) -> int:
        # The syntax check asks this machine's newer Pythons whether they would accept a
        # file (source.check_syntax). Finding them takes seconds once (more behind pyenv's
        # shims), so it starts now, beside the first grading, rather than when the first
        # syntax error should show at once.
        self.warm_up = threading.Thread(
            target=_find_newer_pythons, args=(self.options, self.stop), daemon=True
        )
        self.warm_up.start()
        handlers = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            handlers[sig] = signal.signal(sig, self._on_signal)
        try:
            for names in self._bursts():
                self._cancel_current()
                self._start(saved=names)
        finally:
            self._cancel_current()
            if self.warm_up is not None:
                self.warm_up.join(timeout=30)  # its short-lived interpreters end before we do
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
        self.console.print(f"\n{word('stopped', self.lang)}")
        return 0

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.stop.set()
        if self.current is not None:
            self.current[1].set()  # the running grading stops now, not after the watcher

    def _bursts(self) -> Iterator[list[str] | None]:
        """None first (the first grading), then the names of the files saved in each
        burst, until stopped. The first grading starts once the watcher is set up, so a
        save made while it runs is never missed."""
        pending: set[str] = set()
        burst_started = 0.0
        first = True
        for changes in watchfiles.watch(
            self.folder,
            watch_filter=SourceFilter(),
            debounce=MAX_BURST_MS,
            step=STEP_MS,
            rust_timeout=QUIET_MS,
            yield_on_timeout=True,
            stop_event=self.stop,
            raise_interrupt=False,
        ):
            if first:
                first = False
                yield None
            if changes:
                if not pending:
                    burst_started = time.monotonic()
                pending |= {Path(path).name for _, path in changes}
            # Over once nothing has changed for QUIET_MS, or once it has lasted MAX_BURST_MS
            # (a file that something rewrites all the time still gets graded).
            if pending and (not changes or time.monotonic() - burst_started > MAX_BURST_MS / 1000):
                yield sorted(pending)
                pending = set()

    def _cancel_current(self) -> None:
        if self.current is None:
            return
        thread, interrupt = self.current
        interrupt.set()
        thread.join()
        self.current = None

    def _start(self, saved: list[str] | None) -> None:
        self.number += 1
        interrupt = threading.Event()
        if self.stop.is_set():
            interrupt.set()
        thread = threading.Thread(
            target=self._grade_once,
            args=(self.number, saved, interrupt),
            name=f"watch-grading-{self.number}",
        )
        self.current = (thread, interrupt)
        thread.start()

    def _grade_once(self, number: int, saved: list[str] | None, interrupt: threading.Event) -> None:
        lang = self.lang
        started_at = datetime.now()
        self.console.clear()
        reason = (
            word("saved", lang, files=", ".join(saved), time=f"{started_at:%H:%M:%S}")
            if saved
            else word("first", lang)
        )
        self.console.print(
            f"[bold]{escape(word('grading', lang, n=number, folder=self.label))}[/bold] — "
            f"{escape(reason)}"
        )
        if self.cancelled is not None:
            self.console.print(f"[dim]{word('cancelled', lang, n=self.cancelled)}[/dim]")
            self.cancelled = None
        error: str | None = None
        report: GradeReport | None = None
        try:
            with WatchProgress(self.console, lang, self.options.verbose) as progress:
                report = grade(
                    self.folder,
                    self.rubric,
                    only=self.options.only,
                    isolation=self.options.isolation,
                    jobs=self.options.jobs,
                    progress=progress,
                    interrupt=interrupt,
                    student_uid=self.options.student_uid,
                )
        except (GradingError, RubricError) as exc:
            error = word("cannot_grade", lang, error=exc)
        except Exception as exc:  # noqa: BLE001 - the loop goes on; the next save retries
            with tempfile.NamedTemporaryFile(
                "w", prefix="autograder-error-", suffix=".log", delete=False
            ) as log:
                traceback.print_exc(file=log)
            error = word("internal", lang, error=repr(exc), log=log.name)
        if interrupt.is_set() or (report is not None and report.interrupted):
            self.cancelled = number  # said on the next grading's screen
            return
        finished_at = datetime.now()
        self.console.clear()
        if report is None:
            self.console.print(f"[bold red]{escape(error or '')}[/]")
        else:
            render_watch_screen(
                report,
                self.baseline,
                self.console,
                lang,
                folder=self.label,
                number=number,
                finished_at=finished_at,
                verbose=self.options.verbose,
                only=self.options.only,
            )
            self.baseline = Baseline.of_report(report, finished_at)
            progress_store.record_grading(
                report,
                partial=bool(self.options.only),
                custom_rubric=self.options.custom_rubric,
                requested=self.options.record,
            )
        self.console.print()
        self.console.print(footer(self.label, lang))


def _find_newer_pythons(options: GradeOptions, stop: threading.Event) -> None:
    """Ask each interpreter source.newer_pythons() would ask for its version, so that its
    answers are cached (python_version) when a syntax error needs them; one at a time,
    until stopped."""
    with contextlib.suppress(Exception):  # only a head start: grade() asks again if need be
        python, _ = student_python(options.student_uid)
        python_version(python)
        for minor in (None, *range(10, 21)):
            candidate = sys.executable if minor is None else shutil.which(f"python3.{minor}")
            if stop.is_set():
                return
            if candidate and os.access(candidate, os.X_OK):
                python_version(candidate)


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):
        return False
