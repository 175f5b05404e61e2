"""A two-user console chat as lesson 02's checks drive it: one program, its keyboard and
screen, and its one connection with the grader (which plays the other side).

`says`: the other side sends a line, the program must print it while it waits for
input; `typed`: the user types a line, the other side must get it; `ends`: the program
must close the connection and end with code 0, no traceback. Each names the likely bug
from what the program did (a crash, a spin, a second client accepted).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from autograder.context import CheckContext
from autograder.hints.common import (
    CRASHED,
    syntax_hint,
)
from autograder.hints.lesson02 import (
    EOF_IGNORED,
    FATAL_STDIN,
    KEYBOARD_INTERRUPT,
    NO_EXIT,
    STILL_RUNNING,
    TRACEBACK_AT_END,
    TWO_CLIENTS,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer
from autograder.programs.clients import ClientProgram
from autograder.programs.console import ConsoleProgram
from autograder.programs.server import Server
from autograder.quiescence import quiet_reason, spinning
from autograder.sandbox import Sandbox
from autograder.textmatch import excerpt
from autograder.verdicts import CheckFailed, Hint

EXPECT = 3.0  # seconds a line gets to be printed or to arrive (ends early once quiet)

ENDING = 3.0  # seconds a program gets to close the connection and end (the same)


# --- helpers ---------------------------------------------------------------------------
def status_text(status: int | None) -> Text:
    if status is not None and status < 0:
        return Text(f"сигнал {-status}", f"signal {-status}")
    return Text(f"код {status}", f"status {status}")


def crash_check(ctx: CheckContext, console: ConsoleProgram) -> None:
    """A program that died while it should be chatting: its traceback says why. When its
    connection is already closed the program is likely on its way out: its exit status
    gets a moment to arrive (on a loaded machine the sandbox reports it late)."""
    box = console.box
    wait = 2.0 if console.connection.closed_by_server else 0.05
    if box.exited.wait(wait) and box.exit_status is not None:
        console.drain()
        status = status_text(box.exit_status)
        stderr = box.stderr_text()
        ctx.fail(
            Text(
                f"программа завершилась посреди разговора ({status.ru})",
                f"the program ended in the middle of the chat ({status.en})",
            ),
            None,
            None,
            FATAL_STDIN if "Fatal Python error" in stderr else CRASHED,
        )


def start_server(ctx: CheckContext) -> tuple[Server, ConsoleProgram, TcpPeer]:
    """A fresh server with the grader connected as its client, its banner printed."""
    server = ctx.launch_server()
    peer = server.open("client")
    peer.start_reading()
    console = ConsoleProgram(
        ctx, server.box, peer=peer, port=server.port, shown_in_report=False, server=server
    )
    console.settle()
    return server, console, peer


def start_client(ctx: CheckContext) -> tuple[ClientProgram, ConsoleProgram, TcpPeer]:
    """A fresh client.py connected to the grader, which plays the server; banner printed."""
    client = ctx.client(prompt=None)
    try:
        conn = client.connect_back()
    except CheckFailed as failure:
        stderr = client.box.stderr_text()
        if "SyntaxError" in stderr or "IndentationError" in stderr:
            failure.hint = syntax_hint(ctx.submission.syntax.get("client.py"))
        raise
    client.settle()
    return client, client, conn


def wait_read(
    ctx: CheckContext, console: ConsoleProgram, hint: Hint, timeout: float = EXPECT
) -> None:
    """`read_by_program`, or fail with `hint` (a program that died: its traceback)."""
    if console.has_read(timeout):
        return
    crash_check(ctx, console)
    ctx.fail(
        Text(
            "программа не прочитала то, что ей отправили (все её потоки ждут)",
            "the program did not read what was sent to it (all its threads wait)",
        ),
        None,
        console.last_printed(),
        hint,
    )


def printed_after_enter(ctx: CheckContext, console: ConsoleProgram, text: str, mark: int) -> bool:
    """The operator presses Enter: is the line printed now? (a program that reads the
    socket only between two input() calls)"""
    if console.box.exited.is_set():
        return False
    console.type("")
    if not console.has_read(timeout=1.0):
        return False
    return console.wait_printed(text, mark, timeout=1.0)


def says(
    ctx: CheckContext,
    console: ConsoleProgram,
    text: str,
    not_read: Hint,
    not_printed: Hint,
    enter_hint: Hint | None = None,
) -> None:
    """The other side sends a line; the program must read it and print it (by content)
    while it waits for input. `enter_hint`: what is wrong when it appears once Enter is
    pressed; None: that is good enough here (a note says it came only then)."""
    peer = console.connection
    mark = console.mark()
    peer.send(f"{text}\n")
    read = console.has_read()
    if read and console.wait_printed(text, mark):
        return
    crash_check(ctx, console)
    if printed_after_enter(ctx, console, text, mark):
        if enter_hint is None:
            ctx.note(
                Text(
                    "строка собеседника напечатана, только когда нажали Enter (см. server_duplex)",
                    "the other side's line was printed only once Enter was pressed (see "
                    "server_duplex)",
                )
            )
            return
        ctx.fail(
            Text(
                "строка собеседника не напечатана, пока программа ждёт ввода; после Enter — "
                "напечатана",
                "the other side's line was not printed while the program waits for input; "
                "after Enter it was",
            ),
            Text(
                f'напечатано "{text}", ничего не набрано',
                f'"{text}" is printed, nothing typed',
            ),
            excerpt(console.since(mark), 200) or console.last_printed(),
            enter_hint,
        )
    crash_check(ctx, console)
    if not read:
        ctx.fail(
            Text(
                "программа не прочитала строку собеседника (все её потоки ждут)",
                "the program did not read the other side's line (all its threads wait)",
            ),
            Text(f'напечатано "{text}"', f'"{text}" is printed'),
            console.last_printed(),
            not_read,
        )
    ctx.fail(
        Text(
            "программа прочитала строку собеседника, но не напечатала её",
            "the program read the other side's line but did not print it",
        ),
        Text(f'напечатано "{text}"', f'"{text}" is printed'),
        excerpt(console.since(mark), 200) or console.last_printed(),
        not_printed,
    )


def typed(
    ctx: CheckContext,
    console: ConsoleProgram,
    text: str,
    hint: Hint,
) -> None:
    """The user types a line; the other side must receive it (by content). A program that
    sends only in its turn gets its turn: the other side says something first (a note
    says so; taking turns is the duplex checks' business)."""
    peer = console.connection
    console.type(text)
    quiet = console.quiet()
    if peer.expect(text, timeout=EXPECT, give_up=quiet):
        return
    crash_check(ctx, console)
    if not peer.closed_by_server:
        peer.send("your turn\n")
        if peer.expect(text, timeout=EXPECT, give_up=console.quiet()):
            see = "client_receives" if console.server is None else "server_duplex"
            note = Text(
                "набранная строка ушла, только когда собеседник что-то прислал: программа "
                f"говорит по очереди (см. {see})",
                "the typed line went out only once the other side said something: the "
                f"program takes turns (see {see})",
            )
            if note not in ctx.notes:
                ctx.note(note)
            return
        crash_check(ctx, console)
    came = peer.received_since_mark()
    ctx.fail(
        Text(
            "набранная строка не пришла собеседнику" + quiet_reason(quiet, EXPECT).ru,
            "the typed line did not reach the other side" + quiet_reason(quiet, EXPECT).en,
        ),
        Text(f'собеседнику приходит "{text}"', f'the other side receives "{text}"'),
        excerpt(came) or None,
        hint,
    )


def listening(box: Sandbox, port: int) -> bool:
    """Does the program still have a listening socket (on `port`, on a shared host)?"""
    entries = box.netstat() or []
    return any(e.listening and (box.isolation != "ports" or e.local_port == port) for e in entries)


def ends(
    ctx: CheckContext,
    console: ConsoleProgram,
    stuck: Hint,
    spin_hint: Hint | None = None,
    named: dict[str, Hint] | None = None,
) -> None:
    """Now the program must close the connection and end with code 0, and print no
    traceback, within ENDING seconds (the step's title says after what). The likely bug
    when it does not: `named[exception]` when its stderr names that exception; `spin_hint`
    when it still runs and spins or floods its output; else `stuck` (a program still
    running) or the traceback's own cause (an error)."""
    box, peer = console.box, console.connection
    mark, printed = console.mark(), console.printed_bytes()
    tracebacks = box.stderr_text().count("Traceback (most recent call last)")
    deadline = time.monotonic() + ENDING
    quiet = console.quiet()
    while not box.exited.wait(0.02):
        if time.monotonic() > deadline or quiet():
            break
    ended = box.exited.is_set()
    closed = peer.wait_closed(0.2 if ended else 0.05)
    if ended:
        console.drain()
    said = console.since(mark)
    stderr = box.stderr_text()
    exception = next((h for name, h in (named or {}).items() if name in stderr), None)
    expected = Text(
        "программа закрывает соединение и завершается с кодом 0, без трассировки",
        "the program closes the connection and ends with status 0, no traceback",
    )
    if ended and box.exit_status == 0:
        if stderr.count("Traceback (most recent call last)") > tracebacks:
            ctx.fail(
                Text(
                    "программа завершилась с кодом 0, но с трассировкой",
                    "the program ended with status 0, but with a traceback",
                ),
                expected,
                excerpt(said, 200) or None,
                exception or TRACEBACK_AT_END,
            )
        console.ctx.transcript.add(
            "grader", Text("программа завершилась с кодом 0", "the program ended with status 0")
        )
        return
    if ended:
        status = status_text(box.exit_status)
        if "KeyboardInterrupt" in stderr:
            exception = exception or KEYBOARD_INTERRUPT
        ctx.fail(
            Text(
                f"программа завершилась с ошибкой ({status.ru})",
                f"the program ended with an error ({status.en})",
            ),
            expected,
            excerpt(said, 200) or None,
            exception or (FATAL_STDIN if "Fatal Python error" in stderr else CRASHED),
        )
    flooding = console.printed_bytes() - printed > 2000
    # A program that went quiet (every thread asleep) is not spinning: no need to look.
    busy = not quiet.concluded and spinning(box)
    if spin_hint is not None and (flooding or busy):
        hint = spin_hint
    elif exception is not None:
        hint = exception
    elif closed and stuck in (NO_EXIT, EOF_IGNORED):
        hint = STILL_RUNNING
    else:
        hint = stuck
    ctx.fail(
        Text(
            "программа всё ещё работает"
            + (" (соединение закрыто)" if closed else ", соединение открыто")
            + quiet_reason(quiet, ENDING).ru,
            "the program is still running"
            + (" (the connection is closed)" if closed else ", the connection is open")
            + quiet_reason(quiet, ENDING).en,
        ),
        expected,
        excerpt(said, 200) or None,
        hint,
    )


def exchange_first(ctx: CheckContext, console: ConsoleProgram) -> bool:
    """The other side says a line and the program gets to print it, so that a program that
    takes turns (recv, then input) now waits for input too: the leaving checks judge
    leaving only. Whether it printed the line."""
    mark = console.mark()
    console.connection.send("see you\n")
    if console.has_read(timeout=1.0):
        return console.wait_printed("see you", mark, timeout=1.0)
    return False


def reads_continuously(ctx: CheckContext, console: ConsoleProgram) -> None:
    """Two plain lines in a row must be printed while the program waits for input before
    a robustness check can judge how lines are read: a program that prints nothing, only
    after Enter, or takes turns, is the receiving checks' business."""
    for n, text in enumerate(("warming up", "still reading")):
        mark = console.mark()
        console.connection.send(f"{text}\n")
        if console.has_read() and console.wait_printed(text, mark):
            continue
        crash_check(ctx, console)
        ctx.skip(
            Text(
                "не по чему судить: программа не печатает строки собеседника, пока ждёт ввода "
                "(см. server_receives и server_duplex)",
                "nothing to judge by: the program does not print the other side's lines while "
                "it waits for input (see server_receives and server_duplex)",
            )
            if n == 0
            else Text(
                "не по чему судить: после первой строки программа ждёт ввода и не печатает "
                "(см. server_duplex)",
                "nothing to judge by: after one line the program waits for input and prints "
                "nothing (see server_duplex)",
            )
        )


def accepts_second_client(ctx: CheckContext, console: ConsoleProgram) -> bool:
    """Does the server take another client now? While the first waits: a server that
    passes lines between two clients instead of chatting with its operator; after it
    left: a server that goes back to accept(). Yes when the new connection leaves the
    listening queue (accepted; the listener may close after it) or the first client's
    line is read only now. A server that merely keeps its listening socket open is no."""
    server = console.server
    if server is None or server.box.exited.is_set() or not listening(server.box, server.port):
        return False
    unread = not console.has_read(timeout=0.05)
    try:
        second = server.open("client2")
    except CheckFailed:
        return False
    second.start_reading()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and not second.closed_by_server:
        entries = server.box.netstat() or []
        queue = [e.rx_queue for e in entries if e.listening and e.local_port == server.port]
        accepted = not queue or queue[0] == 0
        if accepted or (unread and console.has_read(timeout=0.05)):
            ctx.transcript.add(
                "grader",
                Text("сервер принял второго клиента", "the server accepted a second client"),
            )
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def on(ctx: CheckContext, console: ConsoleProgram) -> Iterator[None]:
    """A part of a check that talks to this run of the program: if it is the check's
    first failure, the report shows this run's output and stderr."""
    try:
        yield
    except CheckFailed:
        if all(step.passed for step in ctx.steps):
            ctx.report_output_of(console.box)
        raise


@contextlib.contextmanager
def two_clients(ctx: CheckContext, console: ConsoleProgram, *likely: Hint) -> Iterator[None]:
    """Name a server that waits for a second client when the failure's hint is one of
    `likely` (nothing read, nothing sent, no ending)."""
    try:
        yield
    except CheckFailed as failure:
        if failure.hint in likely and accepts_second_client(ctx, console):
            failure.hint = TWO_CLIENTS
        raise


def stop(ctx: CheckContext, console: ConsoleProgram) -> None:
    """Stop this run of the program before the check starts another (a server with a fixed
    port can run only once on a shared host); its output stays for the report."""
    console.connection.close()  # our FIN first: the server's port is left without TIME_WAIT
    ctx.factory.release(console.box)


class ServerRuns:
    """The servers a check runs one scenario on each, every one already connected and
    given a first line (see exchange_first).

    In private network namespaces they all start at once and get their first line at
    once (a server that never reads makes each of those waits last until it is visibly
    idle). On a shared host (ports mode) one at a time, each stopped before the next
    starts: a server with a fixed port can run only once.
    """

    def __init__(self, ctx: CheckContext, count: int) -> None:
        self.ctx = ctx
        self.parallel = ctx.factory.isolation != "ports"
        self.runs: list[tuple[ConsoleProgram, bool]] = []
        if not self.parallel:
            return
        consoles = start_servers(ctx, count)
        chatting = [False] * count

        def first_line(n: int) -> None:
            chatting[n] = exchange_first(ctx, consoles[n])

        threads = [threading.Thread(target=first_line, args=(n,)) for n in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.runs = list(zip(consoles, chatting, strict=True))

    def get(self, n: int) -> tuple[ConsoleProgram, bool]:
        """The console of the `n`th server and whether it printed its first line."""
        if self.parallel:
            return self.runs[n]
        if self.runs:
            stop(self.ctx, self.runs[-1][0])
        _server, console, _peer = start_server(self.ctx)
        self.runs.append((console, exchange_first(self.ctx, console)))
        return self.runs[-1]


def start_servers(ctx: CheckContext, count: int) -> list[ConsoleProgram]:
    """`count` fresh servers at once, each with the grader connected as its client (they
    start in parallel: a check that needs several is as slow as the slowest start; in
    network namespaces only, see ServerRuns)."""
    results: list[tuple[Server, ConsoleProgram, TcpPeer] | CheckFailed | None] = [None] * count

    def one(n: int) -> None:
        try:
            results[n] = start_server(ctx)
        except CheckFailed as failure:
            results[n] = failure

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    consoles = []
    for result in results:
        if isinstance(result, CheckFailed):
            raise result
        assert result is not None
        consoles.append(result[1])
    return consoles
