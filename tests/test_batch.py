"""`python -m autograder batch`: a class graded in parallel into a CSV gradebook.

The batch is run as instructors run it (the real command line, real gradings): its CSV
must carry exactly the verdicts the known submissions declare; a submission that hangs,
floods or is not gradable never stops the others; an interrupted batch resumes without
grading again what is done; nothing is left running. The pure parts (naming, the
gradebook, the summary) are tested without grading anything.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from autograder.batch import (
    UID_BASE,
    Job,
    Record,
    find_jobs,
    gradebook_rows,
    leftovers,
    slot_uids,
    summary_lines,
)
from autograder.sandbox import NOBODY, Limits, SandboxFactory

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
# Varied on purpose: correct (TCP and UDP), a syntax error, a missing join notice, a
# broken client, one recv taken as one message, and two that attack the grader.
SUBSET = [
    "04-ok-echo",
    "04-ok-udp",
    "04-syntax-error",
    "04-no-join",
    "04-client-no-thread",
    "04-recv-is-message",
    "04-hostile-daemon",
    "04-hostile-output-flood",
]


def batch(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "batch", *args, "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def read_gradebook(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def batch_processes(tmp: Path) -> list[psutil.Process]:
    """Processes of a batch's gradings still alive: the student uids its records name (a
    batch uid is never shared, so another batch or a single grading on this machine,
    which leases its uid from GRADING_UIDS, is not mistaken for this one), or working
    under tmp."""
    uids = {
        json.loads(record.read_text(encoding="utf-8")).get("student_uid")
        for record in tmp.glob("*-reports/*.json")
    } - {None}
    found = [p for p in leftovers(None, tmp)]
    for process in psutil.process_iter(["uids"]):
        try:
            owner = process.info["uids"]
            if owner and owner.real in uids and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


def describe(process: psutil.Process) -> str:
    """What a process left behind is: enough to tell a student program from a jail."""
    try:
        with process.oneshot():
            return (
                f"{process.pid} {process.status()} uid {process.uids().real} "
                f"cwd {process.cwd()} {process.cmdline()[:6]}"
            )
    except psutil.Error as exc:
        return f"{process.pid} ({exc.__class__.__name__})"


def assert_nothing_left(tmp: Path, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while batch_processes(tmp):
        if time.monotonic() > deadline:
            pytest.fail(f"left running: {[describe(p) for p in batch_processes(tmp)]}")
        time.sleep(0.1)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder for the gradebook and TMPDIR; reachable by the unprivileged student uids."""
    path = Path(tempfile.mkdtemp(prefix="batch-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


# --- pure parts ---------------------------------------------------------------------------
def test_a_folder_of_submissions_is_expanded_and_names_are_made_unique(tmp_path: Path) -> None:
    for name in ("alice", "bob"):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "server.py").write_text("")
    (tmp_path / "class" / "carol-repo" / "lessons" / "04").mkdir(parents=True)  # a clone
    (tmp_path / "late" / "alice").mkdir(parents=True)
    (tmp_path / "late" / "alice" / "server.py").write_text("")
    jobs = find_jobs([tmp_path / "class", tmp_path / "late" / "alice"], "4")
    assert [(j.key, j.lesson) for j in jobs] == [
        ("alice", "04"),
        ("bob", "04"),
        ("carol-repo", "04"),
        ("alice~2", "04"),
    ]
    assert len({j.path for j in jobs}) == 4
    assert jobs[2].path == (tmp_path / "class" / "carol-repo" / "lessons" / "04").resolve()


def test_gradebook_has_a_row_per_submission_a_column_per_check_and_the_summary() -> None:
    jobs = [Job("a", Path("/a"), "04"), Job("b", Path("/b"), "04"), Job("c", Path("/c"), "04")]
    checks = [{"id": "join", "status": "failed", "points": 0}]
    records = {
        "a": Record("a", "/a", "04", "graded", 1, 3.21, report=_report(40, False, checks)),
        "b": Record("b", "/b", "04", "graded", 0, 2.0, report=_report(90, True, [])),
        "c": Record("c", "/c", "04", "timeout", None, 300.0, message="too slow"),
    }
    header, rows = gradebook_rows(jobs, records, ["join", "leave"])
    assert header[:4] == ["submission", "lesson", "join", "leave"]
    assert {"total", "seconds", "isolation", "join:status"} <= set(header)
    assert [r["submission"] for r in rows] == ["a", "b", "c"]
    assert (rows[0]["join"], rows[0]["join:status"], rows[0]["total"]) == (0, "failed", 40)
    assert (rows[2]["outcome"], rows[2]["total"], rows[2]["passed"]) == ("timeout", 0, "no")
    lines = summary_lines(jobs, records)
    assert "mean 43.3, median 40.0" in lines[1]
    assert lines[2] == "passed: 1/3 (33%)" and lines[3] == "failed most: join (1)"


def _report(score: float, passed: bool, checks: list[dict]) -> dict:
    return {
        "score": score,
        "max_score": 100,
        "passed": passed,
        "isolation": "netns",
        "implementation": "tcp",
        "checks": checks,
    }


# --- the real thing -------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_batch_gradebook_matches_the_declared_verdicts(workdir: Path) -> None:
    folders = [SUBMISSIONS / name for name in SUBSET]
    proc = batch(*map(str, folders), "-j", "4", "-o", "class.csv", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    rows = read_gradebook(workdir / "class.csv")
    assert list(rows) == SUBSET  # the order given, one row each
    for name in SUBSET:
        expected = tomllib.loads((SUBMISSIONS / name / "expected.toml").read_text("utf-8"))
        row = rows[name]
        got = {check: row[f"{check}:status"] for check in expected["verdicts"]}
        assert got == expected["verdicts"], name
        assert row["outcome"] == "graded" and row["passed"] == (
            "yes" if expected["exit_code"] == 0 else "no"
        ), name
        assert row["exit_code"] == str(expected["exit_code"]), name
        assert float(row["seconds"]) > 0 and row["isolation"] in ("netns", "ports"), name
        record = json.loads((workdir / "class-reports" / f"{name}.json").read_text("utf-8"))
        assert float(row["total"]) == record["report"]["score"], name
    # The summary: mean, median, pass rate, the checks failed most.
    assert "score: mean" in proc.stdout and "median" in proc.stdout
    assert "passed: " in proc.stdout and "failed most: " in proc.stdout
    assert_nothing_left(workdir)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_hanging_or_ungradable_submission_does_not_stop_the_batch(workdir: Path) -> None:
    hangs = workdir / "class" / "hangs"
    hangs.mkdir(parents=True)
    # Accepts, then computes forever in each client's thread and never answers; its
    # client never does anything. A program that keeps a core busy never looks idle, so
    # every check waits out its timeouts (over 10 s in all), longer than --timeout below.
    (hangs / "server.py").write_text(
        "import os, socket, threading\n"
        "def spin(conn):\n"
        "    while True:\n"
        "        pass\n"
        "s = socket.socket()\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('127.0.0.1', int(os.environ.get('CHAT_PORT', '9090'))))\n"
        "s.listen()\n"
        "while True:\n"
        "    conn, _ = s.accept()\n"
        "    threading.Thread(target=spin, args=(conn,), daemon=True).start()\n"
    )
    (hangs / "client.py").write_text("import socket, threading, time\ntime.sleep(10**6)\n")
    nothing = workdir / "class" / "nothing"
    nothing.mkdir()
    (nothing / "notes.py").write_text("# forgot to submit the server\n")
    broken = workdir / "class" / "quick"  # graded in about a second: a syntax error
    broken.mkdir()
    (broken / "server.py").write_text("import socket, threading\nif True\n    pass\n")
    proc = batch("class", "--lesson", "04", "-j", "3", "--timeout", "6", "-o", "g.csv", cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    rows = read_gradebook(workdir / "g.csv")
    assert rows["hangs"]["outcome"] == "timeout" and rows["hangs"]["total"] == "0"
    assert "longer than 6s" in rows["hangs"]["message"]
    assert rows["nothing"]["outcome"] == "error" and rows["nothing"]["exit_code"] == "2"
    assert "no server file" in rows["nothing"]["message"]
    assert rows["quick"]["outcome"] == "graded" and rows["quick"]["total"] == "0"
    assert rows["quick"]["requirements:status"] == "failed"
    assert_nothing_left(workdir)


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_an_interrupted_batch_resumes_without_grading_again(workdir: Path) -> None:
    names = ["04-ok-udp", "04-syntax-error", "04-hostile-daemon", "04-no-join"]
    for name in names:
        shutil.copytree(SUBMISSIONS / name, workdir / "class" / name)
    command = [sys.executable, "-m", "autograder", "batch", "class", "-j", "1", "-o", "g.csv"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    records = workdir / "g-reports"
    try:
        deadline = time.monotonic() + 240
        while len(list(records.glob("*.json"))) < 2:
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "no two gradings finished in time"
            time.sleep(0.05)
        first.send_signal(signal.SIGINT)  # Ctrl+C
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 2, err
    assert "interrupted" in err
    done = {p.name: p.read_bytes() for p in records.glob("*.json")}
    assert 2 <= len(done) < len(names), "the interrupt came after every grading"
    assert len(read_gradebook(workdir / "g.csv")) == len(done)  # what is done is kept
    assert_nothing_left(workdir)

    second = batch("class", "-j", "2", "-o", "g.csv", cwd=workdir)
    assert second.returncode == 0, second.stderr
    assert f"{len(done)} already done, {len(names) - len(done)} to grade" in second.stdout
    assert f"graded {len(names) - len(done)} now" in second.stdout
    # The records of the first run are untouched (same bytes, same time of grading).
    assert {name: (records / name).read_bytes() for name in done} == done
    assert sorted(read_gradebook(workdir / "g.csv")) == sorted(names)

    third = batch("class", "-o", "g.csv", cwd=workdir)
    assert f"{len(names)} already done, 0 to grade" in third.stdout
    assert "graded 0 now" in third.stdout


# --- concurrent gradings cannot touch each other's programs ------------------------------------
PROBE = """
import os, signal, sys
victim = int(sys.argv[1])
for what, attempt in (
    ("environ", lambda: open(f"/proc/{victim}/environ", "rb").read()),
    ("kill", lambda: os.kill(victim, signal.SIGKILL)),
):
    try:
        attempt()
        print(what, "ok", flush=True)
    except OSError as exc:
        print(what, type(exc).__name__, flush=True)
"""


def probe_neighbour(tmp: Path, uid_a: int | None, uid_b: int | None) -> list[str]:
    """Grading A's program sleeps; grading B's program tries to read and kill it."""
    folder = tmp / "submission"
    folder.mkdir(exist_ok=True)
    (folder / "probe.py").write_text(PROBE)
    a = SandboxFactory(folder, "ports", Limits(), student_uid=uid_a)
    b = SandboxFactory(folder, "ports", Limits(), student_uid=uid_b)
    try:
        victim = a.create()
        victim.start([a.python, "-c", "import time; time.sleep(60)"], {"PATH": "/usr/bin:/bin"})
        (pid,) = victim.process_ids()
        prober = b.create()
        prober.start([b.python, "probe.py", str(pid)], {"PATH": "/usr/bin:/bin"})
        assert prober.exited.wait(20), "the probe did not finish"
        prober.close()
        return prober.stdout_text().split("\n")
    finally:
        a.close()
        b.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="distinct student uids need root")
def test_concurrent_gradings_with_their_own_uids_cannot_touch_each_other(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    lines = probe_neighbour(tmp_path, 2_000_000_100, 2_000_000_101)
    assert "environ PermissionError" in lines and "kill PermissionError" in lines


@pytest.mark.skipif(os.geteuid() != 0, reason="distinct student uids need root")
def test_the_uid_probe_is_not_vacuous_gradings_sharing_nobody_can(tmp_path: Path) -> None:
    """Why a uid per concurrent grading: with one shared uid the probe succeeds."""
    tmp_path.chmod(0o755)
    lines = probe_neighbour(tmp_path, NOBODY, NOBODY)
    assert "kill ok" in lines


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="distinct student uids need root")
def test_batch_gives_each_concurrent_slot_its_own_uid(workdir: Path) -> None:
    names = ["04-ok-udp", "04-syntax-error", "04-hostile-daemon"]
    proc = batch(
        *(str(SUBMISSIONS / n) for n in names),
        "-j",
        "3",
        "--isolation",
        "ports",
        "-o",
        "g.csv",
        cwd=workdir,
    )
    assert proc.returncode == 0, proc.stderr
    uids = [
        json.loads((workdir / "g-reports" / f"{n}.json").read_text())["student_uid"] for n in names
    ]
    assert len(set(uids)) == 3 and all(uid >= 2_000_000_000 for uid in uids)
    assert "each with its own student uid" in proc.stdout
    assert_nothing_left(workdir)


@pytest.mark.skipif(os.geteuid() != 0, reason="a batch picks student uids as root only")
def test_two_batches_started_at_once_never_share_a_student_uid() -> None:
    """A batch kills every process of a slot's uid after each grading: two batches that
    started together and took the same free uids killed each other's student programs
    (one CI run: every check of a grading 'exited (status -9)')."""
    base = UID_BASE + 50_000 + (os.getpid() % 1000) * 10  # clear of the other tests' batches
    first_held: list = []
    first = slot_uids(3, base, first_held)
    second = slot_uids(3, base, [])  # no process runs as any of them yet: only the lock tells
    assert len(set(first)) == 3 and not set(first) & set(second), (first, second)
    for handle in first_held:
        handle.close()  # the first batch ended
    assert slot_uids(3, base, []) == first
