"""`python -m autograder batch DIR... [--lesson NN] [-j N]`: grade a class into a gradebook.

Each submission folder is graded by its own grader process (`python -m autograder DIR
--format json=...`), N at a time. A process per grading keeps every guarantee of a single
grading as it is: its checks, its time limits, its sandbox teardown (which, in
`--isolation ports`, reaps every orphan of *its* process), its exit code, and a crash of
the grader itself ends one grading, not the batch. Python's start-up (~0.1 s) is nothing
next to a grading (seconds).

What a grading may not do to the batch or to the gradings beside it:

* hang: each grading has a wall-clock limit (`--timeout`); past it the grader gets
  SIGTERM (it stops its checks and tears its sandboxes down), then SIGKILL;
* leave anything running: after each grading every process of its student uid, and every
  process working under its private TMPDIR, is killed before the slot is used again;
* see or signal its neighbours: as root, each concurrent slot runs its student programs
  as its own unprivileged uid (`--uid-base`, a range no account uses), so in
  `--isolation ports` (no PID namespace) one grading's programs cannot signal, trace or
  read the /proc entries of another's; in the network-namespace mode each check already
  has a PID namespace of its own. Hard-coded ports never collide there either.

Resume: each finished submission leaves a record (the grader's JSON report plus outcome,
exit code and time) in `<gradebook>-reports/<name>.json`, written atomically, and the CSV
is rebuilt from the records after every grading. Rerunning the same command skips every
submission that has a record (`--regrade` grades all again, `--retry-errors` only the
errors and timeouts). Ctrl+C stops the running gradings (their programs with them),
keeps what is done, and exits 2.

`--similarity` (with `--starter`, `--archive`): once the class is graded, the pairs of
submissions that share code, as `python -m autograder similar` ranks them
(autograder/similarity/), go to `<gradebook>-similarity.html`, and the gradebook gains
two last columns: each submission's closest match and the share of its code found there.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import fcntl
import io
import json
import os
import pwd
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import autograder
from autograder import similarity
from autograder.atomic_file import write_text_atomically
from autograder.i18n import LANGUAGES, default_language
from autograder.jobs import BatchError, Job, find_jobs
from autograder.lessons import rubric_for_lesson
from autograder.rubric import RubricError
from autograder.sandbox.locks import open_lock_file

EXIT_DONE, EXIT_INTERRUPTED = 0, 2
UID_BASE = 2_000_000_000  # systemd's "unused" range: no account, no container maps it
TERM_GRACE = 10.0  # seconds a stopped grader gets to tear its sandboxes down
OUTCOMES = ("graded", "error", "timeout")


@dataclass
class Record:
    """What one grading left: the report or why there is none. Saved as a side-car JSON."""

    submission: str
    path: str
    lesson: str
    outcome: str  # graded | error | timeout
    exit_code: int | None
    seconds: float
    message: str = ""
    report: dict[str, Any] | None = None
    graded_at: str = ""
    student_uid: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- the records and the gradebook ----------------------------------------------------------
def records_dir(gradebook: Path) -> Path:
    return gradebook.with_name(f"{gradebook.stem}-reports")


def record_path(gradebook: Path, job: Job) -> Path:
    return records_dir(gradebook) / f"{job.key}.json"


def load_record(gradebook: Path, job: Job) -> Record | None:
    """The record of a finished grading of this very folder, if there is one."""
    try:
        data = json.loads(record_path(gradebook, job).read_text(encoding="utf-8"))
        record = Record(**data)
    except (OSError, ValueError, TypeError):
        return None
    if record.path != str(job.path) or record.outcome not in OUTCOMES:
        return None
    return record


def check_columns(jobs: list[Job]) -> list[str]:
    """Every check of every lesson in the batch, TCP first, then the UDP-only ones."""
    columns: list[str] = []
    for lesson in dict.fromkeys(job.lesson for job in jobs):
        rubric = rubric_for_lesson(lesson)
        for item in (*rubric.items, *rubric.udp_items):
            if item.id not in columns:
                columns.append(item.id)
    return columns


def gradebook_rows(
    jobs: list[Job],
    records: dict[str, Record],
    checks: list[str],
    extra: tuple[list[str], dict[str, dict[str, str]]] | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """The gradebook's header and rows; `extra` (columns, values by submission) is
    appended after every other column (`--similarity`: the closest match)."""
    header = [
        "submission",
        "lesson",
        *checks,
        "total",
        "max_score",
        "passed",
        "seconds",
        "isolation",
        "implementation",
        "outcome",
        "exit_code",
        "message",
        "path",
        *(f"{check}:status" for check in checks),
        *(extra[0] if extra else []),
    ]
    rows = []
    for job in jobs:
        record = records.get(job.key)
        if record is None:
            continue
        report = record.report or {}
        by_id = {c["id"]: c for c in report.get("checks", [])}
        row: dict[str, Any] = {
            "submission": job.key,
            "lesson": job.lesson,
            "total": report.get("score", 0),
            "max_score": report.get("max_score", ""),
            "passed": "yes" if report.get("passed") else "no",
            "seconds": f"{record.seconds:.1f}",
            "isolation": report.get("isolation", ""),
            "implementation": report.get("implementation", ""),
            "outcome": record.outcome,
            "exit_code": "" if record.exit_code is None else record.exit_code,
            "message": record.message,
            "path": record.path,
        }
        for check in checks:
            found = by_id.get(check)
            row[check] = found["points"] if found else ""
            row[f"{check}:status"] = found["status"] if found else ""
        if extra:
            row.update({column: extra[1].get(job.key, {}).get(column, "") for column in extra[0]})
        rows.append(row)
    return header, rows


def write_gradebook(
    gradebook: Path,
    jobs: list[Job],
    records: dict[str, Record],
    checks: list[str],
    extra: tuple[list[str], dict[str, dict[str, str]]] | None = None,
) -> None:
    header, rows = gradebook_rows(jobs, records, checks, extra)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomically(gradebook, buffer.getvalue())


# --- isolation between concurrent gradings ---------------------------------------------------
def uid_in_use(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        pass
    for process in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if uid in process.info["uids"]:
                return True
    return False


def slot_uids(slots: int, base: int, held: list[IO[bytes]]) -> list[int | None]:
    """A distinct unused uid per concurrent slot (root only; None: the grader's default).

    Unused: no account, no process, and no other batch holding it. Two batches started
    at the same moment see the same uids free, so each takes an flock on a lock file per
    uid (the lock folder of the single gradings' UidLease) and keeps the files open in
    `held` while it runs: the later one moves on to other uids. A batch kills every
    process of a slot's uid after each grading; with a uid shared, one batch killed the
    other's student programs in the middle of their checks ("exited (status -9)")."""
    if os.geteuid() != 0:
        return [None] * slots
    uids: list[int | None] = []
    candidate = base
    while len(uids) < slots:
        if candidate - base > 10 * slots + 100:
            raise BatchError(f"no {slots} unused uids from {base} on (--uid-base)")
        if not uid_in_use(candidate) and _hold_uid(candidate, held):
            uids.append(candidate)
        candidate += 1
    return uids


def _hold_uid(uid: int, held: list[IO[bytes]]) -> bool:
    """Take this uid for the batch's lifetime; False if another batch holds it."""
    try:
        handle = open_lock_file(f"uid-{uid}.lock")
    except OSError:
        return True  # no lock folder here: the process check above is all there is
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    held.append(handle)
    return True


def leftovers(uid: int | None, tmpdir: Path) -> list[psutil.Process]:
    """Processes of one grading: its student uid (a batch uid, never shared), or working
    under its private TMPDIR (every sandbox copies the submission there)."""
    found = []
    marker = str(tmpdir)
    for process in psutil.process_iter(["uids"]):
        if process.pid == os.getpid():
            continue
        try:
            if uid is not None and uid in process.info["uids"]:
                found.append(process)
                continue
            cwd = process.cwd()
        except (psutil.Error, TypeError):
            continue
        if cwd == marker or cwd.startswith(marker + os.sep):
            found.append(process)
    return found


def sweep(uid: int | None, tmpdir: Path, deadline: float = 10.0) -> int:
    """Kill whatever of this grading is still running; how many there were."""
    killed: set[int] = set()
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        left = []
        for process in leftovers(uid, tmpdir):
            with contextlib.suppress(psutil.Error):
                if process.status() != psutil.STATUS_ZOMBIE:
                    left.append(process)
        if not left:
            break
        for process in left:
            with contextlib.suppress(psutil.Error):
                process.kill()
                killed.add(process.pid)
        time.sleep(0.05)
    return len(killed)


# --- one grading ------------------------------------------------------------------------------
@dataclass
class Settings:
    gradebook: Path
    isolation: str
    lang: str
    timeout: float
    check_jobs: int


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        data = path.read_bytes()[-limit:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")


def _grader_message(log: str) -> str:
    lines = [line for line in log.strip().splitlines() if line.strip()]
    messages = [line for line in lines if line.startswith("autograder:")]
    return (messages or lines or [""])[-1][:500]


def grade_one(
    job: Job, uid: int | None, settings: Settings, stop: threading.Event
) -> Record | None:
    """Grade one folder in its own grader process; None if stopped by an interrupt."""
    tmpdir = Path(tempfile.mkdtemp(prefix=f"autograder-batch-{job.key[:40]}-"))
    tmpdir.chmod(0o755)  # the student uid must reach its copy of the submission
    report_file = tmpdir / "report.json"
    log_file = tmpdir / "grader.log"
    command = [
        sys.executable,
        "-m",
        "autograder",
        str(job.path),
        "--lesson",
        job.lesson,
        "--format",
        f"json={report_file}",
        "--lang",
        settings.lang,
        "--isolation",
        settings.isolation,
        "--jobs",
        str(settings.check_jobs),
        "--no-step-summary",
        "--no-record",  # a class's gradings are not a student's progress
    ]
    if uid is not None:
        command += ["--student-uid", str(uid)]
    # The grader package is imported from where this one lives, never from the current
    # folder (which may be a student's, with an `autograder/` of its own).
    package_root = Path(autograder.__file__).resolve().parent.parent
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(package_root), env.get("PYTHONPATH")]))
    started = time.monotonic()
    outcome, exit_code, stopped = "graded", None, False
    try:
        with open(log_file, "wb") as log:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                cwd=package_root,
                env=env,
                start_new_session=True,  # Ctrl+C reaches the batch, which stops it cleanly
            )
        deadline = started + settings.timeout
        while True:
            try:
                exit_code = proc.wait(0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            if stop.is_set() or time.monotonic() > deadline:
                stopped = stop.is_set()
                outcome = "error" if stopped else "timeout"
                exit_code = terminate(proc)
                break
        seconds = round(time.monotonic() - started, 3)
        if stopped:
            return None
        message = ""
        report = None
        if outcome == "timeout":
            message = f"grading took longer than {settings.timeout:g}s and was stopped"
        elif exit_code in (0, 1):
            try:
                report = json.loads(report_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                outcome, message = "error", f"the grader wrote no report ({exc})"
        else:
            outcome = "error"
            message = _grader_message(_tail(log_file)) or f"the grader exited with {exit_code}"
        return Record(
            submission=job.key,
            path=str(job.path),
            lesson=job.lesson,
            outcome=outcome,
            exit_code=exit_code,
            seconds=seconds,
            message=message,
            report=report,
            graded_at=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            student_uid=uid,
        )
    finally:
        sweep(uid, tmpdir)
        shutil.rmtree(tmpdir, ignore_errors=True)


def terminate(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM the grader (it tears its sandboxes down and exits 2), SIGKILL if it dawdles."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(TERM_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            return proc.wait(5)
    return None


# --- the batch ---------------------------------------------------------------------------------
@dataclass
class Batch:
    jobs: list[Job]
    settings: Settings
    slots: int
    uids: list[int | None]
    records: dict[str, Record] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    graded_now: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, todo: list[Job], stop: threading.Event, on_done) -> None:
        """Grade `todo`, `slots` at a time; `on_done(job, record)` after each one."""
        pending: queue.Queue[Job] = queue.Queue()
        for job in todo:
            pending.put(job)

        def worker(uid: int | None) -> None:
            while not stop.is_set():
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    record = grade_one(job, uid, self.settings, stop)
                except Exception as exc:  # noqa: BLE001 - one grading never stops the batch
                    record = Record(job.key, str(job.path), job.lesson, "error", None, 0.0)
                    record.message = f"batch: could not run the grader: {exc!r}"
                if record is None:
                    return
                write_text_atomically(
                    record_path(self.settings.gradebook, job),
                    json.dumps(record.as_dict(), ensure_ascii=False, indent=1) + "\n",
                )
                with self.lock:
                    self.records[job.key] = record
                    self.graded_now += 1
                    write_gradebook(self.settings.gradebook, self.jobs, self.records, self.checks)
                    on_done(job, record)

        threads = [
            threading.Thread(target=worker, args=(uid,), name=f"slot-{n}", daemon=True)
            for n, uid in enumerate(self.uids[: max(1, min(self.slots, len(todo)))])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)


def describe(job: Job, record: Record) -> str:
    report = record.report or {}
    if record.outcome == "graded":
        verdict = "passed" if report.get("passed") else "not passed"
        return f"{job.key}  {report.get('score')}/{report.get('max_score')}  {verdict}  {record.seconds:.1f} s"
    return f"{job.key}  {record.outcome}: {record.message}  {record.seconds:.1f} s"


def summary_lines(jobs: list[Job], records: dict[str, Record], top: int = 5) -> list[str]:
    """Mean, median, pass rate and the checks failed most, over the recorded submissions."""
    done = [records[j.key] for j in jobs if j.key in records]
    if not done:
        return ["nothing graded yet"]
    scores = [float((r.report or {}).get("score", 0)) for r in done]
    passed = sum(bool((r.report or {}).get("passed")) for r in done)
    outcomes = Counter(r.outcome for r in done)
    failed: Counter[str] = Counter()
    for record in done:
        for check in (record.report or {}).get("checks", []):
            if check["status"] in ("failed", "error"):
                failed[check["id"]] += 1
    lines = [
        f"submissions: {len(done)} of {len(jobs)}"
        + "".join(f", {n} {outcome}" for outcome, n in sorted(outcomes.items())),
        f"score: mean {statistics.mean(scores):.1f}, median {statistics.median(scores):.1f}",
        f"passed: {passed}/{len(done)} ({100 * passed / len(done):.0f}%)",
    ]
    if failed:
        most = ", ".join(f"{check} ({n})" for check, n in failed.most_common(top))
        lines.append(f"failed most: {most}")
    return lines


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder batch",
        description="Grade many submission folders in parallel into a CSV gradebook.",
    )
    parser.add_argument(
        "dirs",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="a submission folder, or a folder of submission folders",
    )
    parser.add_argument("--lesson", help="lesson number (default: from each folder's name)")
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=max(2, 4 * (os.cpu_count() or 1)),
        help="submissions graded at once (default: 4 per CPU; gradings mostly wait)",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("gradebook.csv"),
        help="the CSV gradebook (default gradebook.csv); records go to <name>-reports/",
    )
    parser.add_argument(
        "--isolation", choices=("auto", "netns", "ports"), default="auto", help="as for one grading"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds one grading may take before it is stopped (default 300)",
    )
    parser.add_argument(
        "--check-jobs", type=int, default=4, help="checks run at once within one grading"
    )
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help="language of the reports")
    parser.add_argument(
        "--regrade", action="store_true", help="grade every submission again, done or not"
    )
    parser.add_argument(
        "--retry-errors",
        action="store_true",
        help="grade again the submissions whose record is an error or a timeout",
    )
    parser.add_argument(
        "--uid-base",
        type=int,
        default=int(os.environ.get("AUTOGRADER_UID_BASE", UID_BASE)),
        help=f"as root: concurrent gradings run students as uids from here on (default {UID_BASE})",
    )
    parser.add_argument(
        "--similarity",
        action="store_true",
        help="then rank the pairs of submissions by the code they share (as `python -m "
        "autograder similar`): <gradebook>-similarity.html and two more columns",
    )
    similarity.add_options(parser)
    return parser


