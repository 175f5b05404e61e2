"""Steps that several checks (and lessons) share: deliver a message, let traffic settle,
judge the server's port, read the source for required modules."""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass
from pathlib import Path

from autograder import quiescence
from autograder.context import CheckContext
from autograder.hints.common import NO_ACCEPT, RANDOM_PORT, syntax_hint
from autograder.hints.lesson04 import (
    ECHO_ONLY,
    NO_BROADCAST,
    NO_SENDER_NAME,
    NOTHING_TO_OTHERS,
    REQUIRED_MODULES,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer, UdpPeer
from autograder.programs.server import Server
from autograder.quiescence import quiet_reason
from autograder.textmatch import clean, complete_lines, excerpt, find_segment
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


@dataclass(frozen=True)
class DeliveryHints:
    """What a missing message means, in the words of one protocol (TCP's or UDP's)."""

    missing: Hint  # the message did not arrive
    no_name: Hint  # the text arrived without the sender's name
    echo_only: Hint  # the text went back to its sender only


TCP_DELIVERY = DeliveryHints(NO_BROADCAST, NO_SENDER_NAME, ECHO_ONLY)


def missing_hint(
    sender: TcpPeer,
    receiver: TcpPeer,
    text: str,
    advice: DeliveryHints = TCP_DELIVERY,
    default: Hint | None = None,
    require_name: bool = False,
) -> Hint:
    """Why `text` from `sender` did not reach `receiver`, judged by what did arrive."""
    if require_name and find_segment(receiver.received_since_mark(), (text,)):
        return advice.no_name
    if find_segment(sender.received_since_mark(), (text,)):
        return advice.echo_only
    return default or advice.missing


def deliver(
    ctx: CheckContext,
    server: Server | None,
    sender: TcpPeer,
    text: str,
    receivers: list[TcpPeer],
    timeout: float = 3.0,
    hint: Hint | None = None,
    require_name: bool = False,
    advice: DeliveryHints = TCP_DELIVERY,
) -> None:
    """`sender` says `text`; every receiver must get a line with it.

    Only `broadcast` requires the sender's name in that line (`require_name`): every
    other check that sends a message is about something else, and must not fail a server
    that forgets the name (each check fails for its own reason only). When the message
    does not arrive, look at what did to name the likely bug: the text without the name,
    the text back at the sender only, or nothing at all. A UDP sender says it in one
    datagram without a line ending (one datagram is one message).
    """
    # The message is not sent yet: no line complete now can carry it.
    starts = [receiver.line_start() for receiver in receivers]
    sender.send(text if isinstance(sender, UdpPeer) else f"{text}\n")
    if server is not None:
        server.wait_consumed(sender, hint=hint)
    needles = (sender.name, text) if require_name else (text,)
    for receiver, since in zip(receivers, starts, strict=True):
        quiet = ctx.quiet()
        if receiver.expect(*needles, timeout=timeout, give_up=quiet, since=since):
            continue
        came = receiver.received_since_mark()
        likely = missing_hint(sender, receiver, text, advice, hint, require_name)
        ctx.fail(
            Text(
                f"до {receiver.name} не дошло сообщение {sender.name}"
                + quiet_reason(quiet, timeout).ru,
                f"{receiver.name} did not get {sender.name}'s message"
                + quiet_reason(quiet, timeout).en,
            ),
            Text(
                f'у {receiver.name} строка с "{sender.name}" и "{text}"'
                if require_name
                else f'у {receiver.name} строка с "{text}"',
                f'{receiver.name} gets a line with "{sender.name}" and "{text}"'
                if require_name
                else f'{receiver.name} gets a line with "{text}"',
            ),
            excerpt(came) or None,
            likely,
        )


def delivery_hint(sender: TcpPeer, receiver: TcpPeer, text: str, default: Hint) -> Hint:
    """Why `text` from `sender` is missing at `receiver`: when none of it arrived at all,
    delivery itself is broken (broadcast's bug, named as such), not the check's own point."""
    got = clean(receiver.text)
    if text in got:
        return default
    if text in clean(sender.text):
        return ECHO_ONLY
    if receiver.received_bytes == 0 or sender.name not in got:
        return NOTHING_TO_OTHERS
    return default


def before_leaving(peers: list[TcpPeer], name: str) -> re.Pattern[str]:
    """Let the join notices settle, then forget them: a leave notice must be new text.

    Returns what a leave notice must not be: the chat line "carol: exit" (a server that
    broadcasts the exit word), the name alone ("carol: ", an empty message), or any line
    about `name` that came before it left (a late join notice is not the leave notice).
    """
    settle(peers)
    seen = set()
    for peer in peers:
        seen |= {
            line for line in complete_lines(peer.text, 0, peer.roster) if name in line.casefold()
        }
        peer.skip_to_end()
    alternatives = [
        rf"{re.escape(name)}\W{{0,3}}\s*(exit|/quit)\s*$",
        rf"^\W*{re.escape(name)}\W*$",  # "carol: " alone: an empty message, not a notice
    ]
    alternatives += [rf"^{re.escape(line)}$" for line in seen]
    return re.compile("|".join(alternatives), re.IGNORECASE)


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


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module the file imports (raises SyntaxError)."""
    tree = ast.parse(path.read_bytes(), filename=path.name)
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
    hint: Hint = REQUIRED_MODULES,
) -> None:
    """Fail unless the server (and client) source imports the required modules; `hint`
    says why the lesson needs them."""
    wanted = [(ctx.submission.server, server_modules), (ctx.submission.client, client_modules)]
    missing = []
    for path, modules in wanted:
        if not modules:
            continue
        if path is None:
            missing.append(f"{'/'.join(modules)} (no file)")
            continue
        problem = ctx.submission.syntax.get(path.name)
        if problem is not None:  # as the student's interpreter sees it
            raise CheckFailed(
                Text(
                    f"{path.name}, строка {problem.lineno}: синтаксическая ошибка: {problem.message}",
                    f"{path.name}, line {problem.lineno}: syntax error: {problem.message}",
                ),
                received=problem.text.strip() or None,
                hint=syntax_hint(problem),
            )
        try:
            found = imported_modules(path)
        except (SyntaxError, ValueError):
            # The student's Python compiles it but the grader's cannot (an older grader):
            # the import lines still say enough.
            found = set(IMPORT_LINE.findall(path.read_text(encoding="utf-8", errors="replace")))
        missing += [f"{path.name}: {m}" for m in modules if m not in found]
    if missing:
        wanted_modules = ", ".join(dict.fromkeys(server_modules + client_modules))
        ctx.fail(
            Text("не импортируются нужные модули", "required modules are not imported"),
            Text("import " + wanted_modules, "import " + wanted_modules),
            "; ".join(missing),
            hint,
        )
