"""What a load run counts: each receiver's deliveries (once, twice, out of order), the
percentiles of latency, and the figures of a whole run. Pure, tested without a network."""

from __future__ import annotations

import math
from array import array
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(sorted_values: list[float] | array, p: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when there are none)."""
    if not len(sorted_values):
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


class DeliveryLog:
    """What one receiver got from each sender: unique, duplicated and out-of-order lines."""

    def __init__(self, senders: int, planned: int) -> None:
        self.seen = [bytearray(planned) for _ in range(senders)]
        self.highest = [-1] * senders
        self.delivered = 0
        self.duplicated = 0
        self.out_of_order = 0
        self.garbled = 0  # a marker with a sender or number that was never sent

    def record(self, sender: int, seq: int) -> bool:
        """Count one arrival; True if it is the first copy of that message."""
        if not (0 <= sender < len(self.seen)) or not (0 <= seq < len(self.seen[sender])):
            self.garbled += 1
            return False
        if self.seen[sender][seq]:
            self.duplicated += 1
            return False
        self.seen[sender][seq] = 1
        self.delivered += 1
        if seq < self.highest[sender]:
            self.out_of_order += 1
        else:
            self.highest[sender] = seq
        return True


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 50  # clients that read (the senders among them)
    rate: float = 100.0  # lines per second, per sender
    duration: float = 5.0  # seconds of sending
    message_bytes: int = 100  # size of each line, newline included
    senders: int = 1
    slow: bool = False  # one more client that joins and never reads
    # Its receive buffer (SO_RCVBUF, bytes), set before it connects: a small one fills at
    # once, so the server's send buffer for it is all that is left between it and a stall.
    slow_rcvbuf: int | None = None
    # One reader that hiccups (the last, never a sender): it stops reading a third of the
    # way through the sending and reads again once another reader got this many more lines
    # (or the sending is over). Its lines come late, which is not counted against the
    # server (no latency figures), but they must all arrive, once and in order, and it must
    # not be dropped. Sized above what the kernel holds for it, the pause gives the server a
    # backlog (a tail, a queue) for a client that does read. 0: nobody pauses.
    pause_lines: int = 0
    join_timeout: float = 30.0  # to connect everyone, and then for the sync line to reach all


@dataclass
class LoadResult:
    """The figures of one run. `latencies_ms`/`due_s` are kept for plots, not for JSON."""

    config: LoadConfig
    joined: int = 0
    join_seconds: float = 0.0
    planned: int = 0  # lines due to be sent (all senders)
    sent: int = 0  # lines the server accepted in full from the senders
    receivers_per_line: int = 0
    delivered: int = 0
    lost: int = 0  # sent but never arrived (at readers that were not dropped)
    duplicated: int = 0
    out_of_order: int = 0
    garbled: int = 0
    readers_disconnected: int = 0  # readers the server closed
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    sender_stall_ms: dict[str, float | None] = field(default_factory=dict)
    slow_dropped: bool | None = None  # the server closed the never-reading client
    slow_leave_notice_s: float | None = None  # first notice of it leaving, from the start
    pause_s: float | None = None  # how long the reader that pauses (pause_lines) did not read
    server: dict[str, float | int | None] = field(default_factory=dict)
    elapsed_s: float = 0.0
    load_generator_cpu_s: float = 0.0  # near elapsed_s: the generator, not the server, is the limit
    errors: list[str] = field(default_factory=list)
    latencies_ms: array = field(default_factory=lambda: array("d"), repr=False)
    due_s: array = field(default_factory=lambda: array("d"), repr=False)

    @property
    def expected(self) -> int:
        return self.planned * self.receivers_per_line

    @property
    def delivered_pct(self) -> float | None:
        return 100.0 * self.delivered / self.expected if self.expected else None

    @property
    def ok(self) -> bool:
        """Every due line went out and reached every reader once, in order."""
        return (
            not self.errors
            and self.sent == self.planned
            and self.delivered == self.expected
            and not (self.duplicated or self.out_of_order or self.garbled)
        )

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("latencies_ms", "due_s")}
        data["expected"] = self.expected
        data["delivered_pct"] = rounded(self.delivered_pct, 3)
        data["ok"] = self.ok
        return data
