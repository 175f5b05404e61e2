"""Lesson 05 checks (bonus): slow consumers and event loops.

A lesson 05 server is a lesson 04 server (threads, `selectors` or `asyncio`, as the student
likes), so lesson 04's server checks run here as they are; lesson 05 has no client. What
this lesson is about is checked under load, with the load engine of
`python -m autograder load` (autograder/load/): a client that never reads while others
chat (`slow_reader`), the server's memory while it does (`bounded_memory`), and hundreds
of connections at once (`many_connections`).
"""

from __future__ import annotations

import re
from typing import NoReturn

from autograder.checks import lesson04
from autograder.checks.transports import TCP
from autograder.context import CheckContext, CheckSet
from autograder.hints.lesson04 import NO_BROADCAST, SLOW_CONSUMER, SLOW_CONSUMER_LIMIT
from autograder.hints.lesson05 import (
    DRAIN_IN_BROADCAST,
    MANY_CONNECTIONS,
    SLOW_READER,
    TAIL_ORDER,
    UNBOUNDED_TAIL,
)
from autograder.i18n import Text
from autograder.load import LoadConfig, LoadResult, raise_open_files_limit, run_load
from autograder.load.engine import ResourceSampler
from autograder.load.protocol import reader_name
from autograder.verdicts import CheckFailed, Hint

CHECKS = CheckSet("05", "tcp")


def reuse(check_id: str) -> None:
    """Lesson 04's check `check_id`, as it is (its docstring, dependencies, hints)."""
    spec = lesson04.CHECKS.checks[check_id]
    CHECKS.check(check_id, spec.depends, spec.needs, spec.long)(spec.function)


# In lesson 04's order, with lesson 05's slow_consumer in its place (below).
for _check in ("starts", "join", "broadcast", "leave", "leave_abrupt", "concurrent"):
    reuse(_check)
reuse("nickname")
reuse("framing")
reuse("utf8")


def waits_in_drain(ctx: CheckContext) -> bool:
    """Does the server's source await drain()? Then a stall is most likely that."""
    return "drain(" in ctx.submission.server_facts.text


def stall_hint(ctx: CheckContext) -> Hint:
    return DRAIN_IN_BROADCAST if waits_in_drain(ctx) else SLOW_READER


@CHECKS.check("slow_consumer", long=True)
def slow_consumer(ctx: CheckContext) -> None:
    """A client that stops reading does not stall the others while they exchange megabytes."""
    try:
        lesson04.slow_consumer(ctx)
    except CheckFailed as failure:
        # Lesson 04's words are about threads; an asyncio server waits in drain() instead.
        if failure.hint is SLOW_CONSUMER and waits_in_drain(ctx):
            failure.hint = DRAIN_IN_BROADCAST
        raise


reuse("many_clients")
reuse("bad_input")


def chat_works(ctx: CheckContext) -> None:
    """Two users first, one line from alice to bob: without a broadcast there is no load to
    judge, and the load's clients would only wait out their join timeout for a line."""
    alice, bob = TCP.join(ctx, "alice"), TCP.join(ctx, "bob")
    TCP.say(ctx, alice, "ready for the load", [bob])
    alice.leave()
    bob.leave()


def load(ctx: CheckContext, config: LoadConfig) -> LoadResult:
    """One load on a fresh copy of the student's server (see autograder/load/engine.py)."""
    server = ctx.server()
    raise_open_files_limit(config.clients + 64)  # the grader's own end of each connection
    return run_load(
        server.address,
        config,
        socket_factory=server.box.socket,
        program=server.box,
        alive=server.alive,
    )


# The load engine's errors (autograder/load/engine.py) in Russian; any other stays as it is.
LOAD_ERRORS_RU = (
    (
        r"only (\d+) of (\d+) clients connected in (\d+)s",
        r"подключились только \1 из \2 клиентов за \3 с",
    ),
    (r"client (\d+) of (\d+) could not connect: ", r"клиент \1 из \2 не смог подключиться: "),
    (
        r"the server closed (\d+) of (\d+) connections while they were joining",
        r"сервер закрыл \1 из \2 соединений, пока они входили",
    ),
    (
        r"(\d+) of (\d+) clients did not receive a line from the sender within (\d+)s "
        r"\(not joined, or the server does not broadcast\)",
        r"\1 из \2 клиентов не получили строку отправителя за \3 с (не вошли, или сервер "
        r"не рассылает)",
    ),
    (r"the server exited during the run", "сервер завершился во время нагрузки"),
)


