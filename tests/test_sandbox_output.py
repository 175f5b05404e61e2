"""Whoever sees a program's exit also sees everything it wrote before it.

A server that dies at start ("Address already in use", a traceback) is judged by its last
stderr lines; if `exited` were set before the reader threads had taken what was still in
the pipe, the grader would name the wrong cause (or, in the fallback mode, not retry a
port another grading held), depending on how busy the machine is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder.sandbox import SandboxFactory, minimal_environment, namespaces_available

# A lot of output first, so that much of it is still in the pipe when the program exits.
LOUD_EXIT = (
    "import sys\n"
    "for i in range(4000):\n"
    "    sys.stderr.write('x' * 250 + '\\n')\n"
    "sys.stderr.write('OSError: [Errno 98] Address already in use\\n')\n"
    "sys.exit(1)\n"
)
ISOLATIONS = [
    "ports",
    pytest.param(
        "netns",
        marks=pytest.mark.skipif(
            not namespaces_available(), reason="no network namespaces here: only the fallback runs"
        ),
    ),
]


@pytest.fixture(params=ISOLATIONS)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SandboxFactory]:
    (tmp_path / "loud_exit.py").write_text(LOUD_EXIT)
    made = SandboxFactory(tmp_path, isolation=request.param)
    yield made
    made.close()


def test_the_last_stderr_line_is_there_when_the_exit_is_seen(factory: SandboxFactory) -> None:
    for attempt in range(10):
        box = factory.create()
        box.start([factory.python, "loud_exit.py"], minimal_environment(box.home))
        assert box.exited.wait(20), "the program did not exit"
        text = box.stderr_text()
        factory.release(box)
        assert text.endswith("Address already in use\n"), (attempt, text[-120:])
        assert box.exit_status == 1


@pytest.mark.skipif(not namespaces_available(), reason="the jail runs only with namespaces")
def test_what_the_jail_itself_says_never_lands_in_the_programs_output(tmp_path: Path) -> None:
    """The jail's stderr was the student program's: its own complaints (here about an
    address it cannot put on lo), and its traceback when the grader hung up first, were
    shown in the report as the student's stderr, with the grader's paths."""
    (tmp_path / "quiet.py").write_text("import sys\nsys.stderr.write('my own line\\n')\n")
    made = SandboxFactory(tmp_path, isolation="netns", addresses=["999.1.2.3"])
    try:
        box = made.create()
        box.start([made.python, "quiet.py"], minimal_environment(box.home))
        assert box.exited.wait(20), "the program did not exit"
        assert box.stderr_text() == "my own line\n"
    finally:
        made.close()
