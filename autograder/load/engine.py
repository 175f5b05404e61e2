"""The load engine: N clients on one selectors loop, one or more timed senders.

N clients connect and send their nicknames; once every one of them is in (a sync line from
the sender reached them all), one sender (or several) sends numbered, timestamped lines at
R per second for S seconds, and every other client records each line's arrival (see
statistics.py for what is counted). `run_load` needs only a way to make sockets and the
server's address: the command line (cli.py) passes `box.socket`, so the load clients live
in the server's private network namespace, and the sandbox itself, whose process list and
CPU time it samples. All receivers are served by one `selectors` loop in one thread (1000
clients do not need 1000 threads here), and the sender writes from that same loop with
non-blocking sends, so a server that stops reading shows up as a stall, never as a hang
of the load generator.
"""

from __future__ import annotations

import contextlib
import gc
import math
import selectors
import socket
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable
from typing import Protocol

import psutil

from autograder.load.protocol import (
    MAX_LINE_BUFFER,
    NEIGHBOUR,
    SLOW_NAME,
    SYNC,
    make_message,
    mixed,
    parse_marker,
    reader_name,
    split_lines,
)
from autograder.load.statistics import DeliveryLog, LoadConfig, LoadResult, percentile, rounded
from autograder.sandbox import SandboxError

RECV_SIZE = 1 << 18
SYNC_EVERY = 0.25  # seconds between sync lines while waiting for everyone to join
WELCOME_PAUSE = 0.3  # after the nicknames, before anything else: one recv may be one message
DRAIN_IDLE = 1.0  # after the last line is due: stop once nothing arrived for this long
DRAIN_TIMEOUT = 10.0  # ... and in any case this long after the last line was due


class LoadError(RuntimeError):
    """The load could not be run (the server did not start, clients could not join)."""


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
    """Peak RSS and thread count of the server's processes, sampled in a thread, and the
    CPU time they used (the sandbox's own count, as the grader's waits use it)."""

    def __init__(self, program: Program, interval: float = 0.1) -> None:
        self.program = program
        self.interval = interval
        self.peak_rss = 0
        self.peak_threads = 0
        self.cpu_start = program.cpu_seconds()
        self.cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        rss = threads = 0
        for pid in self.program.process_ids():
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
        self.cpu_seconds = max(0.0, self.program.cpu_seconds() - self.cpu_start)
        return {
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
            "peak_threads": self.peak_threads,
            "cpu_seconds": round(self.cpu_seconds, 2),
        }


class Program(Protocol):
    """What the sampler needs of the server: a sandbox has both."""

    def process_ids(self) -> list[int]: ...

    def cpu_seconds(self) -> float: ...


Progress = Callable[[str, float, float], None]  # (what, done, total)


def run_load(
    address: tuple[str, int],
    config: LoadConfig,
    socket_factory: Callable[..., socket.socket] = socket.socket,
    program: Program | None = None,
    progress: Progress | None = None,
    alive: Callable[[], bool] | None = None,
) -> LoadResult:
    """Run one load on the chat server at `address`; never raises for the server's faults.

    `socket_factory(family, type)` makes the client sockets (the sandbox's `box.socket`);
    `program` (the sandbox) gives the server's processes for RSS, threads and CPU time;
    `alive()` says the server process is still running.
    """
    if config.clients < 2 or config.senders < 1 or config.senders >= config.clients:
        raise ValueError("need at least 2 clients and fewer senders than clients")
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    result = LoadResult(config)
    planned_each = max(1, int(config.rate * config.duration))
    result.planned = planned_each * config.senders
    result.receivers_per_line = config.clients - 1
    sampler = ResourceSampler(program) if program else None
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
        name = SLOW_NAME.decode() if slow else reader_name(index)
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
            if slow and config.slow_rcvbuf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, config.slow_rcvbuf)
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
        closed = sum(c.closed and not c.synced for c in [first.client, *others])
        if closed:  # they will never see a sync line: no use waiting for them
            raise LoadError(
                f"the server closed {closed} of {len(readers)} connections while they were joining"
            )
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
            if m is not None and client.log is not None and mixed(line):
                client.log.garbled += 1
            elif m is not None:
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
        readers: list[_Client],
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
        # The reader that hiccups (config.pause_lines) and another one that tells when the
        # server has sent it enough meanwhile.
        self.pauser: _Client | None = None
        self.witness: _Client | None = None
        self.paused_at: int | None = None  # the witness's count when the pause began
        self.sent_at = 0  # lines the server had taken from the senders then
        self.paused_since = 0.0
        self.resumed = False
        if config.pause_lines and len(readers) > len(senders) + 1:
            self.pauser, self.witness = readers[-1], readers[-2]

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

    def hiccup(self, now: float) -> None:
        """Stop reading the pauser a third of the way through the sending; read it again
        once the witness got `pause_lines` more lines (if the server dropped the witness:
        once the server took that many more from the senders), or the sending is over."""
        pauser, witness = self.pauser, self.witness
        if pauser is None or witness is None or witness.log is None or self.resumed:
            return
        sent = sum(s.sent for s in self.senders)
        if self.paused_at is None:
            if now >= self.start + self.config.duration / 3 and not pauser.closed:
                self.selector.unregister(pauser.sock)
                self.paused_at, self.sent_at = witness.log.delivered, sent
                self.paused_since = now
        elif (
            witness.log.delivered - self.paused_at >= self.config.pause_lines
            or (witness.closed and sent - self.sent_at >= self.config.pause_lines)
            or now >= self.start + self.config.duration
        ):
            self.selector.register(pauser.sock, selectors.EVENT_READ, pauser)
            self.resumed = True
            self.result.pause_s = round(now - self.paused_since, 3)

    def next_due(self) -> float:
        dues = [self.due(s, s.next_seq) for s in self.senders if s.next_seq < s.planned]
        return min(dues) if dues else math.inf

    def arrived(self, client: _Client, found: tuple[int, int, int], now: float) -> None:
        sender, seq, due_us = found
        if client.sender is not None and client.sender.number == sender:
            return  # the server echoed the sender's own line: allowed, not counted
        assert client.log is not None
        if client.log.record(sender, seq):
            self.arrivals += 1
            self.last_arrival = now
            if client is self.pauser:
                return  # late by design: the pause is not the server's latency
            # From the moment the server could have the whole line: the sender's own
            # delays (a stall, the load generator being late) are reported apart.
            handed = self.senders[sender].handed[seq] or self.start + due_us / 1e6
            self.result.latencies_ms.append((now - handed) * 1000)
            self.result.due_s.append(due_us / 1e6)


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
    m = _Measurement(config, selector, readers, senders, result)
    end = m.start + config.duration
    next_report = 0.0
    while True:
        m.send_due()
        now = time.perf_counter()
        m.hiccup(now)
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
