"""The recipe "add a lesson" (docs/instructors.md), followed to the letter on a toy lesson.

A temporary course gets lesson 99 ("ping-pong": the server answers each `ping` line with
`pong`) from exactly the files the recipe lists, and nothing else is edited: the lesson
folder, the reference solution, the checks module, the hints, the rubric and a known-buggy
submission with its expected verdicts. Its package sits beside the course (as
`autograder/` sits in this repository) and is named in AUTOGRADER_LESSON_PACKAGES, the
way a course adds lessons without touching the grader; the files are the ones the recipe
puts into `autograder/`. Then the real command line grades them: the solution earns
every point, the starter little, the buggy submission exactly its verdicts. A lesson
folder of the course without a rubric yet (lesson 98) says so instead of failing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "toycourse"  # stands for autograder/ in the recipe

FILES = {
    # lessons/NN/: the assignment and the starter code.
    "lessons/99/README.md": "# Урок 99: пинг-понг\n\nНа каждую строку ping сервер отвечает pong.\n",
    "lessons/99/README.en.md": "# Lesson 99: ping-pong\n\nThe server answers each ping with pong.\n",
    "lessons/99/server.py": """\
        import socket

        with socket.create_server(("127.0.0.1", 9090)) as server:
            while True:
                conn, _ = server.accept()
                conn.close()  # TODO: answer each "ping" line with "pong"
        """,
    # solutions/NN/: the reference solution.
    "solutions/99/server.py": """\
        import socket
        import threading


        def serve(conn):
            with conn, conn.makefile("rb") as lines:
                for line in lines:
                    if line.strip() == b"ping":
                        conn.sendall(b"pong\\n")


        with socket.create_server(("127.0.0.1", 9090)) as server:
            while True:
                conn, _ = server.accept()
                threading.Thread(target=serve, args=(conn,), daemon=True).start()
        """,
    # The package's own face, and its checks and hints packages.
    f"{PACKAGE}/__init__.py": "",
    f"{PACKAGE}/checks/__init__.py": "",
    f"{PACKAGE}/hints/__init__.py": "",
    # hints/lessonNN.py: the likely bugs, each with its docs anchor.
    f"{PACKAGE}/hints/lesson99.py": """\
        from autograder.i18n import Text
        from autograder.verdicts import Hint

        NO_PONG = Hint(
            Text("На ping сервер должен ответить pong.", "The server must answer ping with pong."),
            "echo",
        )
        """,
    # checks/lessonNN.py: one short function per check, on the check API.
    f"{PACKAGE}/checks/lesson99.py": """\
        from autograder.checks.common import starts
        from autograder.context import CheckContext, CheckSet
        from autograder.i18n import Text
        from toycourse.hints.lesson99 import NO_PONG

        CHECKS = CheckSet("99", "tcp")
        CHECKS.check("starts", depends=())(starts)


        @CHECKS.check("pong")
        def pong(ctx: CheckContext) -> None:
            '''A ping gets a pong back.'''
            server = ctx.server()
            alice = server.open("alice")
            alice.start_reading()
            alice.send("ping\\n")
            server.wait_consumed(alice)
            ctx.expect(alice, "pong", expected=Text("pong в ответ", "pong back"), hint=NO_PONG)
        """,
    # rubrics/NN.toml: the points, adding up to 100.
    f"{PACKAGE}/rubrics/99.toml": """\
        lesson = "99"
        title = { ru = "Пинг-понг", en = "Ping-pong" }
        passing_score = 60

        [[checks]]
        id = "starts"
        points = 40
        title = { ru = "сервер запускается", en = "the server starts" }

        [[checks]]
        id = "pong"
        points = 60
        title = { ru = "pong в ответ", en = "pong back" }
        """,
    # tests/submissions/NN-*: a known bug and the verdicts it must get.
    "tests/submissions/99-silent/server.py": """\
        import socket

        with socket.create_server(("127.0.0.1", 9090)) as server:
            while True:
                conn, _ = server.accept()
                conn.recv(1024)
        """,
    "tests/submissions/99-silent/expected.toml": """\
        exit_code = 1

        [verdicts]
        starts = "passed"
        pong = "failed"

        [hints]
        pong = "echo"
        """,
    # Lesson 98 is being written: its folder exists, its rubric does not yet.
    "lessons/98/README.md": "# Урок 98\n",
    "lessons/98/server.py": "print('TODO')\n",
}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("course")
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def grade(course: Path, folder: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", folder, "--lang", "en", *extra],
        capture_output=True,
        text=True,
        cwd=course,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(course), str(ROOT)]),
            "AUTOGRADER_LESSON_PACKAGES": PACKAGE,
        },
        timeout=120,
        check=False,
    )


def report(proc: subprocess.CompletedProcess[str]) -> dict:
    assert proc.stdout.strip(), proc.stderr
    return json.loads(proc.stdout)


def test_the_new_lesson_is_listed_with_its_checks(course: Path) -> None:
    proc = grade(course, "--list", "--lesson", "99", "-v")
    assert proc.returncode == 0, proc.stderr
    assert "Ping-pong" in proc.stdout and "A ping gets a pong back." in proc.stdout


@pytest.mark.slow
def test_the_new_lessons_solution_earns_every_point_and_its_starter_little(course: Path) -> None:
    solution = report(grade(course, "solutions/99", "--format", "json"))
    assert solution["lesson"] == "99" and solution["score"] == 100, solution
    starter = report(grade(course, "lessons/99", "--format", "json"))
    assert starter["score"] < starter["passing_score"], starter
    assert {c["status"] for c in starter["checks"]} <= {"passed", "failed"}


@pytest.mark.slow
def test_the_new_lessons_submission_gets_exactly_its_verdicts(course: Path) -> None:
    folder = course / "tests" / "submissions" / "99-silent"
    expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
    proc = grade(course, str(folder.relative_to(course)), "--format", "json")
    got = report(proc)
    assert {c["id"]: c["status"] for c in got["checks"]} == expected["verdicts"]
    failed = {c["id"]: c["hint_anchor"] for c in got["checks"] if c["status"] == "failed"}
    assert failed == expected["hints"]
    assert proc.returncode == expected["exit_code"]


def test_a_lesson_folder_without_a_rubric_says_its_checks_are_not_there_yet(
    course: Path,
) -> None:
    proc = grade(course, "lessons/98")
    assert proc.returncode == 2
    assert "not available yet" in proc.stderr and "README" in proc.stderr
    assert "99" in proc.stderr  # the lessons that can be graded are named


def test_without_the_variable_the_toy_lesson_is_unknown(course: Path) -> None:
    """The built-in lessons are the package's own; nothing else is found by accident."""
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "--list", "--lesson", "99"],
        capture_output=True,
        text=True,
        cwd=course,
        env={**os.environ, "PYTHONPATH": str(ROOT), "AUTOGRADER_LESSON_PACKAGES": ""},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "no rubric for lesson '99'" in proc.stderr