@contextlib.contextmanager
def interruptible() -> Iterator[threading.Event]:
    """SIGINT and SIGTERM set an event instead of raising: the batch stops cleanly."""
    stop = threading.Event()
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        if args.jobs < 1 or args.check_jobs < 1 or args.timeout <= 0:
            raise BatchError("-j, --check-jobs and --timeout must be positive")
        jobs = find_jobs(args.dirs, args.lesson)
        checks = check_columns(jobs)
        held_uids: list[IO[bytes]] = []  # open while the batch runs: see slot_uids
        uids = slot_uids(args.jobs, args.uid_base, held_uids)
        alike = similarity.Request(args.dirs, args.lesson, args.starter, args.archive)
        if args.similarity:  # what cannot be compared is said now, not after the grading
            similarity.check_request(alike, [(j.key, j.path, j.lesson) for j in jobs])
    except (BatchError, RubricError, similarity.SimilarityError) as exc:
        err.print(f"[bold red]autograder batch:[/] {exc}")
        return EXIT_INTERRUPTED
    gradebook = args.output.resolve()
    settings = Settings(
        gradebook=gradebook,
        isolation=args.isolation,
        lang=args.lang or default_language(),
        timeout=args.timeout,
        check_jobs=args.check_jobs,
    )
    batch = Batch(jobs, settings, args.jobs, uids, checks=checks)
    todo = []
    for job in jobs:
        record = None if args.regrade else load_record(gradebook, job)
        if record is not None and args.retry_errors and record.outcome != "graded":
            record = None
        if record is None:
            todo.append(job)
        else:
            batch.records[job.key] = record
    write_gradebook(gradebook, jobs, batch.records, checks)
    done_before = len(batch.records)
    out.print(
        f"{len(jobs)} submissions: {done_before} already done, {len(todo)} to grade, "
        f"{min(args.jobs, max(len(todo), 1))} at a time"
        + (", each with its own student uid" if uids[0] is not None else "")
    )
    started = time.monotonic()
    with interruptible() as stop:
        if err.is_terminal:
            with Progress(
                TextColumn("[bold]grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.description}"),
                console=err,
                transient=True,
            ) as progress:
                task = progress.add_task("", total=len(jobs), completed=done_before)

                def on_done(job: Job, record: Record) -> None:
                    progress.console.print(describe(job, record), markup=False)
                    progress.update(task, advance=1, description=job.key)

                batch.run(todo, stop, on_done)
        else:
            counter = iter(range(done_before + 1, len(jobs) + 1))

            def on_done(job: Job, record: Record) -> None:
                width = len(str(len(jobs)))
                line = f"[{next(counter):>{width}}/{len(jobs)}] {describe(job, record)}"
                out.print(line, markup=False)

            batch.run(todo, stop, on_done)
        interrupted = stop.is_set()
    elapsed = time.monotonic() - started
    write_gradebook(gradebook, jobs, batch.records, checks)
    out.print(f"graded {batch.graded_now} now in {elapsed:.1f} s, {done_before} already done")
    for line in summary_lines(jobs, batch.records):
        out.print(line)
    if args.similarity and not interrupted:
        report = args.output.with_name(f"{args.output.stem}-similarity.html")
        try:
            comparisons = similarity.run(alike, [(j.key, j.path, j.lesson) for j in jobs])
            similarity.write_report(comparisons, report, settings.lang, similarity.TOP_DEFAULT)
        except (similarity.SimilarityError, OSError) as exc:
            err.print(f"[bold red]autograder batch:[/] similarity: {escape(str(exc))}")
            return EXIT_INTERRUPTED
        extra = similarity.gradebook_columns(comparisons)
        write_gradebook(gradebook, jobs, batch.records, checks, extra)
        for line in similarity.ranking_lines(comparisons, 10):
            out.print(line, markup=False)
        out.print(f"similarity: {report}", markup=False)
    out.print(f"gradebook: {args.output} (records in {records_dir(args.output)}/)")
    if interrupted:
        err.print(
            "[bold red]autograder batch:[/] interrupted; what is done is kept: "
            "run the same command again to grade the rest"
        )
        return EXIT_INTERRUPTED
    return EXIT_DONE
