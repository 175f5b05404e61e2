"""Matching what a student's program sent against what a check expects. Pure functions.

Core checks are tolerant: wording is free, so a message matches when one segment of the
received text contains every needle (the nickname and the text). A "segment" is a line,
or the unterminated rest, so servers that send no newlines at all still match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# CSI/OSC escape sequences and the remaining C0 controls except \n and \t.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """Drop terminal escapes and control characters (a prompt's \\r, colours)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


@dataclass(frozen=True)
class Match:
    segment: str  # the cleaned segment that matched
    end: int  # position in the raw text just past the matched segment


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


def find_segment(
    text: str,
    needles: tuple[str, ...],
    start: int = 0,
    exclude: re.Pattern[str] | None = None,
) -> Match | None:
    """The first segment after `start` that contains every needle (case-insensitively)."""
    lowered = tuple(n.casefold() for n in needles)
    for raw, end in segments(text, start):
        segment = clean(raw).strip()
        folded = segment.casefold()
        if all(n in folded for n in lowered) and not (exclude and exclude.search(segment)):
            return Match(segment, end)
    return None


def complete_lines(text: str, start: int = 0) -> list[str]:
    """The cleaned, non-empty, newline-terminated lines after `start`."""
    lines = []
    for raw, _ in segments(text, start):
        if raw.endswith("\n"):
            line = clean(raw).strip()
            if line:
                lines.append(line)
    return lines


def excerpt(text: str, limit: int = 300) -> str:
    """A short, printable rendering of received text for a report."""
    if len(text) > limit:
        text = "…" + text[-limit:]
    return repr(text)[1:-1] if text else ""
