"""Grading one submission: find its programs, run the lesson's checks, score them.

Checks run in parallel (each in its own sandbox, so hard-coded ports never collide),
in dependency order: a check whose prerequisite failed is skipped and says which. Every
check has a hard deadline; past it the check's programs are killed and it is reported as
an error, so a grading always ends with every check reported.
"""

from __future__ import annotations

import concurrent.futures
import fnmatch
import re
import threading
import time
import traceback
from pathlib import Path

from autograder.context import CheckContext, CheckSet, CheckSpec
from autograder.i18n import Text
from autograder.lessons import check_set
from autograder.results import CheckResult, GradeReport, GradingPlan
from autograder.rubric import Rubric, RubricItem
from autograder.sandbox import Limits, SandboxError, SandboxFactory
from autograder.source import check_syntax, python_version, scan_source
from autograder.submission import Submission
from autograder.submission_copy import Refused, program_problem
from autograder.verdicts import CheckFailed, CheckSkipped, outcome_of, points_for

CHECK_DEADLINE = 60.0  # seconds: no single check may take longer


class GradingError(Exception):
    """The submission cannot be graded at all (exit code 2)."""


# --- finding what to grade ------------------------------------------------------------
def find_program(
    folder: Path, preferred: str | None, role: str, refused: dict[str, Refused] | None = None
) -> tuple[Path | None, Text | None]:
    """`server.py` (or the one file whose name mentions the role, e.g. chat_server.py),
    or why the file the student meant cannot be used (a link out of the submission, a
    FIFO, a folder): `folder` is the grader's copy, `refused` what the copy left out."""
    refused = refused or {}
    if preferred:
        problem = program_problem(folder, preferred, refused)
        if problem is not None:
            return None, problem
        if (folder / preferred).is_file():
            return folder / preferred, None
    candidates = sorted(p for p in folder.glob(f"*{role}*.py") if p.is_file())
    if len(candidates) == 1:
        return candidates[0], None
    if not candidates:
        meant = sorted(n for n in refused if "/" not in n and fnmatch.fnmatch(n, f"*{role}*.py"))
        if len(meant) == 1:
            return None, refused[meant[0]].message()
    return None, None


_UDP = re.compile(r"\bSOCK_DGRAM\b|\brecvfrom\s*\(")
_TCP = re.compile(r"\bSOCK_STREAM\b|\.listen\s*\(|\baccept\s*\(|socketserver|create_server")


def detect_implementation(server: Path) -> str:
    """'udp' when the server's source uses datagrams and nothing of TCP, else 'tcp'."""
    try:
        source = server.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "tcp"
    return "udp" if _UDP.search(source) and not _TCP.search(source) else "tcp"


def lesson_from_path(path: Path) -> str | None:
    """`lessons/04`, `solutions/04`, `04-no-join`, `lesson04` -> "04"."""
    for part in reversed(path.resolve().parts):
        match = re.match(r"^(?:lesson[-_]?)?(\d{2})(?:\b|[-_])", part + "-")
        if match:
            return match.group(1)
    return None


def load_submission(
    path: Path,
    rubric: Rubric,
    refused: dict[str, Refused] | None = None,
    shown_as: Path | None = None,
) -> Submission:
    """What to grade in `path` (the grader's copy of the submission; `refused`: what the
    copy left out, `shown_as`: the folder as the user named it, for messages)."""
    shown = shown_as or path
    server, server_problem = find_program(path, rubric.server, "server", refused)
    if server is None and server_problem is None:
        raise GradingError(f"no server file in {shown}: expected {rubric.server}")
    client, client_problem = (
        find_program(path, rubric.client, "client", refused) if rubric.client else (None, None)
    )
    # A lesson with one implementation is graded as such (lesson 03 is UDP, whatever the
    # source looks like: socketserver.UDPServer, asyncio); lesson 04 takes either.
    implementation = (
        detect_implementation(server) if rubric.udp_items and server else rubric.implementation
    )
    return Submission(
        path.resolve(),
        server.resolve() if server else None,
        client.resolve() if client else None,
        implementation,
        server_facts=scan_source(server),
        client_facts=scan_source(client),
        unusable={
            role: problem
            for role, problem in (("server", server_problem), ("client", client_problem))
            if problem is not None
        },
    )


