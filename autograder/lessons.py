"""The lessons the grader knows, found from their files: no list to keep up to date.

A lesson package holds, for lesson NN, a rubric `rubrics/NN.toml` and a checks module
`checks/lessonNN.py` (its hints live in `hints/lessonNN.py`); a second implementation of
the same lesson is one more module, `checks/lessonNN_<name>.py` (lesson 04 graded as a
UDP chat: `checks/lesson04_udp.py`). Each checks module defines `CHECKS`, a `CheckSet`
that names its lesson and implementation. The lesson packages are `autograder` itself,
then every package named in the environment variable AUTOGRADER_LESSON_PACKAGES
(importable names, separated by commas or spaces): a course can add lessons without
touching the grader, and a test can build a lesson of its own. The first package with a
lesson's rubric provides that lesson.

A course's own lesson folders (`lessons/NN/` beside a lesson package, as in this
repository) are lessons too; one without a rubric yet says so when graded, instead of
being an unknown lesson.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from functools import cache
from pathlib import Path
from types import ModuleType

from autograder.context import CheckSet
from autograder.rubric import Rubric, RubricError, load_rubric

PACKAGES_VARIABLE = "AUTOGRADER_LESSON_PACKAGES"
LESSON_ID = re.compile(r"^\d{2}$")


def lesson_packages() -> list[ModuleType]:
    """`autograder`, then the packages named in AUTOGRADER_LESSON_PACKAGES."""
    names = ["autograder", *re.split(r"[,\s]+", os.environ.get(PACKAGES_VARIABLE, "").strip())]
    packages = []
    for name in dict.fromkeys(n for n in names if n):
        try:
            packages.append(importlib.import_module(name))
        except ImportError as exc:
            raise RubricError(
                f"{PACKAGES_VARIABLE} names {name!r}, which cannot be imported: {exc}"
            ) from None
    return packages


def _folder(package: ModuleType) -> Path:
    return Path(package.__path__[0])


def rubric_files() -> dict[str, Path]:
    """The rubric of every lesson that has one, by lesson id (the first package wins)."""
    found: dict[str, Path] = {}
    for package in lesson_packages():
        for path in sorted((_folder(package) / "rubrics").glob("*.toml")):
            if LESSON_ID.match(path.stem):
                found.setdefault(path.stem, path)
    return found


def available_lessons() -> list[str]:
    """The lessons that can be graded: those with a rubric."""
    return sorted(rubric_files())


def course_lessons() -> list[str]:
    """Every lesson of the course: with a rubric, or a `lessons/NN/` folder beside a
    lesson package (its automatic checks may not exist yet)."""
    lessons = set(rubric_files())
    for package in lesson_packages():
        course = _folder(package).parent / "lessons"
        if course.is_dir():
            lessons |= {p.name for p in course.iterdir() if p.is_dir() and LESSON_ID.match(p.name)}
    return sorted(lessons)


def rubric_for_lesson(lesson: str) -> Rubric:
    path = rubric_files().get(lesson)
    if path is None:
        available = ", ".join(available_lessons())
        if lesson in course_lessons():
            raise RubricError(
                f"automatic checks for lesson {lesson} are not available yet (available: "
                f"{available}); check this lesson by hand as its README describes"
            )
        raise RubricError(f"no rubric for lesson {lesson!r} (available: {available})")
    return load_rubric(path)


@cache
def _check_sets(package_name: str, lesson: str) -> tuple[CheckSet, ...]:
    """The CheckSets of `checks/lessonNN.py` and `checks/lessonNN_*.py` of one package."""
    try:
        checks = importlib.import_module(f"{package_name}.checks")
    except ModuleNotFoundError:
        return ()
    sets = []
    for info in pkgutil.iter_modules(checks.__path__):
        if info.name == f"lesson{lesson}" or info.name.startswith(f"lesson{lesson}_"):
            module = importlib.import_module(f"{checks.__name__}.{info.name}")
            check_set = getattr(module, "CHECKS", None)
            if isinstance(check_set, CheckSet) and check_set.lesson == lesson:
                sets.append(check_set)
    return tuple(sets)


def check_set(lesson: str, implementation: str) -> CheckSet | None:
    """The checks of `lesson` for `implementation` ("tcp", "udp"), from the package that
    provides the lesson's rubric; None when there are none."""
    path = rubric_files().get(lesson)
    for package in lesson_packages():
        if path is not None and not path.is_relative_to(_folder(package)):
            continue
        for found in _check_sets(package.__name__, lesson):
            if found.implementation == implementation:
                return found
    return None
