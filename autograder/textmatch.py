"""Matching what a student's program sent against what a check expects. Pure functions.

Core checks are tolerant: wording is free, so a message matches when one line of the
received text contains every needle (the nickname and the text). Lines are *logical*:

* the unterminated rest counts as a line, so servers that send no newlines still match;
* a nickname cut off by its own line ending counts as one line with what follows it.
  The most common student server reads the nickname with one `recv()` and never strips
  it, so the course's client (which sends `"alice\\n"`) makes everyone else receive
  `"alice\\n: hello"`. That is one bug, charged once by the check that looks for it
  (the match says `name_break`); every other check reads the line as `alice: hello`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

# CSI/OSC escape sequences and the remaining C0 controls except \n and \t.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Drop terminal escapes and control characters (a prompt's \\r, colours)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


# What a line must contain: a text (case-insensitively), or a pattern (see `loose`).
Needle = str | re.Pattern[str]


def loose(text: str) -> re.Pattern[str]:
    """`text` as a server that rewrites its spaces still delivers it: its words in order,
    with any punctuation between them ("good: morning: everyone" for "good morning
    everyone", from `replace(" ", ": ")`). The core checks accept such a text; the one
    place that charges for it compares the text exactly (see `rewritten`)."""
    words = text.split()
    return re.compile(r"(?:\W|_)+".join(re.escape(w) for w in words), re.IGNORECASE)


def rewritten(text: str, line: str) -> str | None:
    """The form `text` took in `line` when the line has it only rewritten (its words with
    other separators), else None (it is there as sent, or not at all)."""
    if text.casefold() in line.casefold():
        return None
    found = loose(text).search(line)
    return found.group(0) if found else None


def _has(folded: str, needle: Needle) -> bool:
    return needle in folded if isinstance(needle, str) else needle.search(folded) is not None


@dataclass(frozen=True)
class Match:
    segment: str  # the cleaned logical line that matched
    end: int  # position in the raw text just past the matched line
    raw: str = ""  # the raw text of the line, line breaks included
    name_break: str | None = None  # the nickname a line break cut off from its text


@dataclass(frozen=True)
class Line:
    """One logical line: the cleaned text, where it ends, and how it was put together."""

    text: str
    end: int
    raw: str
    name_break: str | None = None
    terminated: bool = True


def segments(text: str, start: int = 0) -> list[tuple[str, int]]:
    """Split `text[start:]` into (segment, end position) pairs; the tail counts too."""
    out = []
    pos = start
    while pos < len(text):
        newline = text.find("\n", pos)
        end = len(text) if newline == -1 else newline + 1
        out.append((text[pos:end], end))
        pos = end
    return out


def ends_with_name(raw: str, names: Iterable[str], glued: bool = False) -> str | None:
    """The nickname `raw` ends with (before its line ending), as a whole word; `glued`:
    or stuck to the word before it, as from a server that ends none of its lines
    ("carol⏎ joined the chatalice⏎: hi": alice's name came right after the notice)."""
    body = clean(raw).rstrip("\r\n").casefold()
    for name in names:
        folded = name.casefold()
        if folded and body.endswith(folded):
            before = body[: -len(folded)]
            if glued or not before or not before[-1].isalnum():
                return name
    return None


def _continues_name(raw: str, name: str) -> bool:
    """Does `raw` read as the rest of a line that began with `name`?

    It must start with a separator (": hi", " joined", "] hi"), not a word, and not name
    the same user again (then it is a line of its own: "[bob]: hi").
    """
    body = clean(raw)
    return bool(body.strip()) and not body[0].isalnum() and name.casefold() not in body.casefold()


def logical_lines(text: str, start: int = 0, names: Iterable[str] = ()) -> list[Line]:
    """The lines of `text[start:]`, with nicknames cut off by a line break rejoined.

    Rejoining chains: a server that sends no newlines of its own glues its lines
    together, so a rejoined line may end with the next user's cut-off nickname.
    """
    names = tuple(names)
    raw_segments = segments(text, start)
    lines = []
    i = 0
    while i < len(raw_segments):
        raw, end = raw_segments[i]
        joined, first_break = clean(raw), None
        i += 1
        while names and raw.endswith("\n") and i < len(raw_segments):
            name = ends_with_name(raw, names, glued=first_break is not None)
            rest, rest_end = raw_segments[i]
            if name is None or not _continues_name(rest, name):
                break
            joined = joined.rstrip("\r\n") + clean(rest)
            first_break = first_break or name
            raw, end = raw + rest, rest_end
            i += 1
        lines.append(Line(joined.strip(), end, raw, first_break, raw.endswith("\n")))
    return lines


def find_segment(
    text: str,
    needles: tuple[Needle, ...],
    start: int = 0,
    exclude: re.Pattern[str] | None = None,
    names: Iterable[str] = (),
) -> Match | None:
    """The first logical line after `start` that contains every needle (case-insensitively).

    `names` are the nicknames in play: a line that ends with one of them is read together
    with the next, as the server meant it (see the module docstring).
    """
    return search_lines(text, needles, start, exclude, names)[0]


def search_lines(
    text: str,
    needles: tuple[Needle, ...],
    start: int = 0,
    exclude: re.Pattern[str] | None = None,
    names: Iterable[str] = (),
) -> tuple[Match | None, int]:
    """`find_segment`, and where a later search of the same, longer text may resume.

    A waiting check searches again on every chunk that arrives; starting each time from
    its mark would read a flooding server's output over and over (quadratic time). A line
    is settled once the line after it is terminated: text that comes later can neither
    extend it nor join it with what follows (a join looks only at the next segment).
    """
    lowered = tuple(n.casefold() if isinstance(n, str) else n for n in needles)
    lines = logical_lines(text, start, names)
    for line in lines:
        folded = line.text.casefold()
        if all(_has(folded, n) for n in lowered) and not (exclude and exclude.search(line.text)):
            return Match(line.text, line.end, line.raw, line.name_break), line.end
    resume = start
    for before, after in pairwise(lines):
        if after.terminated:
            resume = before.end
    return None, resume


def complete_lines(text: str, start: int = 0, names: Iterable[str] = ()) -> list[str]:
    """The cleaned, non-empty, newline-terminated logical lines after `start`."""
    return [
        line.text for line in logical_lines(text, start, names) if line.terminated and line.text
    ]


def excerpt(text: str, limit: int = 300) -> str:
    """A short, printable rendering of received text for a report."""
    if len(text) > limit:
        text = "…" + text[-limit:]
    return repr(text)[1:-1] if text else ""
