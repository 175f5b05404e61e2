"""Points, partial credit, caps and lesson detection: pure functions of the runner."""

from pathlib import Path

import pytest

from autograder.i18n import Text
from autograder.lessons import rubric_for_lesson
from autograder.results import CheckResult, GradeReport
from autograder.rubric import RubricError, load_rubric
from autograder.runner import detect_implementation, lesson_from_path
from autograder.sandbox import Limits
from autograder.verdicts import CheckFailed, StepResult, outcome_of, points_for

T = Text("x", "x")


def test_steps_give_partial_credit() -> None:
    steps = [StepResult(T, 0.6, True), StepResult(T, 0.2, False), StepResult(T, 0.2, True)]
    assert outcome_of(steps, None) == ("failed", pytest.approx(0.8))
    assert points_for(10, 0.8) == 8


def test_thirds_add_up_to_full_points() -> None:
    steps = [StepResult(T, 1 / 3, True)] * 3
    status, fraction = outcome_of(steps, None)
    assert status == "passed" and points_for(15, fraction) == 15


def test_a_failure_outside_steps_keeps_what_steps_earned() -> None:
    steps = [StepResult(T, 0.5, True)]
    assert outcome_of(steps, CheckFailed(T)) == ("failed", 0.5)
    assert outcome_of([], CheckFailed(T)) == ("failed", 0.0)


def test_points_are_rounded_to_one_decimal() -> None:
    assert points_for(5, 0.5) == 2.5
    assert points_for(3, 1 / 3) == 1.0


def report(points: list[float], cap: int = 100) -> GradeReport:
    rubric = rubric_for_lesson("04")
    checks = [
        CheckResult(i.id, i.title, i.group, "passed", p, i.points)
        for i, p in zip(rubric.items, points, strict=False)
    ]
    return GradeReport(Path("x"), rubric, "tcp", "netns", checks, 1.0, cap_percent=cap)


def test_udp_cap_scales_the_score_and_can_fail_the_passing_score() -> None:
    full = report([i.points for i in rubric_for_lesson("04").items])
    assert (full.score, full.passed) == (100, True)
    capped = report([i.points for i in rubric_for_lesson("04").items], cap=80)
    assert capped.score == 80 and capped.passed
    low = report([5, 5, 10, 15, 10], cap=80)
    assert low.score == pytest.approx(36) and not low.passed


@pytest.mark.parametrize(
    ("path", "lesson"),
    [
        ("lessons/04", "04"),
        ("solutions/04", "04"),
        ("tests/submissions/04-no-join", "04"),
        ("work/lesson04", "04"),
        ("/tmp/homework", None),
    ],
)
def test_lesson_comes_from_the_folder_name(path: str, lesson: str | None) -> None:
    assert lesson_from_path(Path(path)) == lesson


def test_udp_is_detected_from_the_source(tmp_path: Path) -> None:
    udp = tmp_path / "udp.py"
    udp.write_text(
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.recvfrom(1024)\n"
    )
    tcp = tmp_path / "tcp.py"
    tcp.write_text("import socket\ns = socket.socket()\ns.listen()\n")
    assert detect_implementation(udp) == "udp"
    assert detect_implementation(tcp) == "tcp"


def test_the_lesson_04_rubric_adds_up_and_has_the_contract_ids() -> None:
    rubric = rubric_for_lesson("04")
    assert [i.id for i in rubric.items] == [
        "requirements",
        "starts",
        "join",
        "broadcast",
        "leave",
        "leave_abrupt",
        "concurrent",
        "nickname",
        "framing",
        "utf8",
        "slow_consumer",
        "many_clients",
        "bad_input",
        "client_sends",
        "client_receives",
    ]
    assert rubric.max_score == 100 and sum(i.points for i in rubric.udp_items) == 100
    assert rubric.udp_cap_percent == 80


def test_every_rubric_check_exists_in_the_check_sets() -> None:
    from autograder.lessons import check_set

    rubric = rubric_for_lesson("04")
    for implementation in ("tcp", "udp"):
        checks = check_set("04", implementation)
        assert checks is not None
        registered = set(checks.checks)
        assert {i.id for i in rubric.items_for(implementation)} == registered


def test_a_rubric_that_does_not_add_up_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        'lesson="04"\ntitle="t"\npassing_score=60\n[[checks]]\nid="a"\npoints=50\ntitle="a"\n'
    )
    with pytest.raises(RubricError, match="not 100"):
        load_rubric(bad)


RUBRIC_HEAD = (
    'lesson="05"\ntitle="t"\npassing_score=60\n[[checks]]\nid="a"\npoints=100\ntitle="a"\n'
)


def test_a_rubric_may_set_its_lessons_sandbox_limits_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text(RUBRIC_HEAD + "[limits]\nmemory_bytes = 8589934592\nopen_files = 2048\n")
    limits = load_rubric(path).sandbox_limits()
    usual = Limits()
    assert (limits.memory_bytes, limits.open_files) == (8 << 30, 2048)
    assert (limits.cpu_seconds, limits.processes) == (usual.cpu_seconds, usual.processes)


@pytest.mark.parametrize(
    "table, error",
    [("stack_bytes = 1024", "unknown stack_bytes"), ("open_files = 0", "positive")],
)
def test_a_limit_the_sandbox_does_not_know_or_a_nonsense_value_is_refused(
    tmp_path: Path, table: str, error: str
) -> None:
    path = tmp_path / "r.toml"
    path.write_text(RUBRIC_HEAD + "[limits]\n" + table + "\n")
    with pytest.raises(RubricError, match=error):
        load_rubric(path)


def test_lesson_05_makes_room_for_600_threads_and_lesson_04_keeps_the_usual() -> None:
    # 600 threads reserve 600 stacks of 8 MB of address space: more than the usual 2 GB.
    assert rubric_for_lesson("05").sandbox_limits().memory_bytes >= 600 * (8 << 20) + (2 << 30)
    assert rubric_for_lesson("05").sandbox_limits().open_files >= 300 + 24
    assert rubric_for_lesson("04").sandbox_limits() == Limits()
