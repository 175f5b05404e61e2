"""Hostile submissions attack the grader itself; the grader must hold.

For each `tests/submissions/04-hostile-*` folder (their verdicts are checked by
test_submissions.py), the real command line must:

1. finish within the folder's `max_seconds` with its expected exit code;
2. leave no process of the grading running (student programs, daemons, jails);
3. never show a secret of its own environment: canary secrets are planted in the
   grader's environment and must appear nowhere in its stdout, stderr or JSON.

The same holds in the fallback isolation (`--isolation ports`), and when the grader is
interrupted with SIGINT or SIGTERM mid-grading.

Every grading runs with its own TMPDIR, so every process of that grading (the jail, the
student's programs and whatever they fork) has its working directory under it: that is
how leftovers are found, without mistaking the processes of other gradings for ours.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from autograder.sandbox import namespaces_available

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = sorted(
    p
    for p in (ROOT / "tests" / "submissions").glob("04-hostile-*")
    if (p / "expected.toml").exists()
)
CANARIES = {
    "GITHUB_TOKEN": "canary-ghp-7f3a9c1e",
    "AWS_SECRET_ACCESS_KEY": "canary-aws-0d8b2e64",
    "AUTOGRADER_TEST_SECRET": "canary-secret-51c7",
}
REAP_SECONDS = 5.0  # the kernel may take a moment to reap a killed namespace


@pytest.fixture
def grading_tmp() -> Iterator[Path]:
    """A TMPDIR of its own for one grading (searchable by the unprivileged student user)."""
    path = Path(tempfile.mkdtemp(prefix="hostile-test-"))
    path.chmod(0o755)
    yield path
    for process in leftovers(path):  # never leave anything behind, even when a test fails
        process.kill()
    subprocess.run(["rm", "-rf", str(path)], check=False)


def grader(folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "autograder", str(folder), "--lang", "en", *extra]


def grader_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, **CANARIES, "TMPDIR": str(tmp)}


def run_grader(
    tmp: Path, folder: Path, *extra: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real CLI on `folder`, with the canaries in its environment and `tmp` as TMPDIR."""
    return subprocess.run(
        grader(folder, *extra),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=grader_env(tmp),
        timeout=timeout,
        check=False,
    )


MATCHED_VIA: dict[int, str] = {}  # a descendant: the process of the grading it was found under


def leftovers(tmp: Path, folder: Path | None = None) -> list[psutil.Process]:
    """Processes that belong to a grading: working in its temporary dir, or naming it, and
    everything they started (a student program in its private root works in /submission,
    but it is a descendant of its jail, which works in the grading's temporary dir)."""
    marks = [str(tmp)] + ([str(folder)] if folder else [])
    found: dict[int, psutil.Process] = {}
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        try:
            cwd = process.cwd()
            cmdline = " ".join(process.cmdline())
        except psutil.Error:  # gone meanwhile, or not ours to look at
            continue
        if any(cwd.startswith(m) or m in cmdline for m in marks):
            found[process.pid] = process
            with contextlib.suppress(psutil.Error):
                for child in process.children(recursive=True):
                    found.setdefault(child.pid, child)
                    MATCHED_VIA.setdefault(child.pid, f"{process.pid} {cmdline[:200]} in {cwd}")
    alive = []
    for process in found.values():
        with contextlib.suppress(psutil.Error):
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
    return alive


