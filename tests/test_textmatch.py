"""Tolerant matching: by content, never by wording; robust to missing newlines and colours."""

import re

from autograder.textmatch import clean, complete_lines, excerpt, find_segment


def test_a_message_matches_in_any_wording() -> None:
    for line in ("alice: hello\n", "[alice] hello\n", "<alice> says: hello\n", "ALICE: Hello\n"):
        assert find_segment(line, ("alice", "hello")), line


def test_name_and_text_must_be_in_the_same_line() -> None:
    assert find_segment("alice joined\nhello\n", ("alice", "hello")) is None


def test_a_server_that_sends_no_newlines_still_matches() -> None:
    assert find_segment("alice: hello", ("alice", "hello"))


def test_matching_starts_after_the_mark_and_reports_where_it_ended() -> None:
    text = "alice: one\nalice: two\n"
    first = find_segment(text, ("alice",))
    assert first is not None and first.segment == "alice: one"
    second = find_segment(text, ("alice",), first.end)
    assert second is not None and second.segment == "alice: two"


def test_excluded_segments_are_skipped() -> None:
    text = "carol: exit\n*** carol left\n"
    found = find_segment(text, ("carol",), exclude=re.compile(r"carol\W*exit$"))
    assert found is not None and found.segment == "*** carol left"


def test_terminal_escapes_and_carriage_returns_are_ignored() -> None:
    assert clean("\x1b[32malice\x1b[0m: hi\r") == "alice: hi"
    assert find_segment("\x1b[1mbob\x1b[0m: yo\r\n", ("bob: yo",))


def test_complete_lines_leave_out_the_unterminated_tail_and_blank_lines() -> None:
    assert complete_lines("a\n\nb\r\nc") == ["a", "b"]


def test_excerpt_keeps_the_end_and_shows_newlines() -> None:
    assert excerpt("x" * 10 + "tail\n", limit=5) == "…tail\\n"