def in_russian(error: str) -> str:
    for pattern, russian in LOAD_ERRORS_RU:
        error = re.sub(pattern, russian, error)
    return error


def could_not_run(ctx: CheckContext, result: LoadResult, hint: Hint, if_dead: str) -> None:
    """Fail with the load's own error (clients could not join, the server died)."""
    if result.errors:
        ctx.fail(
            Text(
                "нагрузку не удалось провести: " + "; ".join(map(in_russian, result.errors)),
                "the load could not be run: " + "; ".join(result.errors),
            ),
            hint=hint,
            if_dead=if_dead,
        )


# A client that never reads, among readers chatting: 2 senders, 50 lines of 20 KB a second
# each, for 3 s (6 MB to everyone). Its receive buffer is 4 KB, so only the server's send
# buffer for it (a few MB at most) stands between it and a stall: a server that waits for
# it stalls within the first second or two. One reader also pauses, until 40 more lines
# (0.8 MB) came: more than the kernel's buffers for it hold in the sandbox (256 KB each
# way, about 0.35 MB of lines), so the server has a backlog for a client that does read
# (0.45 MB in the reference), every run; and well under the 1 MB a queue is told to allow
# (hints SLOW_CONSUMER_LIMIT). A server whose tail lets new lines past the old ones mixes
# that client's lines up; one whose limit is smaller than such a moment's backlog drops
# it. (Without a network namespace the kernel's buffers are megabytes and the pause may
# leave no backlog: then it proves less.)
SLOW_READER_LOAD = LoadConfig(
    clients=10,
    senders=2,
    rate=50,
    duration=3.0,
    message_bytes=20000,
    slow=True,
    slow_rcvbuf=4096,
    pause_lines=40,
    join_timeout=10.0,
)
# A line's latency (p99) and a sender's longest wait that are still "in time" on a busy
# machine; a server that waits for the slow client makes its senders wait to the end.
IN_TIME_MS = 2000.0


@CHECKS.check("slow_reader", depends=("starts", "broadcast"), long=True)
def slow_reader(ctx: CheckContext) -> None:
    """Under load, with one client that never reads: every line reaches every reader in time.

    Ten clients, two of them sending 50 lines of 20 KB a second each for 3 s (the load of
    `python -m autograder load --slow`), and one more that joins and never reads (4 KB
    receive buffer). One of the ten stops reading for a moment a third of the way in and
    reads on once 0.8 MB more came for it. Passes when the server took every line at once
    (no sender waited more than 2 s), each reached every reader once and in order (the one
    that paused too), p99 latency under 2 s (the pause aside), and no reader was dropped.
    """
    config = SLOW_READER_LOAD
    pauser = reader_name(config.clients - 1)
    behind_mb = config.pause_lines * config.message_bytes / 1e6
    chat_works(ctx)
    ctx.transcript.add(
        "grader",
        Text(
            f"{config.clients} клиентов, {config.senders} из них шлют по {config.rate:g} строк "
            f"по {config.message_bytes // 1000} КБ в секунду {config.duration:g} с; ещё один "
            f"(slowpoke) входит и ничего не читает; {pauser} ненадолго перестаёт читать (пока "
            f"ему не придёт ещё {config.pause_lines} строк, {behind_mb:.1f} МБ) и читает дальше",
            f"{config.clients} clients, {config.senders} of them sending {config.rate:g} lines "
            f"of {config.message_bytes // 1000} KB a second for {config.duration:g}s; one more "
            f"(slowpoke) joins and never reads; {pauser} stops reading for a moment (until "
            f"{config.pause_lines} more lines, {behind_mb:.1f} MB, came for it) and reads on",
        ),
    )
    result = load(ctx, config)
    could_not_run(ctx, result, NO_BROADCAST, "blame")
    summary = figures(result)
    ctx.transcript.add("grader", summary)
    stall = result.sender_stall_ms.get("max") or 0.0
    p99 = result.latency_ms.get("p99") or 0.0
    if result.readers_disconnected:
        ctx.fail(
            Text(
                f"сервер отключил {result.readers_disconnected} из {config.clients} клиентов, "
                "которые читают исправно",
                f"the server disconnected {result.readers_disconnected} of {config.clients} "
                "clients that do read",
            ),
            Text(
                f"отключать только slowpoke; {pauser} лишь на миг отстал на {behind_mb:.1f} МБ",
                f"only slowpoke is dropped; {pauser} only fell {behind_mb:.1f} MB behind for "
                "a moment",
            ),
            summary,
            SLOW_CONSUMER_LIMIT,
        )
    # The evidence in order: senders held up (the server did not take their lines) is a
    # wait whatever else came; then lines mixed up (out of order, twice, two in one), the
    # server's doing however busy the machine; then late or lost lines. Lines lost with
    # mixed ones are the bytes of a line cut by another one (no marker left to count them
    # by), not a wait.
    if result.sent < result.planned or stall > IN_TIME_MS:
        too_slow(ctx, summary)
    if result.duplicated or result.out_of_order or result.garbled:
        ctx.fail(
            Text(
                f"строки пришли не по порядку ({result.out_of_order}), дважды "
                f"({result.duplicated}) или испорченными ({result.garbled}); потеряно "
                f"{result.lost}",
                f"lines arrived out of order ({result.out_of_order}), twice "
                f"({result.duplicated}) or garbled ({result.garbled}); {result.lost} lost",
            ),
            Text(
                "каждая строка у каждого — один раз и по порядку (и у того, кто отстал)",
                "every line reaches every reader once, in order (the one that fell behind too)",
            ),
            summary,
            TAIL_ORDER,
        )
    if p99 > IN_TIME_MS or result.lost:
        too_slow(ctx, summary)