def test_a_lesson_package_that_is_not_there_is_a_clear_error(course: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "--list", "--lesson", "04"],
        capture_output=True,
        text=True,
        cwd=course,
        env={**os.environ, "PYTHONPATH": str(ROOT), "AUTOGRADER_LESSON_PACKAGES": "nocourse"},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "AUTOGRADER_LESSON_PACKAGES names 'nocourse'" in proc.stderr


# The recipe's files, for lesson NN of this course (docs/instructors.md, "Add a lesson").
RECIPE = (
    "lessons/NN/README.md",
    "lessons/NN/README.en.md",
    "lessons/NN/server.py",
    "solutions/NN/server.py",
    "autograder/hints/lessonNN.py",
    "autograder/checks/lessonNN.py",
    "autograder/rubrics/NN.toml",
    "docs/lessons/NN.md",
    "docs/lessons/NN.en.md",
)


def graded_lessons() -> list[str]:
    from autograder.lessons import available_lessons

    return available_lessons()


@pytest.mark.parametrize("lesson", graded_lessons())
def test_every_graded_lesson_of_the_course_is_made_of_the_recipes_files(lesson: str) -> None:
    """The recipe is how this course's own lessons are made, lesson 05 the latest: each has
    every file it lists, a known-buggy submission, and its page on the site's menu."""
    missing = [p for p in (r.replace("NN", lesson) for r in RECIPE) if not (ROOT / p).is_file()]
    assert not missing, missing
    submissions = list((ROOT / "tests" / "submissions").glob(f"{lesson}-*/expected.toml"))
    assert submissions, f"no tests/submissions/{lesson}-*/ with its expected.toml"
    assert f"lessons/{lesson}.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_lesson_05_is_among_them() -> None:
    assert "05" in graded_lessons()
