"""Load on a chat server that speaks the course protocol: delivery and latency.

    python -m autograder load PATH [--clients N] [--rate R] [--duration S] [--slow] [--plot FILE]

N clients connect and send their nicknames; once every one of them is in (a sync line from
the sender reached them all), one sender (or several) sends numbered, timestamped lines at
R per second for S seconds, and every other client records each line's arrival. The
report: per message and receiver, delivered / lost / duplicated / out of order, latency
p50/p95/p99/max from the moment the server could have the whole line (the kernel took its
last byte from the sender) to its arrival, how long past its due time a line waited to be
taken (the sender's stall: the server stopped reading it), and the server's peak memory
(RSS) and threads. With `--slow` a second run adds one client that joins and never reads, with big
messages (20 KB by default), as a user on a bad line would: a good server drops it and
keeps everyone else going, a naive one stalls.

The engine (`run_load`) needs only a way to make sockets and the server's address: the
grader passes `box.socket` so the load clients live in the server's private network
namespace. All receivers are served by one `selectors` loop in one thread (1000 clients
do not need 1000 threads here), and the sender writes from that same loop with
non-blocking sends, so a server that stops reading shows up as a stall, never as a hang
of the load generator. The parsing and statistics are pure functions (tested without a
network). The command line starts the server in the grader's sandbox (`sandboxed_server`).

Exit code: 0 every line reached every reader once and in order, 1 the server lost,
duplicated, reordered or could not take the lines, 2 the load could not be run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import resource
import selectors
import socket
import sys
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from autograder.sandbox import Limits, Sandbox, SandboxError, SandboxFactory, minimal_environment

MARK = b"~ld:"  # a message: "~ld:SENDER:SEQ:DUE_US~ xxxx..." anywhere in the received line
SYNC = b"~sync~"  # the sender's "is everyone in?" line before the measurement starts
RECV_SIZE = 1 << 18
SYNC_EVERY = 0.25  # seconds between sync lines while waiting for everyone to join
WELCOME_PAUSE = 0.3  # after the nicknames, before anything else: one recv may be one message
DRAIN_IDLE = 1.0  # after the last line is due: stop once nothing arrived for this long
DRAIN_TIMEOUT = 10.0  # ... and in any case this long after the last line was due
MAX_LINE_BUFFER = 1 << 22  # a "line" without a newline longer than this is thrown away


class LoadError(RuntimeError):
    """The load could not be run (the server did not start, clients could not join)."""


# --------------------------------------------------------------------------- pure parts


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


def split_lines(buffer: bytearray) -> list[bytes]:
    """Remove and return the complete lines (without b"\\n") at the start of `buffer`."""
    end = buffer.rfind(b"\n")
    if end < 0:
        return []
    complete = bytes(buffer[:end])
    del buffer[: end + 1]
    return complete.split(b"\n")


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


# ------------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class LoadConfig:
    clients: int = 50  # clients that read (the senders among them)
    rate: float = 100.0  # lines per second, per sender
    duration: float = 5.0  # seconds of sending
    message_bytes: int = 100  # size of each line, newline included
    senders: int = 1
    slow: bool = False  # one more client that joins and never reads
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


# ----------------------------------------------------------------------------- engine


SLOW_NAME = b"slowpoke"  # the nickname of the client that never reads
NEIGHBOUR = b"u0001"  # the second client: the first one sees its join, if joins are announced


class _Client:
    __slots__ = (
        "index", "name", "sock", "buffer", "log", "synced", "closed", "sender",
        "slow_mentions", "saw_neighbour",
    )  # fmt: skip

    def __init__(self, index: int, name: str, sock: socket.socket, log: DeliveryLog | None):
        self.index = index
        self.name = name
        self.sock = sock
        self.buffer = bytearray()
        self.log = log  # None for the client that never reads
        self.synced = False
        self.closed = False
        self.sender: _Sender | None = None
        self.slow_mentions: list[float] = []  # when lines naming the slow client came
        self.saw_neighbour = False  # a line naming u0001 came (a join notice)


class _Sender:
    """A sending client: lines due but not yet accepted by the server wait in `out`."""

    def __init__(self, number: int, client: _Client, planned: int) -> None:
        self.number = number
        self.client = client
        self.planned = planned
        self.next_seq = 0
        self.out = bytearray()
        self.written = 0  # bytes the kernel accepted so far
        self.ends: deque[tuple[int, int, float]] = deque()  # (end offset, seq, due) per line
        self.handed = array("d", bytes(8 * planned))  # when the kernel took line seq in full
        self.sent = 0
        self.stalls_ms: list[float] = []
        self.dead = False


class ResourceSampler:
    """Peak RSS and thread count of the server's processes, sampled in a thread."""

    def __init__(self, process_ids: Callable[[], list[int]], interval: float = 0.1) -> None:
        self.process_ids = process_ids
        self.interval = interval
        self.peak_rss = 0
        self.peak_threads = 0
        self.cpu_start = self._cpu()
        self.cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _cpu(self) -> float:
        total = 0.0
        for pid in self.process_ids():
            with contextlib.suppress(psutil.Error):
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
        return total

    def sample(self) -> None:
        rss = threads = 0
        for pid in self.process_ids():
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(pid)
                rss += process.memory_info().rss
                threads += process.num_threads()
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_threads = max(self.peak_threads, threads)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def stop(self) -> dict[str, float | int | None]:
        self._stop.set()
        self._thread.join(2)
        self.sample()
        self.cpu_seconds = max(0.0, self._cpu() - self.cpu_start)
        return {
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
            "peak_threads": self.peak_threads,
            "cpu_seconds": round(self.cpu_seconds, 2),
        }


