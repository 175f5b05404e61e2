"""Watch mode, the way a student meets it: a real terminal (a pseudo-terminal), real saves.

`python -m autograder FOLDER --watch` runs under pexpect on a small copy of a lesson 04
folder in tmp, with `-k` so that each grading takes about a second. Every wait is for
text on the screen, with a deadline; no test sleeps to let something happen. Processes
are checked with psutil: whatever the watcher started is gone once a grading is stopped
and once the watcher has quit.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pexpect
import psutil
import pytest
from conftest import wait_until

from autograder.lessons import rubric_for_lesson
from autograder.results import CheckResult, GradeReport
from autograder.watch import Baseline, changes_since

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "04"
SYNTAX_ERROR = ROOT / "tests" / "submissions" / "04-syntax-error" / "server.py"
QUICK = ("-k", "requirements", "-k", "starts", "-k", "join")  # about a second a grading
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r")
CLEAR = "\x1b[2J"
SCREEN_TIMEOUT = 90.0  # seconds; a grading takes one or two, a loaded machine more

# A server that is still starting when the grader stops waiting: `starts` needs 5 s to
# give up on it, time enough for a save to arrive in the middle of its grading.
SLOW_TO_START = """import socket
import threading
import time

time.sleep(600)
server = socket.socket()
server.bind(("127.0.0.1", 9090))
server.listen()
threading.Thread(target=server.accept).start()
"""


class WatchTerminal:
    """The watcher in a pseudo-terminal, and what it has drawn so far."""

    def __init__(self, folder: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "AUTOGRADER_NO_RECORD": "1"}
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "autograder", str(folder), "--watch", "--lang", "en", *args],
            cwd=str(folder.parent),
            env=env,
            dimensions=(60, 200),
            encoding="utf-8",
            codec_errors="replace",
        )
        self.raw = ""

    def screens(self) -> list[str]:
        """Everything drawn, one entry per clearing of the screen, without escapes."""
        return [ANSI.sub("", part) for part in self.raw.split(CLEAR)]

    def _read(self, deadline: float, what: str) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {what} within {SCREEN_TIMEOUT}s; screens: {self.screens()!r}")
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=min(remaining, 1.0))
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            raise AssertionError(f"the watcher ended before {what}: {self.screens()!r}") from None

    def wait_screen(self, pattern: str, what: str) -> str:
        """The first screen that matches `pattern` (a regular expression)."""
        deadline = time.monotonic() + SCREEN_TIMEOUT
        while True:
            for screen in self.screens():
                if re.search(pattern, screen):
                    return screen
            self._read(deadline, what)

    def report(self, number: int) -> str:
        """The screen of grading #number once it is complete (its footer is drawn)."""
        return self.wait_screen(rf"(?s)#{number} · \d\d:\d\d:\d\d.*Watching", f"report #{number}")

    def grading(self, number: int) -> str:
        """The screen of grading #number while it runs (its first line is drawn)."""
        return self.wait_screen(rf"Grading #{number}:", f"grading #{number}")

    def quit(self) -> int:
        """Ctrl-C, as a student types it; the exit status."""
        self.child.sendintr()
        deadline = time.monotonic() + SCREEN_TIMEOUT
        while self.child.isalive():
            try:
                self.raw += self.child.read_nonblocking(65536, timeout=1.0)
            except pexpect.TIMEOUT:
                if time.monotonic() > deadline:
                    raise AssertionError("the watcher did not quit on Ctrl-C") from None
            except pexpect.EOF:
                break
        self.child.close()
        assert self.child.exitstatus is not None, f"killed by signal {self.child.signalstatus}"
        return self.child.exitstatus

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.child.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []


def student_server(terminal: WatchTerminal) -> list[psutil.Process]:
    """The processes the watcher runs for the student's server.py, once there are some."""

    def running() -> list[psutil.Process]:
        found = []
        for process in terminal.descendants():
            try:
                argv = process.cmdline()
                # The program itself, not the grader's syntax check of it (python -c ...).
                if "-c" not in argv and any(arg.endswith("server.py") for arg in argv):
                    found.append(process)
            except psutil.Error:
                continue
        return found

    found: list[psutil.Process] = []

    def seen() -> bool:
        found[:] = running()
        return bool(found)

    assert wait_until(seen, SCREEN_TIMEOUT), "the student's server never ran under the watcher"
    return found