# --- running checks --------------------------------------------------------------------
def run_check(spec: CheckSpec, item: RubricItem, ctx: CheckContext) -> CheckResult:
    started = time.monotonic()
    ctx.transcript.started = started
    failure: CheckFailed | None = None
    error: Text | None = None
    try:
        spec.function(ctx)
    except CheckFailed as exc:
        failure = exc
        ctx.judge(exc)  # the evidence decides its hint (a failed step's is judged already)
    except SandboxError as exc:
        error = Text(f"песочница: {exc}", f"sandbox: {exc}")
    except Exception as exc:  # noqa: BLE001 - a check's own bug must not stop the grading
        if ctx.cancelled.is_set():
            error = Text("проверка прервана", "the check was stopped")
        else:
            error = Text(
                f"внутренняя ошибка проверки: {exc!r}",
                f"internal error in the check: {exc!r}",
            )
            ctx.transcript.add("grader", traceback.format_exc(limit=3).strip().splitlines()[-1])
    box = ctx.main_box
    result = CheckResult(
        id=item.id,
        title=item.title,
        group=item.group,
        status="error" if error else "passed",
        points=0.0,
        max_points=item.points,
        transcript=ctx.transcript.snapshot(),
        notes=list(ctx.notes),
        steps=list(ctx.steps),
        program="client" if spec.needs == "client" else "server",
    )
    # Close first: it drains the program's pipes to their end, so the last lines it wrote
    # before dying (its traceback) are in the report, not lost to a reader still behind.
    ctx.close()
    if box is not None:
        # Tracebacks name the grader's private copy of the submission (or, in a private
        # root, /submission); show the student their own file names instead.
        result.stderr = ctx.factory.student_paths(box.stderr_text())
        result.stderr_dropped = box.stderr.dropped if box.stderr else 0
        result.stdout = ctx.factory.student_paths(box.stdout_text())
    if error:
        result.message = error
    elif isinstance(failure, CheckSkipped):
        result.status, result.message, result.blocking = "skipped", failure.message, False
    else:
        result.status, fraction = outcome_of(ctx.steps, failure)
        result.points = points_for(item.points, fraction)
        shown = failure or next((s.failure for s in ctx.steps if not s.passed), None)
        if shown is not None:
            step = next((s for s in ctx.steps if s.failure is shown), None)
            result.message = (
                Text(f"{step.title.ru}: {shown.message.ru}", f"{step.title.en}: {shown.message.en}")
                if step
                else shown.message
            )
            result.expected, result.received, result.hint = (
                shown.expected,
                shown.received,
                shown.hint,
            )
            result.blocking = shown.blocking and step is None
            # Every other part that failed, once each (the shown one is not repeated).
            result.other_failed_steps = [
                s for s in ctx.steps if not s.passed and s.failure is not shown
            ]
    result.duration_s = round(time.monotonic() - started, 3)
    return result


class Progress:
    """Hears how a grading goes; the CLI's live display and streamed report subclass it."""

    def begin(self, plan: GradingPlan) -> None:
        """The grading is set up: the checks in `plan.check_ids` are about to run."""

    def started(self, check_id: str) -> None:
        """A check started running."""

    def finished(self, result: CheckResult) -> None:
        """A check has its result (passed, failed, skipped or error)."""


def grade(
    path: Path,
    rubric: Rubric,
    only: list[str] | None = None,
    isolation: str = "auto",
    jobs: int = 4,
    progress: Progress | None = None,
    limits: Limits | None = None,
    interrupt: threading.Event | None = None,
    student_uid: int | None = None,
) -> GradeReport:
    """Grade the programs in `path` against `rubric` (see the module docstring).

    `student_uid`: as root, the uid the student's programs run as (default `nobody`);
    concurrent gradings given distinct uids cannot signal or inspect each other's programs.
    """
    started = time.monotonic()
    if not path.exists():
        raise GradingError(f"path not found: {path}")
    if not path.is_dir():
        raise GradingError(f"not a folder: {path} (give the folder that holds server.py)")
    # Everything below reads the grader's own copy of the submission, which holds nothing
    # from outside it (a link to /root/secret.txt is left out and named, never read).
    try:
        factory = SandboxFactory(
            path.resolve(), isolation, limits or rubric.sandbox_limits(), student_uid=student_uid
        )
    except SandboxError as exc:
        raise GradingError(str(exc)) from exc
    try:
        submission = load_submission(factory.copy, rubric, factory.refused, shown_as=path)
        implementation = submission.implementation
        checks = check_set(rubric.lesson, implementation)
        if checks is None:
            raise GradingError(f"lesson {rubric.lesson} has no {implementation.upper()} checks yet")
        items = [i for i in rubric.items_for(implementation) if not only or i.id in only]
        if only and not items:
            raise GradingError(f"no such check: {', '.join(only)}")
        unknown = [i.id for i in items if i.id not in checks.checks]
        if unknown:
            raise GradingError(f"the rubric names checks that do not exist: {', '.join(unknown)}")
        # The student's own addresses (a LAN address in the source) go on the sandbox's
        # loopback, so a server that binds one runs and a client that connects to one
        # arrives.
        addresses = [*submission.server_facts.addresses, *submission.client_facts.addresses]
        factory.addresses = list(dict.fromkeys(addresses))
        for program in (submission.server, submission.client):
            if program is not None:
                problem = check_syntax(factory.python, program)
                if problem is not None:
                    submission.syntax[program.name] = problem
        results: dict[str, CheckResult] = {}
        interrupted = False
        if progress is not None:
            progress.begin(
                GradingPlan(
                    path,
                    rubric,
                    implementation,
                    factory.isolation,
                    factory.python,
                    python_version(factory.python),
                    tuple(i.id for i in items),
                    factory.walls,
                )
            )
        interrupted = _run_all(
            items, checks, factory, submission, jobs, results, progress, interrupt
        )
    finally:
        factory.close()
    ordered = [results[i.id] for i in items]
    return GradeReport(
        path=path,
        rubric=rubric,
        implementation=implementation,
        isolation=factory.isolation,
        checks=ordered,
        duration_s=round(time.monotonic() - started, 3),
        cap_percent=rubric.udp_cap_percent if implementation == "udp" else 100,
        interrupted=interrupted,
        python=factory.python,
        python_version=python_version(factory.python),
        walls=factory.walls,
    )