Progress = Callable[[str, float, float], None]  # (what, done, total)


def run_load(
    address: tuple[str, int],
    config: LoadConfig,
    socket_factory: Callable[..., socket.socket] = socket.socket,
    process_ids: Callable[[], list[int]] | None = None,
    progress: Progress | None = None,
    alive: Callable[[], bool] | None = None,
) -> LoadResult:
    """Run one load on the chat server at `address`; never raises for the server's faults.

    `socket_factory(family, type)` makes the client sockets (the sandbox's `box.socket`);
    `process_ids()` lists the server's processes for RSS and threads; `alive()` says the
    server process is still running.
    """
    if config.clients < 2 or config.senders < 1 or config.senders >= config.clients:
        raise ValueError("need at least 2 clients and fewer senders than clients")
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    result = LoadResult(config)
    planned_each = max(1, int(config.rate * config.duration))
    result.planned = planned_each * config.senders
    result.receivers_per_line = config.clients - 1
    sampler = ResourceSampler(process_ids) if process_ids else None
    selector = selectors.DefaultSelector()
    clients: list[_Client] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    report = progress or (lambda what, done, total: None)
    try:
        _join(address, family, config, socket_factory, selector, clients, planned_each, report)
        readers = [c for c in clients if c.log is not None]
        senders = [
            _Sender(n, client, planned_each) for n, client in enumerate(readers[: config.senders])
        ]
        for sender in senders:
            sender.client.sender = sender
        _sync(config, selector, readers, senders[0], report)
        result.joined = len(clients)
        result.join_seconds = round(time.perf_counter() - started, 2)
        gc.disable()  # no collector pauses in the middle of a measurement (nothing is cyclic)
        try:
            start = _measure(config, selector, readers, senders, result, report, alive)
        finally:
            gc.enable()
        slow = [c for c in clients if c.log is None]
        if slow:
            result.slow_dropped = _closed_by_server(slow[0].sock)
            result.slow_leave_notice_s = _leave_notice(readers, start)
        result.sent = sum(s.sent for s in senders)
        stalls = sorted(x for s in senders for x in s.stalls_ms)
        result.sender_stall_ms = {
            "p99": rounded(percentile(stalls, 99)),
            "max": rounded(stalls[-1] if stalls else None),
        }
        for client in readers:
            assert client.log is not None
            result.delivered += client.log.delivered
            result.duplicated += client.log.duplicated
            result.out_of_order += client.log.out_of_order
            result.garbled += client.log.garbled
            result.readers_disconnected += client.closed
            if not client.closed:
                own = client.sender.sent if client.sender else 0
                result.lost += max(0, result.sent - own - client.log.delivered)
        latencies = sorted(result.latencies_ms)
        result.latency_ms = {f"p{p}": rounded(percentile(latencies, p)) for p in (50, 95, 99, 100)}
        result.latency_ms["max"] = result.latency_ms.pop("p100")
    except LoadError as exc:
        result.errors.append(str(exc))
    finally:
        for client in clients:
            with contextlib.suppress(OSError):
                client.sock.close()
        selector.close()
        if sampler:
            result.server = sampler.stop()
        result.elapsed_s = round(time.perf_counter() - started, 2)
        result.load_generator_cpu_s = round(time.process_time() - cpu_started, 2)
    if alive and not alive():
        result.errors.append("the server exited during the run")
    return result