def all_gone(processes: list[psutil.Process]) -> bool:
    return not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A lesson 04 folder in tmp holding the reference solution."""
    target = tmp_path / "04"
    target.mkdir()
    for name in ("server.py", "client.py"):
        shutil.copy(SOLUTION / name, target / name)
    yield target


@pytest.fixture
def terminals() -> Iterator[list[WatchTerminal]]:
    started: list[WatchTerminal] = []
    yield started
    for terminal in started:
        if terminal.child.isalive():
            terminal.child.terminate(force=True)


def save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# --- the loop --------------------------------------------------------------------------
def test_save_broken_see_the_failure_fix_see_the_change_then_ctrl_c(
    folder: Path, terminals: list[WatchTerminal]
) -> None:
    terminal = WatchTerminal(folder, *QUICK)
    terminals.append(terminal)
    first = terminal.report(1)
    assert "17/17" in first and "Every check passes." in first
    assert "The first grading of this session." in first

    server = folder / "server.py"
    good = server.read_text(encoding="utf-8")
    save(server, SYNTAX_ERROR.read_text(encoding="utf-8"))
    running = terminal.grading(2)
    assert "saved: server.py" in running
    broken = terminal.report(2)
    assert "0/17" in broken and "points: −17" in broken
    assert "✗ no longer pass: requirements, starts, join" in broken
    # The first failure in full: the file, the line, what is wrong and where to read.
    assert "server.py, line 53: syntax error" in broken
    assert 'elif text == "exit"' in broken and "#syntax-error" in broken
    # ... and it showed while the grading ran, before its report.
    during = terminal.grading(2)
    assert "First failure" in during and "syntax error" in during.lower()

    save(server, good)
    fixed = terminal.report(3)
    assert "17/17" in fixed and "points: +17" in fixed
    assert "✓ now pass: requirements, starts, join" in fixed
    assert "Every check passes." in fixed

    assert terminal.quit() == 0
    assert "Stopped watching." in terminal.screens()[-1]
    assert terminal.descendants() == []


def test_two_quick_saves_give_one_grading(folder: Path, terminals: list[WatchTerminal]) -> None:
    terminal = WatchTerminal(folder, *QUICK)
    terminals.append(terminal)
    terminal.report(1)
    server = folder / "server.py"
    good = server.read_text(encoding="utf-8")
    save(server, good + "\n# first save\n")
    save(server, good + "\n# second save, right after\n")
    burst = terminal.report(2)
    assert "No change since the previous grading." in burst
    assert "stopped" not in terminal.grading(2)  # no grading was started and cancelled
    # The next save is grading #3: the burst started one grading, not two.
    save(server, SYNTAX_ERROR.read_text(encoding="utf-8"))
    after = terminal.wait_screen(r"(?s)#\d+ · \d\d:\d\d:\d\d.*syntax error.*Watching", "report")
    assert "#3 ·" in after, after
    assert terminal.quit() == 0


def test_a_save_during_a_grading_stops_it_and_nothing_is_left_running(
    folder: Path, terminals: list[WatchTerminal]
) -> None:
    server = folder / "server.py"
    good = server.read_text(encoding="utf-8")
    save(server, SLOW_TO_START)
    terminal = WatchTerminal(folder, "-k", "starts")
    terminals.append(terminal)
    terminal.grading(1)
    slow = student_server(terminal)  # grading #1 waits for this one to listen

    save(server, good)
    report = terminal.report(2)
    assert "5/5" in report and "Every check passes." in report
    assert "grading #1 stopped: the files changed" in terminal.grading(2)
    assert not any(re.search(r"#1 · \d\d:\d\d:\d\d", s) for s in terminal.screens())
    assert wait_until(lambda: all_gone(slow), SCREEN_TIMEOUT), "the stopped grading's server lives"

    # Ctrl-C in the middle of a grading: exit code 0, and every process it ran is gone.
    save(server, SLOW_TO_START)
    terminal.grading(3)
    slow = student_server(terminal)
    everything = [*terminal.descendants(), *slow]
    assert terminal.quit() == 0
    assert wait_until(lambda: all_gone(everything), SCREEN_TIMEOUT), (
        "a process outlived the watcher"
    )


def test_sigterm_ends_the_watch_like_ctrl_c(folder: Path, terminals: list[WatchTerminal]) -> None:
    terminal = WatchTerminal(folder, "-k", "requirements")
    terminals.append(terminal)
    terminal.report(1)
    terminal.child.kill(signal.SIGTERM)
    terminal.child.expect(pexpect.EOF, timeout=SCREEN_TIMEOUT)
    terminal.child.close()
    assert terminal.child.exitstatus == 0, terminal.child.signalstatus


# --- what watch mode refuses -----------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_watch_needs_a_terminal() -> None:
    proc = run("solutions/04", "--watch")
    assert proc.returncode == 2 and "--watch needs a terminal" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "extra", [("--format", "json"), ("--format", "junit=r.xml"), ("--output", "r.txt")]
)
def test_watch_refuses_other_reports(extra: tuple[str, str], tmp_path: Path) -> None:
    proc = run("solutions/04", "--watch", *extra)
    assert proc.returncode == 2 and "--watch shows its report on the terminal only" in proc.stderr


def test_watch_needs_a_folder() -> None:
    proc = run("--watch")
    assert proc.returncode == 2 and "--watch needs the folder" in proc.stderr


# --- what changed, as a pure function ---------------------------------------------------
def report_with(failing: dict[str, float]) -> GradeReport:
    """A lesson 04 grading where the checks in `failing` failed (id -> points earned)."""
    rubric = rubric_for_lesson("04")
    checks = [
        CheckResult(
            item.id,
            item.title,
            item.group,
            "failed" if item.id in failing else "passed",
            failing.get(item.id, item.points),
            item.points,
        )
        for item in rubric.items
    ]
    return GradeReport(Path("lessons/04"), rubric, "tcp", "netns", checks, 1.0)


EARLIER = datetime(2024, 1, 1, 12, 0, 0)


def test_changes_name_checks_newly_passed_and_newly_failed() -> None:
    before = report_with({"join": 0, "framing": 4})
    after = report_with({"framing": 0, "utf8": 0})
    changes = changes_since(Baseline.of_report(before, EARLIER), after)
    assert changes.now_pass == ["join"]
    assert changes.now_fail == ["utf8"]
    assert changes.delta == round(after.score - before.score, 1) == 1


def test_a_grading_of_other_checks_has_no_points_delta() -> None:
    before = report_with({})
    after = report_with({"join": 0})
    after.checks = [c for c in after.checks if c.id in ("requirements", "starts", "join")]
    changes = changes_since(Baseline.of_report(before, EARLIER), after)
    assert changes.now_fail == ["join"] and changes.now_pass == [] and changes.delta is None
