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
