"""The course's table of lessons says the same thing wherever it appears.

README.md (the repository's front page) and docs/index.md (the site's home page) each
have a table "lesson | what we write | new idea". They drifted apart once (line framing
was new in lesson 02 on one and in lesson 04 on the other); this keeps them equal.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| \[(?P<lesson>\d\d)\]\([^)]*\) \| (?P<what>[^|]+) \| (?P<idea>[^|]+) \|$")


def lesson_rows(path: Path) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match["lesson"]] = (match["what"].strip(), match["idea"].strip())
    return rows


def test_readme_and_site_home_page_give_every_lesson_the_same_new_idea() -> None:
    readme = lesson_rows(ROOT / "README.md")
    home = lesson_rows(ROOT / "docs" / "index.md")
    lessons = sorted(p.name for p in (ROOT / "lessons").iterdir() if p.name.isdigit())
    assert sorted(readme) == lessons, "README.md's table must list every lesson"
    assert home == readme


def test_english_home_page_lists_the_same_lessons() -> None:
    english = lesson_rows(ROOT / "docs" / "index.en.md")
    assert sorted(english) == sorted(lesson_rows(ROOT / "README.md"))


POINTS_ROW = re.compile(r"^\| `(?P<id>[a-z_0-9]+)` \| (?P<points>\d+) \|")


def points_table(path: Path) -> list[tuple[str, int]]:
    """The rows "| `check` | points | ..." of a lesson's README, in order."""
    return [
        (m["id"], int(m["points"]))
        for m in map(POINTS_ROW.match, path.read_text(encoding="utf-8").splitlines())
        if m
    ]


def test_every_lesson_readme_gives_the_rubrics_points() -> None:
    """The points table a student reads in lessons/NN/README(.en).md is the rubric's (TCP
    implementation), check by check, in both languages: it drifted once (lesson 04's
    `requirements` said 5 after the rubric moved 3 of its points to `nickname`)."""
    from autograder.lessons import available_lessons, rubric_for_lesson

    checked = 0
    for lesson in available_lessons():
        rubric = [(item.id, item.points) for item in rubric_for_lesson(lesson).items]
        for name in ("README.md", "README.en.md"):
            path = ROOT / "lessons" / lesson / name
            assert points_table(path) == rubric, (
                f"{path.relative_to(ROOT)} vs rubrics/{lesson}.toml"
            )
            checked += 1
    assert checked >= 10  # lessons 01-05, two languages each
