"""The course's table of lessons says the same thing wherever it appears.

README.md (the repository's front page), docs/index.md and docs/index.en.md (the site's
home page) each have a table "lesson | what we write | new idea", and every lesson's
README says its new idea in its goal (the site's lesson page includes that README). They
drifted apart once (line framing was new in lesson 02 on one and in lesson 04 on the
other, and a thread per client in lesson 01 and 04): NEW_IDEA_CODE is the one table they
are all held to, by the code each idea names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


# Each lesson's new idea, by the code it names: 01 sockets and a line as a message (its
# small client reads up to "\n"), 02 full duplex (a receiving thread next to input()), 03
# datagrams, 04 many users (a thread per client, a shared list under a lock), 05 slow
# consumers and event loops. Words differ between Russian and English; the code does not.
NEW_IDEA_CODE = {
    "01": {"bind", "listen", "accept", "recv", "sendall", "\\n"},
    "02": {"input()"},
    "03": {"recvfrom", "sendto"},
    "04": {"threading.Lock"},
    "05": {"asyncio"},
}
CODE = re.compile(r"`([^`]+)`")
TABLES = [ROOT / "README.md", ROOT / "docs" / "index.md", ROOT / "docs" / "index.en.md"]


def test_the_one_table_covers_every_lesson() -> None:
    lessons = sorted(p.name for p in (ROOT / "lessons").iterdir() if p.name.isdigit())
    assert sorted(NEW_IDEA_CODE) == lessons


def test_every_table_names_the_same_code_for_each_new_idea() -> None:
    """A new idea's cell names exactly its lesson's code, in Russian and in English: the
    newline of framing in another lesson's cell (or none in lesson 01's) is drift."""
    for path in TABLES:
        for lesson, (_what, idea) in lesson_rows(path).items():
            assert set(CODE.findall(idea)) == NEW_IDEA_CODE[lesson], (
                f"{path.relative_to(ROOT)}, lesson {lesson}: {idea}"
            )


def goal(path: Path) -> str:
    """The goal section of a lesson's README ("## Цель" / "## Goal" up to the next "## ")."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^## (?:Цель|Goal)\n(?P<goal>.*?)^## ", text, re.S | re.M)
    assert match, f"{path.relative_to(ROOT)} has no goal section"
    return match["goal"]


@pytest.mark.parametrize("lesson", sorted(NEW_IDEA_CODE))
def test_every_lesson_readme_states_the_tables_new_idea_in_its_goal(lesson: str) -> None:
    for name in ("README.md", "README.en.md"):
        path = ROOT / "lessons" / lesson / name
        named = set(CODE.findall(goal(path)))
        missing = NEW_IDEA_CODE[lesson] - named
        assert not missing, f"{path.relative_to(ROOT)}'s goal does not name {missing}"


@pytest.mark.parametrize("lesson", sorted(NEW_IDEA_CODE))
def test_every_lesson_page_of_the_site_opens_with_its_readme(lesson: str) -> None:
    """The site's lesson page says what the README says: it includes it, never a copy."""
    for page, readme in (("", "README.md"), (".en", "README.en.md")):
        path = ROOT / "docs" / "lessons" / f"{lesson}{page}.md"
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f'--8<-- "lessons/{lesson}/{readme}"', path.relative_to(ROOT)


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
