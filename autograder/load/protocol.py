"""The load's wire format: numbered, timestamped lines that survive any decoration.

A message line carries a marker "~ld:SENDER:SEQ:DUE_US~" that the server may wrap in
anything ("alice: ...", a time, colours): it is found anywhere in a received line. Pure
functions, tested without a network.
"""

from __future__ import annotations

MARK = b"~ld:"  # a message: "~ld:SENDER:SEQ:DUE_US~ xxxx..." anywhere in the received line

SYNC = b"~sync~"  # the sender's "is everyone in?" line before the measurement starts

MAX_LINE_BUFFER = 1 << 22  # a "line" without a newline longer than this is thrown away


def make_message(sender: int, seq: int, due_us: int, size: int) -> bytes:
    """One message line of `size` bytes (at least the marker) ending in a newline."""
    head = MARK + f"{sender}:{seq}:{due_us}~ ".encode()
    return head + b"x" * max(0, size - len(head) - 1) + b"\n"


def parse_marker(line: bytes) -> tuple[int, int, int] | None:
    """(sender, seq, due_us) of the message in a received line, or None.

    The server decorates the line ("alice: ...", a timestamp, colours), so the marker is
    searched for anywhere in it.
    """
    start = line.find(MARK)
    if start < 0:
        return None
    start += len(MARK)
    end = line.find(b"~", start)
    if end < 0:
        return None
    parts = line[start:end].split(b":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def mixed(line: bytes) -> bool:
    """Pieces of two messages in one received line: the bytes of one went into the middle
    of the other (a server that sent a new line past the rest of an older one)."""
    return line.count(MARK) > 1


def split_lines(buffer: bytearray) -> list[bytes]:
    """Remove and return the complete lines (without b"\\n") at the start of `buffer`."""
    end = buffer.rfind(b"\n")
    if end < 0:
        return []
    complete = bytes(buffer[:end])
    del buffer[: end + 1]
    return complete.split(b"\n")


def reader_name(index: int) -> str:
    """The nickname of the load's reading client number `index` (0 is the first sender)."""
    return f"u{index:04d}"


SLOW_NAME = b"slowpoke"  # the nickname of the client that never reads

NEIGHBOUR = b"u0001"  # the second client: the first one sees its join, if joins are announced
