"""Steps that several checks (and lessons) share: deliver a message, let traffic settle,
judge the server's port, read the source for required modules."""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass

from autograder import hints
from autograder.framework import (
    CheckContext,
    CheckFailed,
    Hint,
    Server,
    quiet_reason,
    syntax_hint,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer, UdpPeer
from autograder.sandbox import Sandbox
from autograder.textmatch import clean, complete_lines, excerpt, find_segment


@dataclass(frozen=True)
class DeliveryHints:
    """What a missing message means, in the words of one protocol (TCP's or UDP's)."""

    missing: Hint  # the message did not arrive
    no_name: Hint  # the text arrived without the sender's name
    echo_only: Hint  # the text went back to its sender only


TCP_DELIVERY = DeliveryHints(hints.NO_BROADCAST, hints.NO_SENDER_NAME, hints.ECHO_ONLY)


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
        return hints.ECHO_ONLY
    if receiver.received_bytes == 0 or sender.name not in got:
        return hints.NOTHING_TO_OTHERS
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
        ctx.soft_fail(
            Text(
                f"сервер слушает случайный порт ({server.port}; при каждом запуске другой)",
                f"the server listens on a random port ({server.port}; another one each start)",
            ),
            hints.RANDOM_PORT,
        )
    ctx.note(
        Text(
            f"сервер слушает постоянный порт {server.port}, а не 9090 (принято)",
            f"the server listens on a fixed port {server.port}, not 9090 (accepted)",
        )
    )


def settle(peers: list[TcpPeer], quiet: float = 0.1, limit: float = 1.0) -> None:
    """Wait until nothing new arrives at `peers` for `quiet` seconds (at most `limit`).

    Used where the server may or may not send something (a join notice, a welcome) and
    no event tells us it is done: a bounded quiet period, not a fixed sleep.
    """
    end = time.monotonic() + limit
    last = [p.received_bytes for p in peers]
    quiet_since = time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.02)
        now = [p.received_bytes for p in peers]
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return


def spinning(
    box: Sandbox, window: float = 0.2, samples_wanted: int = 6, limit: float = 2.0
) -> bool:
    """Is a thread of the program busy nearly all the time (a loop that never blocks, e.g.
    on recv() == b'')? At least `window` seconds and `samples_wanted` looks at its threads:
    on a loaded machine one look may take longer than the window, and two looks prove
    nothing. A runnable thread waiting for a core is busy too, so load cannot hide it."""
    samples = busy = 0
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if (elapsed >= window and samples >= samples_wanted) or elapsed > limit:
            break
        states = box.thread_states()
        samples += 1
        busy += "R" in states
        time.sleep(0.02)
    return samples > 2 and busy / samples >= 0.6


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


SYNTAX_ERROR = Hint(
    Text(
        "Файл не разбирается Python: исправьте синтаксическую ошибку (строка указана).",
        "Python cannot parse the file: fix the syntax error (the line is shown).",
    ),
    "syntax-error",
)


REQUIRED_MODULES = Hint(
    Text(
        "Задание требует сокеты (socket) и поток на каждого клиента (threading).",
        "The assignment asks for sockets (socket) and a thread per client (threading).",
    ),
    "requirements",
)


def static_requirements(
    ctx: CheckContext,
    server_modules: tuple[str, ...],
    client_modules: tuple[str, ...],
    hint: Hint = REQUIRED_MODULES,
) -> None:
    """Fail unless the server (and client) source imports the required modules; `hint`
    says why the lesson needs them."""
    wanted = [
        ("server", ctx.submission.server, ctx.submission.server_facts, server_modules),
        ("client", ctx.submission.client, ctx.submission.client_facts, client_modules),
    ]
    missing = []
    for role, path, facts, modules in wanted:
        if not modules:
            continue
        if path is None:
            if role in ctx.submission.unusable:  # a link out, a FIFO: never read
                raise ctx.submission.missing(role, Text("", ""))
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
                hint=syntax_hint(problem) if problem.accepted_by else SYNTAX_ERROR,
            )
        try:
            found = imported_modules(facts.text, path.name)
        except (SyntaxError, ValueError):
            # The student's Python compiles it but the grader's cannot (an older grader):
            # the import lines still say enough.
            found = set(IMPORT_LINE.findall(facts.text))
        missing += [f"{path.name}: {m}" for m in modules if m not in found]
    if missing:
        wanted_modules = ", ".join(dict.fromkeys(server_modules + client_modules))
        ctx.fail(
            Text("не импортируются нужные модули", "required modules are not imported"),
            Text("import " + wanted_modules, "import " + wanted_modules),
            "; ".join(missing),
            hint,
        )