def _join(
    address: tuple[str, int],
    family: int,
    config: LoadConfig,
    socket_factory: Callable[..., socket.socket],
    selector: selectors.BaseSelector,
    clients: list[_Client],
    planned_each: int,
    report: Progress,
) -> None:
    """Connect every client and send its nickname (readers first, the slow one last)."""
    deadline = time.monotonic() + config.join_timeout
    total = config.clients + (1 if config.slow else 0)
    for index in range(total):
        slow = index == config.clients
        name = SLOW_NAME.decode() if slow else f"u{index:04d}"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LoadError(
                f"only {index} of {total} clients connected in {config.join_timeout:.0f}s"
            )
        try:
            sock = socket_factory(family, socket.SOCK_STREAM)
        except (OSError, SandboxError) as exc:
            raise LoadError(f"cannot create client socket {index + 1}: {exc}") from exc
        try:
            sock.settimeout(remaining)
            sock.connect(address)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(f"{name}\n".encode())
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise LoadError(f"client {index + 1} of {total} could not connect: {exc}") from exc
        log = None if slow else DeliveryLog(config.senders, planned_each)
        client = _Client(index, name, sock, log)
        clients.append(client)
        if not slow:
            selector.register(sock, selectors.EVENT_READ, client)
        _pump(selector, 0, None)  # read what arrived meanwhile (join notices)
        if index % 20 == 0:
            report("connecting", index + 1, total)
    report("connecting", total, total)
    pause_until = time.monotonic() + WELCOME_PAUSE
    while time.monotonic() < pause_until:
        _pump(selector, 0.05, None)


def _sync(
    config: LoadConfig,
    selector: selectors.BaseSelector,
    readers: list[_Client],
    first: _Sender,
    report: Progress,
) -> None:
    """Send sync lines from the first sender until every other reader has seen one."""
    deadline = time.monotonic() + config.join_timeout
    others = [c for c in readers if c is not first.client]
    next_sync = 0.0
    while True:
        waiting = sum(not c.synced for c in others)
        report("joining", len(others) - waiting, len(others))
        if not waiting:
            return
        now = time.monotonic()
        if now > deadline:
            raise LoadError(
                f"{waiting} of {len(others)} clients did not receive a line from the sender "
                f"within {config.join_timeout:.0f}s (not joined, or the server does not broadcast)"
            )
        if now >= next_sync:
            with contextlib.suppress(BlockingIOError, InterruptedError):
                first.client.sock.send(SYNC + b"\n")
            next_sync = now + SYNC_EVERY
        _pump(selector, 0.05, None)


def _pump(selector: selectors.BaseSelector, timeout: float, measuring: _Measurement | None) -> int:
    """One select: read every readable client, flush writable senders. Returns events."""
    events = selector.select(timeout)
    for number, (key, mask) in enumerate(events, 1):
        client: _Client = key.data
        if mask & selectors.EVENT_WRITE and client.sender:
            _flush(client.sender, selector, time.perf_counter())
        if mask & selectors.EVENT_READ:
            _read(client, selector, measuring)
        if measuring is not None and number % 32 == 0:
            measuring.send_due()  # many readers at once: keep the sender on time
    return len(events)


def _read(client: _Client, selector: selectors.BaseSelector, m: _Measurement | None) -> None:
    try:
        chunk = client.sock.recv(RECV_SIZE)
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        chunk = b""
    if not chunk:
        client.closed = True
        selector.unregister(client.sock)
        return
    now = time.perf_counter()
    client.buffer += chunk
    lines = split_lines(client.buffer)
    if len(client.buffer) > MAX_LINE_BUFFER:
        client.buffer.clear()
    for line in lines:
        found = parse_marker(line)
        if found is not None:
            if m is not None:
                m.arrived(client, found, now)
        elif SYNC in line:
            client.synced = True
        elif SLOW_NAME in line:
            client.slow_mentions.append(now)
        elif NEIGHBOUR in line:
            client.saw_neighbour = True


