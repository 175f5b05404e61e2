"""Fixed ports on a shared host (the fallback `--isolation ports`): whose turn it is.

A student's server that ignores --port and a student's client that connects to that same
fixed port (04-classic: both on 9091) need the grader to play the server on the port the
student's own server takes. Without a turn the client reaches the student's server, not
the grader's, and a client check fails by chance (2 gradings in 10 under load did). Three
rules make it deterministic, each proven here:

- within one grading, a check playing the server for the client never runs while a copy of
  the student's server may hold the port (its port is fixed, or not known yet);
- a copy that took the fixed port before anyone knew it was fixed gives it back when the
  port is another grading's turn, and starts again on its own turn;
- a grader listener whose turn it is waits for such a copy to give the port back.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import tomllib

from autograder import launch
from autograder.context import CheckContext, CheckSet
from autograder.i18n import Text
from autograder.lessons import rubric_for_lesson
from autograder.rubric import RubricItem
from autograder.runner import _run_all, load_submission
from autograder.sandbox import PortLock, SandboxFactory

ROOT = Path(__file__).resolve().parent.parent
CLASSIC = ROOT / "tests" / "submissions" / "04-classic"
PORT = 9091  # where 04-classic's server listens and its client connects


# --- within one grading: the scheduler ---------------------------------------------------------
def schedule(port_known: bool, fixed_port: int | None) -> dict[str, tuple[float, float]]:
    """Run a server check that learns the port, a second server check and a client check
    (each takes 0.3 s) with three workers; when each ran."""
    factory = SimpleNamespace(
        isolation="ports", fixed_port=None, port_known=False, workdir=Path("/nonexistent")
    )
    ran: dict[str, tuple[float, float]] = {}

    def body(check_id: str, learns: bool = False) -> Any:
        def run(ctx: CheckContext) -> None:
            began = time.monotonic()
            time.sleep(0.3)
            if learns:
                factory.port_known, factory.fixed_port = port_known, fixed_port
            ran[check_id] = (began, time.monotonic())

        return run

    checks = CheckSet("04")
    checks.check("starts", depends=())(body("starts", learns=True))
    checks.check("join")(body("join"))
    checks.check("client_sends", depends=(), needs="client")(body("client_sends"))
    items = [RubricItem(i, "g", 1, Text(i, i)) for i in checks.checks]
    results: dict[str, Any] = {}
    _run_all(items, checks, cast(SandboxFactory, factory), cast(Any, None), 3, results, None, None)
    assert {r.status for r in results.values()} == {"passed"}, results
    return ran


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_the_client_is_never_served_while_a_fixed_or_unknown_port_may_be_held() -> None:
    ran = schedule(port_known=True, fixed_port=PORT)
    assert not overlap(ran["client_sends"], ran["starts"])  # the port was not known yet
    assert not overlap(ran["client_sends"], ran["join"])  # the port is fixed


def test_a_server_that_honours_its_port_runs_beside_the_client_checks() -> None:
    """The rule is not a blanket serialisation: once the server is known to listen where
    it is told, client checks and server checks share the machine."""
    ran = schedule(port_known=True, fixed_port=None)
    assert not overlap(ran["client_sends"], ran["starts"])
    assert overlap(ran["client_sends"], ran["join"])


# --- across gradings: port locks -----------------------------------------------------------------
@pytest.fixture
def classic() -> Iterator[CheckContext]:
    rubric = rubric_for_lesson("04")
    factory = SandboxFactory(CLASSIC, isolation="ports")
    ctx = CheckContext(factory, load_submission(CLASSIC, rubric))
    yield ctx
    ctx.close()
    factory.close()


def lines(ctx: CheckContext) -> list[str]:
    return [text.en for _, _, text in ctx.transcript.snapshot()]


def squat(port: int, within: float = 60.0) -> socket.socket:
    """Listen on `port` as a program that is not a grader's (it takes no turn), once the
    port is free: a grading in another test worker may be serving it to a client in
    ports mode (the grader serves the ports a client's source names, 9091 among them)."""
    deadline = time.monotonic() + within
    while True:
        squatter = socket.socket()
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            squatter.bind(("127.0.0.1", port))
        except OSError:
            squatter.close()
            assert time.monotonic() < deadline, f"port {port} never came free"
            time.sleep(0.05)
            continue
        squatter.listen()
        return squatter


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.mark.timeout(60)
def test_a_server_copy_gives_a_fixed_port_back_when_it_is_another_gradings_turn(
    classic: CheckContext,
) -> None:
    turn = PortLock(PORT)  # another grading: its listener for a client has the turn on 9091
    assert turn.acquire(45)
    started: list[Any] = []
    thread = threading.Thread(target=lambda: started.append(classic.server()), daemon=True)
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while not any("another check's turn" in line for line in lines(classic)):
            assert thread.is_alive(), started
            assert time.monotonic() < deadline, lines(classic)
            time.sleep(0.02)
        # The copy that took 9091 out of turn is gone: the turn's holder can bind it.
        deadline = time.monotonic() + 10
        while not port_is_free(PORT):
            assert time.monotonic() < deadline, "the copy kept the port"
            time.sleep(0.05)
        time.sleep(0.3)
        assert not started, "the server started again before its turn"
    finally:
        turn.release()
    thread.join(30)
    assert started and started[0].port == PORT, lines(classic)
    assert not port_is_free(PORT)  # the copy started on its own turn listens there


@pytest.mark.timeout(60)
def test_a_listener_whose_turn_it_is_waits_for_a_copy_without_a_turn(
    classic: CheckContext,
) -> None:
    squatter = squat(PORT)  # a copy of a server that did not yet know its port is fixed
    threading.Timer(0.5, squatter.close).start()
    program = classic.client()
    ipv4 = {s.getsockname()[1] for s in program.listeners if s.family == socket.AF_INET}
    assert PORT in ipv4, lines(classic)


@pytest.mark.timeout(60)
def test_a_port_held_for_good_is_named_in_the_transcript(
    classic: CheckContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not a silent suppression: if the port never comes free (a program that is not the
    grader's), the check goes on after a bounded wait and the transcript says why the
    client may have reached something else."""
    monkeypatch.setattr(launch, "PORT_BIND_WAIT", 0.5)
    with squat(PORT):
        began = time.monotonic()
        program = classic.client()
        assert time.monotonic() - began < 5
    ipv4 = {s.getsockname()[1] for s in program.listeners if s.family == socket.AF_INET}
    assert PORT not in ipv4
    assert any(f"port {PORT} (127.0.0.1) is taken by another program" in x for x in lines(classic))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_concurrent_gradings_of_a_fixed_port_chat_each_get_its_verdicts(tmp_path: Path) -> None:
    """End to end: three gradings at once of the server and client that both hard-code
    9091, on the shared host; each gets exactly the verdicts it gets alone."""
    expected = tomllib.loads((CLASSIC / "expected.toml").read_text(encoding="utf-8"))
    names = ["a", "b", "c"]
    for name in names:
        shutil.copytree(CLASSIC, tmp_path / "class" / name)
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", "class", "--lesson", "04", "-j", "3"]
        + ["--isolation", "ports", "-o", "g.csv"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stderr
    for name in names:
        record = json.loads((tmp_path / "g-reports" / f"{name}.json").read_text("utf-8"))
        report = record["report"]
        got = {c["id"]: c["status"] for c in report["checks"]}
        explain = {c["id"]: c["message"] for c in report["checks"] if c["status"] != "passed"}
        assert got == expected["verdicts"], (name, explain)