def too_slow(ctx: CheckContext, summary: Text) -> NoReturn:
    """Fail slow_reader: the others waited for slowpoke (lines not taken, late or lost)."""
    ctx.fail(
        Text("slowpoke не читает, и остальные ждут", "slowpoke does not read, and the others wait"),
        Text(
            "сервер сразу принимает каждую строку, и она за 2 с доходит до всех, кто читает",
            "the server takes every line at once and it reaches every reader within 2s",
        ),
        summary,
        stall_hint(ctx),
    )


def figures(result: LoadResult) -> Text:
    """What a load showed, in a line: lines taken, delivered, the longest wait, latency."""
    pct = result.delivered_pct or 0.0
    stall = (result.sender_stall_ms.get("max") or 0.0) / 1000
    p99 = result.latency_ms.get("p99")
    latency_ru = "—" if p99 is None else f"{p99:.0f} мс"
    latency_en = "—" if p99 is None else f"{p99:.0f} ms"
    slow_ru = slow_en = ""
    if result.config.slow:
        slow_ru = "; slowpoke отключён" if result.slow_dropped else "; slowpoke не отключён"
        slow_en = "; slowpoke dropped" if result.slow_dropped else "; slowpoke still connected"
    if result.pause_s is not None:
        pauser = reader_name(result.config.clients - 1)
        slow_ru += f"; {pauser} не читал {result.pause_s:.1f} с"
        slow_en += f"; {pauser} did not read for {result.pause_s:.1f}s"
    return Text(
        f"сервер принял {result.sent} из {result.planned} строк (отправитель ждал до "
        f"{stall:.1f} с), доставлено {pct:.1f}%, задержка p99 {latency_ru}{slow_ru}",
        f"the server took {result.sent} of {result.planned} lines (a sender waited up to "
        f"{stall:.1f}s), {pct:.1f}% delivered, p99 latency {latency_en}{slow_en}",
    )


# One sender, one reader and one client that never reads: 300 lines of 32 KB a second for
# 3 s, about 29 MB for each. A server that keeps all of it for the one that does not read
# grows by about that much; a bounded tail (4 MiB in the reference) by a few MB.
MEMORY_LOAD = LoadConfig(
    clients=2,
    senders=1,
    rate=300,
    duration=3.0,
    message_bytes=32000,
    slow=True,
    slow_rcvbuf=4096,
    join_timeout=10.0,
)