def _flush(sender: _Sender, selector: selectors.BaseSelector, now: float) -> None:
    """Hand the sender's waiting bytes to the kernel as far as it takes them."""
    sock = sender.client.sock
    while sender.out and not sender.dead:
        try:
            count = sock.send(sender.out)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            sender.dead = True
            break
        del sender.out[:count]
        sender.written += count
        while sender.ends and sender.ends[0][0] <= sender.written:
            _, seq, due = sender.ends.popleft()
            sender.handed[seq] = now
            sender.sent += 1
            sender.stalls_ms.append(max(0.0, (now - due) * 1000))
    if sender.client.closed:
        return
    events = selectors.EVENT_READ | (selectors.EVENT_WRITE if sender.out else 0)
    with contextlib.suppress(KeyError, ValueError):
        if selector.get_key(sock).events != events:
            selector.modify(sock, events, sender.client)


class _Measurement:
    """State of the sending phase shared by the loop's helpers."""

    def __init__(
        self,
        config: LoadConfig,
        selector: selectors.BaseSelector,
        senders: list[_Sender],
        result: LoadResult,
    ) -> None:
        self.config = config
        self.selector = selector
        self.senders = senders
        self.result = result
        self.start = time.perf_counter()
        self.last_arrival = self.start
        self.arrivals = 0
        self.interval = 1.0 / config.rate
        # Several senders take turns: sender n's line k is due at (k + n/senders) * interval.
        self.offsets = [n * self.interval / len(senders) for n in range(len(senders))]

    def due(self, sender: _Sender, seq: int) -> float:
        return self.start + self.offsets[sender.number] + seq * self.interval

    def send_due(self) -> None:
        now = time.perf_counter()
        for sender in self.senders:
            added = False
            while sender.next_seq < sender.planned:
                due = self.due(sender, sender.next_seq)
                if due > now:
                    break
                due_us = round((due - self.start) * 1e6)
                sender.out += make_message(
                    sender.number, sender.next_seq, due_us, self.config.message_bytes
                )
                sender.ends.append((sender.written + len(sender.out), sender.next_seq, due))
                sender.next_seq += 1
                added = True
            if added:
                _flush(sender, self.selector, now)

    def next_due(self) -> float:
        dues = [self.due(s, s.next_seq) for s in self.senders if s.next_seq < s.planned]
        return min(dues) if dues else math.inf

    def arrived(self, client: _Client, found: tuple[int, int, int], now: float) -> None:
        sender, seq, due_us = found
        if client.sender is not None and client.sender.number == sender:
            return  # the server echoed the sender's own line: allowed, not counted
        assert client.log is not None
        if client.log.record(sender, seq):
            # From the moment the server could have the whole line: the sender's own
            # delays (a stall, the load generator being late) are reported apart.
            handed = self.senders[sender].handed[seq] or self.start + due_us / 1e6
            self.result.latencies_ms.append((now - handed) * 1000)
            self.result.due_s.append(due_us / 1e6)
            self.arrivals += 1
            self.last_arrival = now


def _measure(
    config: LoadConfig,
    selector: selectors.BaseSelector,
    readers: list[_Client],
    senders: list[_Sender],
    result: LoadResult,
    report: Progress,
    alive: Callable[[], bool] | None,
) -> float:
    """Send and receive; returns when the sending started (perf_counter)."""
    m = _Measurement(config, selector, senders, result)
    end = m.start + config.duration
    next_report = 0.0
    while True:
        m.send_due()
        now = time.perf_counter()
        if now >= next_report:
            if now < end:
                report("sending", now - m.start, config.duration)
            else:
                report("draining", m.arrivals, result.expected)
            next_report = now + 0.2
            if alive is not None and not alive():
                break
        if m.next_due() == math.inf:
            sent = sum(s.sent for s in senders)
            # Every line that went out, to every reader still connected (echoes aside).
            open_readers = sum(not c.closed for c in readers)
            if m.arrivals >= sent * (open_readers - 1) and not any(s.out for s in senders):
                break
            quiet = now - max(m.last_arrival, end)
            if quiet > DRAIN_IDLE or now > end + DRAIN_TIMEOUT:
                break
        _pump(selector, min(max(0.0, m.next_due() - now), 0.05), m)
    finished = time.perf_counter()
    for sender in senders:  # lines never taken: they stalled until the very end
        for _, _, due in sender.ends:
            sender.stalls_ms.append((finished - due) * 1000)
    return m.start