def _started(
    progress: Progress | None, spec: CheckSpec, item: RubricItem, ctx: CheckContext
) -> CheckResult:
    if progress:
        progress.started(item.id)
    return run_check(spec, item, ctx)


def _run_all(
    items: list[RubricItem],
    checks: CheckSet,
    factory: SandboxFactory,
    submission: Submission,
    jobs: int,
    results: dict[str, CheckResult],
    progress: Progress | None,
    interrupt: threading.Event | None,
) -> bool:
    """Run every item, respecting dependencies; True if the grading was interrupted."""
    # Long checks first: the grading ends when its slowest check does.
    pending = sorted(items, key=lambda i: not checks.checks[i.id].long)
    selected = {i.id for i in items}
    running: dict[
        concurrent.futures.Future[CheckResult], tuple[RubricItem, CheckContext, float]
    ] = {}
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=max(1, jobs), thread_name_prefix="check"
    )
    interrupted = False
    try:
        while pending or running:
            if interrupt is not None and interrupt.is_set():
                interrupted = True
                break
            for item in list(pending):
                spec = checks.checks[item.id]
                parents = [d for d in spec.depends if d in selected]
                if any(d not in results for d in parents):
                    continue
                # A server that ignores the port it was handed, on a shared host (ports
                # mode): two copies would fight over its fixed port, so one at a time.
                if (
                    factory.fixed_port is not None
                    and spec.needs == "server"
                    and any(checks.checks[i.id].needs == "server" for i, _, _ in running.values())
                ):
                    continue
                # Nor may the grader play the server for the student's client while that
                # server may hold the port the client connects to (its port is fixed, or
                # not known yet): the client could reach the student's own server.
                if (
                    factory.isolation == "ports"
                    and spec.needs in ("server", "client")
                    and (factory.fixed_port is not None or not factory.port_known)
                    and any(
                        checks.checks[i.id].needs not in (spec.needs, "static")
                        for i, _, _ in running.values()
                    )
                ):
                    continue
                pending.remove(item)
                blocked = [
                    d for d in parents if results[d].status != "passed" and results[d].blocking
                ]
                if blocked:
                    results[item.id] = CheckResult.not_run(
                        item,
                        "skipped",
                        Text(
                            f"пропущена: не прошла проверка «{blocked[0]}»",
                            f"skipped: check '{blocked[0]}' did not pass",
                        ),
                    )
                    if progress:
                        progress.finished(results[item.id])
                    continue
                ctx = CheckContext(factory, submission, server_hints=checks.server_hints)
                future = pool.submit(_started, progress, spec, item, ctx)
                running[future] = (item, ctx, time.monotonic() + CHECK_DEADLINE)
            if not running:
                continue
            done, _ = concurrent.futures.wait(
                running, timeout=0.2, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                item, _ctx, _ = running.pop(future)
                results[item.id] = future.result()
                if progress:
                    progress.finished(results[item.id])
            now = time.monotonic()
            for future, (item, ctx, deadline) in list(running.items()):
                if now > deadline:
                    ctx.cancelled.set()
                    ctx.close()  # kills its programs and sockets: the check's thread unblocks
                    running.pop(future)
                    results[item.id] = CheckResult.not_run(
                        item,
                        "error",
                        Text(
                            f"проверка не уложилась в {CHECK_DEADLINE:.0f} с и остановлена",
                            f"the check overran its {CHECK_DEADLINE:.0f}s deadline and was stopped",
                        ),
                        transcript=ctx.transcript.snapshot(),
                    )
                    if progress:
                        progress.finished(results[item.id])
    finally:
        for _future, (_item, ctx, _) in list(running.items()):
            ctx.cancelled.set()
            ctx.close()
        # Their programs and sockets are gone, so the checks fail fast; give them a moment
        # to unwind before the factory removes the files they ran from.
        concurrent.futures.wait(running, timeout=2)
        pool.shutdown(wait=False, cancel_futures=True)
    for item in items:
        if item.id not in results:
            results[item.id] = CheckResult.not_run(
                item, "error", Text("автопроверка прервана", "the grader was interrupted")
            )
    return interrupted