def wait_for_leftovers(tmp: Path, timeout: float = 30.0) -> bool:
    """Wait until some process of the grading in `tmp` runs a student program."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in leftovers(tmp):
            try:
                if any(part.endswith(("server.py", "client.py")) for part in process.cmdline()):
                    return True
            except psutil.Error:
                continue
        time.sleep(0.02)
    return False


def assert_nothing_left(tmp: Path, folder: Path | None = None) -> None:
    deadline = time.monotonic() + REAP_SECONDS
    while True:
        left = leftovers(tmp, folder)
        if not left:
            return
        if time.monotonic() > deadline:
            described = []
            for p in left:
                try:
                    via = MATCHED_VIA.get(p.pid, "")
                    described.append(
                        f"{p.pid} {p.cmdline()} in {p.cwd()}" + (f" (under {via})" if via else "")
                    )
                except psutil.Error:
                    described.append(str(p.pid))
            pytest.fail("left running after the grading:\n" + "\n".join(described))
        time.sleep(0.1)


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for name, value in CANARIES.items():
            assert value not in text, f"the grader's {name} leaked into its output"


@pytest.mark.slow
@pytest.mark.parametrize("folder", HOSTILE, ids=[p.name for p in HOSTILE])
def test_hostile_submission_is_contained(folder: Path, grading_tmp: Path) -> None:
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    limit = expected.get("max_seconds", 60)
    started = time.monotonic()
    proc = run_grader(grading_tmp, folder, "--format", "json", timeout=limit + 30)
    elapsed = time.monotonic() - started
    assert proc.returncode == expected["exit_code"], proc.stderr[-2000:]
    assert elapsed < limit, f"{folder.name}: took {elapsed:.1f}s, limit {limit}s"
    report = json.loads(proc.stdout)  # a report, not a crash
    assert_no_canary(proc.stdout, proc.stderr, json.dumps(report, ensure_ascii=False))
    assert_nothing_left(grading_tmp, folder)


def test_leftover_detection_sees_a_process_of_the_grading(grading_tmp: Path) -> None:
    """The no-leftover assertions are not vacuous: a process working in TMPDIR is seen."""
    sleeper = subprocess.Popen(["sleep", "30"], cwd=grading_tmp)
    try:
        assert [p.pid for p in leftovers(grading_tmp)] == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait()
    assert leftovers(grading_tmp) == []


@pytest.mark.slow
def test_printed_environment_is_the_minimal_one(grading_tmp: Path) -> None:
    folder = ROOT / "tests" / "submissions" / "04-hostile-prints-environment"
    proc = run_grader(grading_tmp, folder, "--format", "json", "-k", "client_sends", timeout=60)
    report = json.loads(proc.stdout)
    tail = next(c["stderr_tail"] for c in report["checks"] if c["id"] == "client_sends")
    assert "PATH=" in tail  # the student's environment was printed and reported ...
    assert_no_canary(proc.stdout, proc.stderr)  # ... and holds none of the grader's secrets
    for name in CANARIES:
        assert f"{name}=" not in tail
    assert_nothing_left(grading_tmp, folder)


@pytest.mark.slow
def test_fallback_isolation_is_contained(grading_tmp: Path) -> None:
    """`--isolation ports`: same guarantees with free ports and process-tree tracking."""
    folder = ROOT / "solutions" / "04"
    started = time.monotonic()
    proc = run_grader(grading_tmp, folder, "--format", "json", "--isolation", "ports", timeout=90)
    elapsed = time.monotonic() - started
    report = json.loads(proc.stdout)
    assert report["isolation"] == "ports"
    assert proc.returncode == 0, [c["message"] for c in report["checks"] if c["message"]]
    assert elapsed < 30, f"took {elapsed:.1f}s"
    assert_no_canary(proc.stdout, proc.stderr)
    assert_nothing_left(grading_tmp, folder)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "ports"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_grading_stops_quickly_and_cleanly(
    isolation: str, signum: int, grading_tmp: Path
) -> None:
    """A signal mid-grading: exit 2 within seconds, every program stopped."""
    folder = ROOT / "tests" / "submissions" / "04-hostile-fork-children"  # many processes
    proc = subprocess.Popen(
        grader(folder, "--isolation", isolation),  # text, not a terminal: streamed report
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=grader_env(grading_tmp),
    )
    try:
        first = proc.stdout.readline()  # the report's header: the grading is set up
        assert first.startswith("Grading"), f"no header first: {first!r}"
        # Under way: student programs (and their 50 children each) are running.
        assert wait_for_leftovers(grading_tmp), "no student process ever ran"
        assert proc.poll() is None, "the grading ended before it could be interrupted"
        proc.send_signal(signum)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=15)
        stopped_in = time.monotonic() - sent
        out = first + out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 2, err[-2000:]
    assert stopped_in < 5, f"took {stopped_in:.1f}s to stop"
    assert "interrupted" in err
    assert_no_canary(first, out, err)
    assert_nothing_left(grading_tmp, folder)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "ports"])
def test_student_cannot_read_the_graders_environment(isolation: str, grading_tmp: Path) -> None:
    """A server that dumps every /proc/*/environ it can read finds no secret of the grader."""
    folder = ROOT / "tests" / "submissions" / "04-hostile-reads-grader-env"
    proc = run_grader(
        grading_tmp,
        folder,
        "--format",
        "json",
        "-k",
        "starts",
        "--isolation",
        isolation,
        timeout=60,
    )
    report = json.loads(proc.stdout)
    tail = report["checks"][0]["stderr_tail"]
    assert tail.strip(), "the submission did not run: nothing on its stderr"
    assert_no_canary(proc.stdout, proc.stderr, tail)
    assert_nothing_left(grading_tmp, folder)


@pytest.mark.slow
def test_output_flood_keeps_the_report_small_and_says_what_was_dropped(grading_tmp: Path) -> None:
    folder = ROOT / "tests" / "submissions" / "04-hostile-output-flood"
    proc = run_grader(grading_tmp, folder, "--format", "json", "-k", "join", timeout=60)
    report = json.loads(proc.stdout)
    assert len(proc.stdout) < 200_000
    assert report["checks"][0]["stderr_dropped_bytes"] > 1_000_000
    assert_nothing_left(grading_tmp, folder)


@pytest.mark.slow
@pytest.mark.skipif(
    not namespaces_available(), reason="needs network+PID namespaces (unshare) on this system"
)
def test_a_killed_grader_leaves_nothing_running(grading_tmp: Path) -> None:
    """SIGKILL runs no cleanup code: the jail sees its control socket close and, as PID 1,
    takes the whole namespace (here 50 forked children per server) down with it."""
    folder = ROOT / "tests" / "submissions" / "04-hostile-fork-children"
    proc = subprocess.Popen(
        grader(folder),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=grader_env(grading_tmp),
    )
    try:
        # Wait (with a deadline) until student programs really run: a first line of output
        # proves nothing about that, and is what made this test fail now and then.
        assert wait_for_leftovers(grading_tmp), "no student process was running to kill"
        proc.kill()
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert_nothing_left(grading_tmp, folder)