def _leave_notice(readers: list[_Client], start: float) -> float | None:
    """Seconds from the start of sending until a reader was told the slow client left.

    Any wording will do: a line that names the slow client. If the server announces joins
    (the first client heard of the second one), a reader's first such line was the slow
    client's join notice and its second one the leave notice; otherwise the first.
    """
    index = 1 if readers[0].saw_neighbour else 0
    times = [c.slow_mentions[index] for c in readers if len(c.slow_mentions) > index]
    return round(min(times) - start, 3) if times else None


def _closed_by_server(sock: socket.socket, budget: float = 2.0) -> bool:
    """Did the server close this (never read) socket? Reads what is buffered to find out."""
    deadline = time.monotonic() + budget
    sock.setblocking(False)
    while time.monotonic() < deadline:
        try:
            if not sock.recv(RECV_SIZE):
                return True
        except (BlockingIOError, InterruptedError):
            # Nothing buffered right now: still open, unless more is on its way.
            ready = selectors.DefaultSelector()
            ready.register(sock, selectors.EVENT_READ)
            got = ready.select(0.2)
            ready.close()
            if not got:
                return False
        except OSError:  # reset by the server
            return True
    return False


# ------------------------------------------------------------------- the grader's sandbox


@dataclass
class RunningServer:
    box: Sandbox
    address: tuple[str, int]

    def alive(self) -> bool:
        return not self.box.exited.is_set()

    def socket(self, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
        return self.box.socket(family, kind)


def server_script(path: Path) -> tuple[Path, str]:
    """(folder to copy, script to run) for a folder with server.py or a .py file."""
    if path.is_dir():
        if not (path / "server.py").is_file():
            raise LoadError(f"{path} has no server.py")
        return path, "server.py"
    if path.is_file() and path.suffix == ".py":
        return path.parent, path.name
    raise LoadError(f"{path}: not a folder with server.py, nor a .py file")


def load_limits(clients: int) -> Limits:
    """The grader's limits, widened so that a thread-per-client server can hold `clients`."""
    base = Limits()
    return Limits(
        cpu_seconds=max(base.cpu_seconds, 600),
        # Each thread reserves its stack (8 MB) of address space, not of memory.
        memory_bytes=base.memory_bytes + clients * (24 << 20),
        processes=max(base.processes, 3 * clients + 512),
        file_bytes=base.file_bytes,
        open_files=max(base.open_files, 2 * clients + 256),
    )


def _listening(box: Sandbox) -> list[tuple[str, int]]:
    if box.isolation == "netns":
        return [(e.local_ip, e.local_port) for e in box.netstat() or [] if e.listening]
    found = []
    for pid in box.process_ids():
        with contextlib.suppress(psutil.Error):
            for c in psutil.Process(pid).net_connections(kind="tcp"):
                if c.status == psutil.CONN_LISTEN and c.laddr:
                    found.append((c.laddr.ip, c.laddr.port))
    return found


def _connectable(ip: str, port: int) -> tuple[str, int]:
    if ip in ("0.0.0.0", ""):
        return "127.0.0.1", port
    if ip == "::":
        return "::1", port
    return ip, port


@contextlib.contextmanager
def sandboxed_server(
    path: Path, isolation: str = "auto", limits: Limits | None = None, timeout: float = 10.0
) -> Iterator[RunningServer]:
    """Start the server at `path` in the grader's sandbox and wait until it listens."""
    source, script = server_script(path)
    try:
        factory = SandboxFactory(source, isolation, limits or Limits())
    except SandboxError as exc:
        raise LoadError(str(exc)) from exc
    try:
        box = factory.create()
        argv = [factory.python, "-u", script]
        if box.isolation == "ports":
            argv += ["--port", str(box.port)]
        box.start(argv, minimal_environment(box.home))
        deadline = time.monotonic() + timeout
        while True:
            entries = _listening(box)
            if entries:
                # Prefer IPv4 and the expected port; any listening socket will do.
                entries.sort(key=lambda e: (":" in e[0], e[1] not in (box.port, 9090)))
                yield RunningServer(box, _connectable(*entries[0]))
                return
            if box.exited.is_set():
                raise LoadError(
                    f"the server exited while starting (status {box.exit_status}):\n"
                    + box.stderr_text()[-2000:]
                )
            if time.monotonic() > deadline:
                raise LoadError(f"the server did not listen within {timeout:.0f}s")
            time.sleep(0.02)
    except SandboxError as exc:
        raise LoadError(str(exc)) from exc
    finally:
        factory.close()


def run_in_sandbox(
    path: Path,
    config: LoadConfig,
    isolation: str = "auto",
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> tuple[LoadResult, str]:
    """A fresh server in its own sandbox, one load on it. Returns (result, isolation)."""
    with sandboxed_server(path, isolation, limits or load_limits(config.clients)) as server:
        result = run_load(
            server.address,
            config,
            socket_factory=server.socket,
            process_ids=server.box.process_ids,
            progress=progress,
            alive=server.alive,
        )
        if not server.alive():
            tail = server.box.stderr_text()[-1500:].strip()
            if tail:
                result.errors.append("server stderr:\n" + tail)
        return result, server.box.isolation


def raise_open_files_limit(needed: int) -> None:
    """The load generator itself holds one socket per client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed + 256
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


# ---------------------------------------------------------------------------- reports

PLOT_INSTALL_HINT = (
    "--plot needs matplotlib: pip install -e '.[plot]' (or pip install matplotlib)\n"
    "для --plot нужен matplotlib: pip install -e '.[plot]' (или pip install matplotlib)"
)


def plot_latencies(results: list[tuple[str, LoadResult]], path: Path, title: str = "") -> None:
    """Latency of every delivery over time, and its distribution, one colour per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (over_time, spread) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, result in results:
        if not len(result.latencies_ms):
            continue
        step = max(1, len(result.latencies_ms) // 20000)  # keep the file small
        over_time.scatter(
            result.due_s[::step], result.latencies_ms[::step], s=2, alpha=0.4, label=label
        )
        values = sorted(result.latencies_ms)
        spread.plot([100 * (i + 1) / len(values) for i in range(len(values))], values, label=label)
    over_time.set(xlabel="time since the first line (s)", ylabel="latency (ms)", yscale="log")
    over_time.set_title("every delivery")
    spread.set(xlabel="percentile", ylabel="latency (ms)", yscale="log")
    spread.set_title("latency distribution")
    for axes in (over_time, spread):
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(loc="upper left", markerscale=4)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def summary_rows(r: LoadResult) -> list[tuple[str, str]]:
    """The report of one run as (what, value) rows, in reading order."""
    c = r.config
    pct = r.delivered_pct
    lat = r.latency_ms
    rows = [
        ("clients (readers)", f"{c.clients + c.slow} ({c.clients})"),
        ("lines × rate × time", f"{c.senders} × {c.rate:g}/s × {c.duration:g} s"),
        ("line size", f"{c.message_bytes} B"),
        ("sent / due", f"{r.sent} / {r.planned}"),
        ("delivered", f"{r.delivered} / {r.expected}" + ("" if pct is None else f" ({pct:.2f}%)")),
        ("lost · dup · reordered", f"{r.lost} · {r.duplicated} · {r.out_of_order}"),
        *((f"latency {k}, ms", _ms(lat.get(k))) for k in ("p50", "p95", "p99", "max")),
        ("sender stall max, ms", _ms(r.sender_stall_ms.get("max"))),
        ("readers dropped", str(r.readers_disconnected)),
        ("server peak RSS", f"{r.server.get('peak_rss_mb', '—')} MB"),
        ("server peak threads", str(r.server.get("peak_threads", "—"))),
        ("server CPU", f"{r.server.get('cpu_seconds', '—')} s"),
    ]
    if c.slow:
        slow = "dropped" if r.slow_dropped else "connected"
        if r.slow_leave_notice_s is not None:
            slow += f", notice at {r.slow_leave_notice_s:.2f} s"
        rows.append(("never-reading client", slow))
    return rows


def render_table(runs: list[tuple[str, LoadResult]], console: Any) -> None:
    from rich.table import Table

    table = Table(title="chat server under load", title_justify="left")
    table.add_column("")
    for label, result in runs:
        table.add_column(label + ("" if result.ok else " ✗"), justify="right")
    rows = [dict(summary_rows(r)) for _, r in runs]
    for what in dict.fromkeys(what for r in rows for what in r):  # every row, in order
        table.add_row(what, *(r.get(what, "") for r in rows))
    console.print(table)
    for label, r in runs:
        for error in r.errors:
            console.print(f"[bold red]{label}:[/] {error}")


# ----------------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder load",
        description="Put a chat server under load in the grader's sandbox: delivery and latency.",
    )
    parser.add_argument("path", type=Path, help="folder with server.py, or a server .py file")
    parser.add_argument("--clients", type=int, default=50, help="reading clients (default 50)")
    parser.add_argument("--rate", type=float, default=100.0, help="lines per second (default 100)")
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds of sending (default 5)"
    )
    parser.add_argument("--size", type=int, default=100, help="bytes per line (default 100)")
    parser.add_argument("--senders", type=int, default=1, help="clients sending (default 1)")
    parser.add_argument(
        "--slow",
        action="store_true",
        help="then run again with one client that never reads, and big lines (--slow-size)",
    )
    parser.add_argument(
        "--slow-size", type=int, default=20000, help="bytes per line in the --slow run (20000)"
    )
    parser.add_argument("--plot", type=Path, help="save a latency plot (.png or .svg)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file")
    parser.add_argument("--isolation", choices=("auto", "netns", "ports"), default="auto")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    err = Console(stderr=True, highlight=False)
    if args.clients < 2 or not 1 <= args.senders < args.clients or args.rate <= 0:
        err.print(
            "[bold red]autograder load:[/] need --clients >= 2, 1 <= --senders < --clients, --rate > 0"
        )
        return 2
    if args.duration <= 0 or args.size < 32 or args.slow_size < 32:
        err.print(
            "[bold red]autograder load:[/] need --duration > 0 and sizes of at least 32 bytes"
        )
        return 2
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            err.print(f"[bold red]autograder load:[/] {PLOT_INSTALL_HINT}")
            return 2
        if args.plot.suffix.lower() not in (".png", ".svg"):
            err.print("[bold red]autograder load:[/] --plot FILE must end in .png or .svg")
            return 2
    raise_open_files_limit(args.clients + 1)
    base = LoadConfig(
        clients=args.clients,
        rate=args.rate,
        duration=args.duration,
        message_bytes=args.size,
        senders=args.senders,
        join_timeout=max(10.0, 0.05 * args.clients),
    )
    plans = [("all read", base)]
    if args.slow:
        plans.append(
            (
                "one never reads",
                LoadConfig(**{**asdict(base), "slow": True, "message_bytes": args.slow_size}),
            )
        )
    runs: list[tuple[str, LoadResult]] = []
    isolation = args.isolation
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            for label, config in plans:
                task = bar.add_task(label, total=1)

                def progress(what: str, done: float, total: float, task=task, label=label) -> None:
                    bar.update(
                        task, description=f"{label}: {what}", completed=done, total=total or 1
                    )

                result, isolation = run_in_sandbox(
                    args.path, config, args.isolation, progress=progress
                )
                bar.remove_task(task)
                runs.append((label, result))
                if not err.is_terminal:
                    err.print(f"{label}: done in {result.elapsed_s:.1f}s")
    except LoadError as exc:
        err.print(f"[bold red]autograder load:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        err.print("[bold red]autograder load:[/] interrupted")
        return 2

    if args.plot:
        plot_latencies(
            runs, args.plot, f"{args.path}: {args.clients} clients, {args.rate:g} lines/s"
        )
        err.print(f"latency plot: {args.plot}")
    if args.format == "json":
        text = json.dumps(
            {
                "server": str(args.path),
                "isolation": isolation,
                "cpus": os.cpu_count(),
                "runs": [{"run": label, **r.to_dict()} for label, r in runs],
            },
            indent=2,
            ensure_ascii=False,
        )
        if args.output:
            args.output.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    else:
        out = (
            Console(file=args.output.open("w", encoding="utf-8"), width=200, no_color=True)
            if args.output
            else Console(highlight=False)
        )
        render_table(runs, out)
        out.print(
            f"isolation: {isolation}; latency: from the moment the sender's line was in the"
            " server's socket to its arrival; stall: how late the server took a line"
        )
        if args.output:
            out.file.close()
    return 0 if all(r.ok for _, r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