@CHECKS.check("bounded_memory", depends=("starts", "broadcast"), long=True)
def bounded_memory(ctx: CheckContext) -> None:
    """While a client never reads and 29 MB are sent past it, the server's memory stays bounded.

    One client sends 300 lines of 32 KB a second for 3 s, one reads them, one never reads
    (4 KB receive buffer). The server's memory (RSS of its processes, sampled every 0.1 s)
    may grow by less than half of what it took for the client that does not read: it drops
    that client or bounds its tail, it does not keep everything.
    """
    config = MEMORY_LOAD
    server = ctx.server()
    chat_works(ctx)
    before = float(ResourceSampler(server.box).stop()["peak_rss_mb"] or 0.0)
    ctx.transcript.add(
        "grader",
        Text(
            f"один клиент шлёт {config.rate:g} строк по {config.message_bytes // 1000} КБ в "
            f"секунду {config.duration:g} с, другой читает, slowpoke не читает ничего; память "
            f"сервера до: {before:.1f} МБ",
            f"one client sends {config.rate:g} lines of {config.message_bytes // 1000} KB a "
            f"second for {config.duration:g}s, another reads, slowpoke reads nothing; the "
            f"server's memory before: {before:.1f} MB",
        ),
    )
    result = load(ctx, config)
    could_not_run(ctx, result, NO_BROADCAST, "blame")
    taken_mb = result.sent * config.message_bytes / 2**20
    peak = float(result.server.get("peak_rss_mb") or 0.0)
    growth = max(0.0, peak - before)
    ctx.transcript.add(
        "grader",
        Text(
            f"сервер принял {taken_mb:.1f} МБ строк; его память выросла на {growth:.1f} МБ "
            f"(пик {peak:.1f} МБ)" + ("; slowpoke отключён" if result.slow_dropped else ""),
            f"the server took {taken_mb:.1f} MB of lines; its memory grew by {growth:.1f} MB "
            f"(peak {peak:.1f} MB)" + ("; slowpoke dropped" if result.slow_dropped else ""),
        ),
    )
    if result.sent < result.planned // 2:
        ctx.skip(
            Text(
                f"не по чему судить: сервер принял только {result.sent} из {result.planned} "
                "строк (см. slow_reader)",
                f"nothing to judge by: the server took only {result.sent} of "
                f"{result.planned} lines (see slow_reader)",
            )
        )
    if growth > taken_mb / 2:
        ctx.fail(
            Text(
                f"slowpoke не читает, а память сервера выросла на {growth:.0f} МБ из "
                f"{taken_mb:.0f} МБ, отправленных мимо него",
                f"slowpoke does not read, and the server's memory grew by {growth:.0f} MB of "
                f"the {taken_mb:.0f} MB sent past it",
            ),
            Text(
                f"рост меньше {taken_mb / 2:.0f} МБ: хвост slowpoke ограничен, или он отключён",
                f"growth under {taken_mb / 2:.0f} MB: slowpoke's tail is bounded, or it is dropped",
            ),
            Text(
                f"рост {growth:.1f} МБ (пик {peak:.1f} МБ)",
                f"growth {growth:.1f} MB (peak {peak:.1f} MB)",
            ),
            UNBOUNDED_TAIL,
        )


# 300 connections (the sandbox allows the server 1024 open files), then 10 lines a second
# for 1 s from one of them to the 299 others. Not more: joining is quadratic (each join is
# announced to everyone in), and at 500 a server with a reader and a writer thread per
# client (lesson 04's design) could not let everyone in within 20 s on a busy machine (a
# load average of 30 on 2 cores), where 300 took it 4-10 s: the check would judge the
# machine's load, not the server. Joining may take 30 s before the check gives up.
CROWD_LOAD = LoadConfig(clients=300, senders=1, rate=10, duration=1.0, join_timeout=30.0)


@CHECKS.check("many_connections", depends=("starts", "broadcast"), long=True)
def many_connections(ctx: CheckContext) -> None:
    """300 connections at once: all join, and each line of one reaches the 299 others.

    The server may hold 1024 open files in the sandbox, so 300 connections fit. All 300
    connect and send nicknames; one then sends 10 lines in a second. Passes when no
    connection was refused or closed and every line reached all 299 others, once, in order,
    within 5 s.
    """
    config = CROWD_LOAD
    chat_works(ctx)
    ctx.transcript.add(
        "grader",
        Text(
            f"{config.clients} клиентов подключаются и отправляют имена; один шлёт "
            f"{config.rate * config.duration:g} строк",
            f"{config.clients} clients connect and send their nicknames; one sends "
            f"{config.rate * config.duration:g} lines",
        ),
    )
    result = load(ctx, config)
    # A server that could not start one more thread dies: the cause is the crowd.
    could_not_run(ctx, result, MANY_CONNECTIONS, "note")
    summary = figures(result)
    ctx.transcript.add("grader", summary)
    late = (result.latency_ms.get("max") or 0.0) > 5000
    if result.readers_disconnected or result.sent < result.planned or result.lost or late:
        ctx.fail(
            Text(
                f"{config.clients} соединений: {summary.ru}; сервер закрыл "
                f"{result.readers_disconnected}",
                f"{config.clients} connections: {summary.en}; the server closed "
                f"{result.readers_disconnected}",
            ),
            Text(
                f"каждая строка за 5 с доходит до всех {config.clients - 1} остальных",
                f"every line reaches all {config.clients - 1} others within 5s",
            ),
            None,
            MANY_CONNECTIONS,
            if_dead="note",
        )
