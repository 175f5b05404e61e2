"""Steps that several checks (and lessons) share: deliver a message, let traffic settle,
judge the server's port, read the source for required modules."""

from __future__ import annotations

import ast
import contextlib
import re
import time
from collections.abc import Iterator

from autograder import quiescence
from autograder.context import CheckContext
from autograder.hints.common import (
    NO_ACCEPT,
    RANDOM_PORT,
    own_protocol_hint,
    protocol_name,
    syntax_hint,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer
from autograder.programs.server import Server
from autograder.textmatch import excerpt
from autograder.verdicts import CheckFailed, Hint

# What several lessons send the same way: one line in three pieces, as TCP may cut it...
FRAGMENTS = ("frag", "mented mess", "age\n")
FRAGMENTED = "fragmented message"  # ... and how it must arrive
SPLIT_LINE = "ёлка и 🎄"  # a line whose "ё" and "🎄" `split_pieces` cuts in two


def split_pieces(line: str = SPLIT_LINE) -> list[bytes]:
    """`line` and its newline in UTF-8, cut in three: inside its first letter and inside
    its emoji (a strict decode() of a piece fails, or gives "�")."""
    data = f"{line}\n".encode()
    emoji_at = data.index("🎄".encode())
    return [data[:1], data[1 : emoji_at + 2], data[emoji_at + 2 :]]


def starts(ctx: CheckContext) -> None:
    """The server starts, listens on its port and accepts a connection."""
    server = ctx.server()
    peer = server.open("probe")
    deadline = time.monotonic() + 3
    while True:
        entries = server.box.netstat() or []
        waiting = [e.rx_queue for e in entries if e.listening and e.local_port == server.port]
        if not waiting or waiting[0] == 0 or server.box.isolation != "netns":
            break
        if time.monotonic() > deadline:
            ctx.fail(
                Text(
                    "сервер не принял соединение за 3 с",
                    "the server did not accept a connection within 3s",
                ),
                hint=NO_ACCEPT,
            )
        time.sleep(0.005)
    peer.close()
    judge_port(ctx, server)


def judge_port(ctx: CheckContext, server: Server) -> None:
    """A server on another port than 9090: fine if the port is fixed (clients written for
    it find it again, noted), wrong if random (the source binds port 0, or a second
    start of the server gets another port)."""
    if server.box.isolation == "ports" and server.port != server.box.port:
        ctx.note(
            Text(
                f"сервер не берёт порт из --port / CHAT_PORT и слушает {server.port}: без "
                "сетевых пространств имён его проверки идут по одной",
                f"the server ignores --port / CHAT_PORT and listens on {server.port}: without "
                "network namespaces its checks run one at a time",
            )
        )
    if server.port in {9090, server.box.port}:
        return
    random_port = ctx.submission.server_facts.binds_port_zero
    if not random_port:
        try:
            again = ctx.launch_server(probe=True).port
        except CheckFailed:  # e.g. the fixed port is still taken by the first copy
            again = server.port
        random_port = again != server.port
    if random_port:
        ctx.fail(
            Text(
                f"сервер слушает случайный порт ({server.port}; при каждом запуске другой)",
                f"the server listens on a random port ({server.port}; another one each start)",
            ),
            hint=RANDOM_PORT,
            blocking=False,
        )
    ctx.note(
        Text(
            f"сервер слушает постоянный порт {server.port}, а не 9090 (принято)",
            f"the server listens on a fixed port {server.port}, not 9090 (accepted)",
        )
    )


def settle(peers: list[TcpPeer], quiet: float = 0.1, limit: float = 1.0) -> None:
    """Wait until nothing new arrives at `peers` for `quiet` seconds (at most `limit`):
    a join notice or a welcome the server may or may not send (see quiescence.settle)."""
    quiescence.settle(lambda: [p.received_bytes for p in peers], quiet, limit)


IMPORT_LINE = re.compile(r"^\s*(?:import|from)\s+(\w+)", re.MULTILINE)


def imported_modules(source: str, filename: str) -> set[str]:
    """Top-level names of every module the source imports (raises SyntaxError)."""
    tree = ast.parse(source, filename=filename)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def static_requirements(
    ctx: CheckContext,
    server_modules: tuple[str, ...],
    client_modules: tuple[str, ...],
    hint: Hint,
) -> None:
    """Fail unless the server (and client) source imports the required modules; `hint`
    says why the lesson needs them."""
    wanted = [
        ("server", ctx.submission.server, ctx.submission.server_facts, server_modules),
        ("client", ctx.submission.client, ctx.submission.client_facts, client_modules),
    ]
    missing: list[Text] = []
    for role, path, facts, modules in wanted:
        if not modules:
            continue
        if path is None:
            if role in ctx.submission.unusable:  # a link out, a FIFO: never read
                raise ctx.submission.missing(role, Text("", ""))
            missing.append(
                Text(f"{'/'.join(modules)} (нет файла)", f"{'/'.join(modules)} (no file)")
            )
            continue
        problem = ctx.submission.syntax.get(path.name)
        if problem is not None:  # as the student's interpreter sees it
            ctx.fail(
                Text(
                    f"{path.name}, строка {problem.lineno}: синтаксическая ошибка: {problem.message}",
                    f"{path.name}, line {problem.lineno}: syntax error: {problem.message}",
                ),
                received=problem.text.strip() or None,
                hint=syntax_hint(problem),
            )
        try:
            found = imported_modules(facts.text, path.name)
        except (SyntaxError, ValueError):
            # The student's Python compiles it but the grader's cannot (an older grader):
            # the import lines still say enough.
            found = set(IMPORT_LINE.findall(facts.text))
        missing += [
            Text(f"{path.name}: {m}", f"{path.name}: {m}") for m in modules if m not in found
        ]
    if missing:
        wanted_modules = ", ".join(dict.fromkeys(server_modules + client_modules))
        ctx.fail(
            Text("не импортируются нужные модули", "required modules are not imported"),
            Text("import " + wanted_modules, "import " + wanted_modules),
            Text(
                "нет: " + "; ".join(m.ru for m in missing),
                "missing: " + "; ".join(m.en for m in missing),
            ),
            hint,
        )


# --- a chat that speaks a protocol of its own ----------------------------------------------
PROBE_LINE = "is anybody there"


def _lines_refused(ctx: CheckContext) -> tuple[bool, str]:
    """Try the course's lines on a copy of the server of its own: two users join and one
    says a line. (refused, what the first user received): refused when the line does not
    reach the other user or the server does not read it."""
    try:
        server = ctx.launch_server(probe=True)
    except CheckFailed:
        return False, ""  # it does not even start: `starts` says why
    alice: TcpPeer | None = None
    try:
        alice = server.connect("alice")
        bob = server.connect("bob")
        settle([alice, bob])
        bob.skip_to_end()
        alice.send(f"{PROBE_LINE}\n")
        server.wait_consumed(alice)
        came = bob.expect(PROBE_LINE, timeout=1.5, give_up=server.quiet())
        return came is None, excerpt(alice.text, 200)
    except CheckFailed:
        return True, excerpt(alice.text, 200) if alice is not None else ""
    finally:
        ctx.retire(server)


def own_protocol(ctx: CheckContext) -> tuple[Text, str] | None:
    """The server's own framing (its name, and what its first user received), when its
    source parses what it receives as something other than lines (server_facts.protocol)
    AND the course's lines did not get through it. Tried once per grading, by whichever
    check asks first; None for every line-based server (nothing is tried then)."""
    submission = ctx.submission
    facts = submission.server_facts
    if facts.protocol is None:
        return None
    with submission.probe_lock:
        if submission.lines_refused is None:
            submission.lines_refused = _lines_refused(ctx)
    refused, received = submission.lines_refused
    if not refused:
        return None
    return protocol_name(facts.protocol, facts.protocol_detail), received


def speaks_lines(ctx: CheckContext, judge: bool = False) -> None:
    """A server check's first step: a server that speaks its own protocol fails here once
    (`judge`: the first check that talks to it, join) and every other check that talks
    lines to it is not judged (skipped): one finding, one hint, no wait for timeouts."""
    found = own_protocol(ctx)
    if found is None:
        return
    framing, received = found
    facts = ctx.submission.server_facts
    if not judge:
        ctx.skip(
            Text(
                "не оценивается: у сервера свой протокол (см. join)",
                "not judged: the server speaks its own protocol (see join)",
            )
        )
    ctx.fail(
        Text(
            f"сервер не понимает строк курса: у него свой протокол ({framing.ru})",
            f"the server does not understand the course's lines: it speaks its own "
            f"protocol ({framing.en})",
        ),
        Text(
            "сервер читает имя и сообщения строками и рассылает строки",
            "the server reads the nickname and messages as lines and sends lines",
        ),
        received or None,
        own_protocol_hint(facts.protocol or "", facts.protocol_detail, "server"),
    )


# The hints of a client that printed nothing it was sent (its receiving thread's words,
# and the evidence's: that thread died on what it could not parse).
NOT_PRINTED = {"client-receiving-thread", "client-utf8", "udp-client-thread", "thread-died"}
TYPED_LINE = "a typed line"  # client_sends' step whose line such a client sends in frames


@contextlib.contextmanager
def client_protocol(ctx: CheckContext, sends: bool = False) -> Iterator[None]:
    """Around a check of the student's client: when its source speaks a protocol of its
    own (client_facts.protocol), a line it did not print (or, `sends`, a typed line it
    sent inside its frames, taken for a prefix) is named as that protocol."""
    facts = ctx.submission.client_facts
    hint = (
        own_protocol_hint(
            facts.protocol, facts.protocol_detail, "client-sends" if sends else "client"
        )
        if facts.protocol
        else None
    )

    def rename(failure: CheckFailed | None, title: str = "") -> None:
        known = failure.hint if failure is not None else None
        if hint is None or failure is None or known is None:
            return
        if (not sends and known.anchor in NOT_PRINTED) or (
            sends and known.anchor == "client" and title == TYPED_LINE
        ):
            failure.hint = hint

    try:
        yield
    except CheckFailed as failure:
        rename(failure)
        raise
    finally:
        for step in ctx.steps:
            rename(step.failure, step.title.en)
