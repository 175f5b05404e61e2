"""Steps that several checks (and lessons) share: deliver a message, let traffic settle,
read the source for required modules."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

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
from autograder.peers import TcpPeer
from autograder.sandbox import Sandbox
from autograder.textmatch import clean, excerpt, find_segment


def deliver(
    ctx: CheckContext,
    server: Server | None,
    sender: TcpPeer,
    text: str,
    receivers: list[TcpPeer],
    timeout: float = 3.0,
    hint: Hint | None = None,
    require_name: bool = False,
) -> None:
    """`sender` says `text`; every receiver must get a line with it.

    Only `broadcast` requires the sender's name in that line (`require_name`): every
    other check that sends a message is about something else, and must not fail a server
    that forgets the name (each check fails for its own reason only). When the message
    does not arrive, look at what did to name the likely bug: the text without the name,
    the text back at the sender only, or nothing at all.
    """
    sender.send(f"{text}\n")
    if server is not None:
        server.wait_consumed(sender, hint=hint)
    needles = (sender.name, text) if require_name else (text,)
    for receiver in receivers:
        quiet = ctx.quiet()
        if receiver.expect(*needles, timeout=timeout, give_up=quiet):
            continue
        came = receiver.received_since_mark()
        likely = hint or hints.NO_BROADCAST
        if require_name and find_segment(came, (text,)):
            likely = hints.NO_SENDER_NAME
        elif find_segment(sender.received_since_mark(), (text,)):
            likely = hints.ECHO_ONLY
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
                hint=syntax_hint(problem) if problem.accepted_by else SYNTAX_ERROR,
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
