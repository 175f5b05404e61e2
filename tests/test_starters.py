"""Every starter file in lessons/01..05 runs: it starts, stays up, and stops on SIGTERM.

A starter leaves the lesson's logic to the student, but it must never be the reason a
student (or the grader) sees a traceback before writing a line of code. Servers must be
listening; TCP clients get a listening socket to connect to; everyone gets an open stdin,
like a user who has not typed anything yet.
"""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# (file, kind): kind is how the starter talks to the network.
STARTERS = [
    ("lessons/01/server.py", "tcp server"),
    ("lessons/01/client.py", "tcp client"),
    ("lessons/02/server.py", "tcp server"),
    ("lessons/02/client.py", "tcp client"),
    ("lessons/03/server.py", "udp server"),
    ("lessons/03/client.py", "udp client"),
    ("lessons/04/server.py", "tcp server"),
    ("lessons/04/client.py", "tcp client"),
    ("lessons/05/server.py", "tcp server"),
]

STAY_UP = 0.5  # how long a starter must survive without any input (seconds)


def test_every_starter_file_is_covered():
    found = {p.relative_to(ROOT).as_posix() for p in ROOT.glob("lessons/*/*.py")}
    assert found == {path for path, _ in STARTERS}


@pytest.mark.parametrize(("path", "kind"), STARTERS, ids=[path for path, _ in STARTERS])
def test_starter_runs_until_stopped_by_sigterm(start_program, path, kind):
    with socket.socket() as listener:
        if kind == "tcp client":
            listener.bind((HOST, 0))
            listener.listen(1)
            program = start_program(path, port=listener.getsockname()[1], stdin=True)
        else:
            program = start_program(path, udp=kind.startswith("udp"), stdin=True)
        if kind.endswith("server"):
            program.wait_listening("udp" if kind.startswith("udp") else "tcp")

        # Nothing to await here: the point is that nothing happens. A starter that
        # crashes on start (a syntax error, a bad import) dies well within this time.
        try:
            program.proc.wait(STAY_UP)
        except subprocess.TimeoutExpired:
            pass
        else:
            stderr = program.proc.stderr.read().decode(errors="replace")
            raise AssertionError(f"{path} exited with {program.proc.returncode}:\n{stderr}")

        program.proc.send_signal(signal.SIGTERM)
        try:
            code = program.proc.wait(5)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{path} ignored SIGTERM for 5 s") from None
        if kind.endswith("server"):
            stderr = program.proc.stderr.read().decode(errors="replace")
            assert code == 0, f"{path} exited with {code} on SIGTERM:\n{stderr}"
