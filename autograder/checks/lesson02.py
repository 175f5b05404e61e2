"""Lesson 02 checks: the two-user console chat (the server's operator and one client's).

Both programs are consoles: the grader types on their stdin and reads their stdout, and
plays the other side over TCP (the client when it grades server.py, the server when it
grades client.py). The lesson's idea is full duplex: a line from the other side must be
printed while the program waits in input(), and typed lines must go out while nothing
comes in. Printed text is matched by content (any label, any wording); a program must
end with code 0 when its user types exit, when the input ends, and when the other side
leaves, since that is when two-user programs end.

These servers are meant to end, so the checks start them with `launch_server()` and judge
every ending themselves, instead of `ctx.server()`, whose failures blame any ending.
"""

from __future__ import annotations

import re
import time

from autograder import hints
from autograder.checks import lesson04
from autograder.checks.common import static_requirements
from autograder.framework import (
    CheckContext,
    CheckFailed,
    CheckSet,
    ClientProgram,
    Hint,
    Server,
)
from autograder.i18n import Text
from autograder.netstat import connection_consumed
from autograder.peers import TcpPeer, describe_bytes
from autograder.sandbox import Sandbox
from autograder.textmatch import clean, excerpt

CHECKS = CheckSet("02", "tcp")
EXPECT = 3.0  # seconds a line gets to be printed or to arrive
ENDING = 3.0  # seconds a program gets to close the connection and end

# --- the likely bugs -------------------------------------------------------------------
REQUIREMENTS = Hint(
    Text(
        "Урок 02 — про поток-получатель рядом с input(): обеим программам нужны socket и "
        "threading.",
        "Lesson 02 is about a receiving thread next to input(): both programs need socket "
        "and threading.",
    ),
    "requirements",
)
NO_ACCEPT = Hint(
    Text(
        "Соединение ждёт в очереди: сервер не вызывает accept().",
        "The connection waits in the queue: the server never calls accept().",
    ),
    "accept-loop",
)
NO_RECEIVER = Hint(
    Text(
        "Пока главный поток ждёт input(), сокет никто не читает: строка от собеседника даже "
        "не принята. Запустите поток-получатель: threading.Thread(target=receive_loop, "
        "args=(sock,), daemon=True).start(), в нём — цикл recv() и печать.",
        "Nobody reads the socket while the main thread waits in input(): the line from the "
        "other side is not even received. Start a receiving thread: "
        "threading.Thread(target=receive_loop, args=(sock,), daemon=True).start(), looping "
        "recv() and printing.",
    ),
    "full-duplex",
)
NOT_PRINTED = Hint(
    Text(
        "Программа приняла строку, но ничего не напечатала: печатайте каждую принятую строку "
        'сразу, в потоке-получателе: print(f"Собеседник: {text}", flush=True).',
        "The program received the line but printed nothing: print every received line at "
        'once, in the receiving thread: print(f"Собеседник: {text}", flush=True).',
    ),
    "full-duplex",
)
TAKES_TURNS_RECEIVING = Hint(
    Text(
        "Первая строка напечатана, а вторую программа даже не прочитала: после каждой "
        "принятой строки она ждёт input() и только потом снова вызывает recv() — стороны "
        "говорят по очереди. Принимайте в отдельном потоке, в цикле.",
        "The first line was printed, the second was not even read: after each line that "
        "comes, the program waits in input() before it calls recv() again, so the two "
        "sides take turns. Receive in a thread of its own, in a loop.",
    ),
    "full-duplex",
)
NO_SEND = Hint(
    Text(
        "Набранная строка не дошла до собеседника: главный поток в цикле читает input() и "
        'отправляет каждую строку: sock.sendall((line + "\\n").encode()). Программа, которая '
        "сначала ждёт recv() от собеседника, ничего не отправит, пока тот молчит: принимайте "
        "в отдельном потоке.",
        "A typed line did not reach the other side: the main thread loops over input() and "
        'sends every line: sock.sendall((line + "\\n").encode()). A program that first waits '
        "in recv() for the other side sends nothing while it is silent: receive in a thread "
        "of its own.",
    ),
    "full-duplex",
)
TAKES_TURNS_SENDING = Hint(
    Text(
        "Первая набранная строка ушла, вторая — нет: отправив строку, программа ждёт ответа "
        "в recv() и только потом снова читает ввод — стороны говорят по очереди. Принимайте "
        "в отдельном потоке; главный поток только читает ввод и отправляет.",
        "The first typed line went out, the second did not: after sending, the program "
        "waits in recv() for an answer before it reads input again, so the two sides take "
        "turns. Receive in a thread of its own; the main thread only reads input and sends.",
    ),
    "full-duplex",
)
NO_EXIT = Hint(
    Text(
        "После exit программа не закрыла соединение и не завершилась. На line.strip() == "
        '"exit" выйдите из цикла ввода, затем sock.shutdown(socket.SHUT_RDWR) (он отправляет '
        "собеседнику FIN и будит поток-получатель, ждущий в recv()) и sock.close(); поток-"
        "получатель с daemon=True не держит процесс.",
        "After exit the program neither closed the connection nor ended. On line.strip() "
        '== "exit" leave the input loop, then sock.shutdown(socket.SHUT_RDWR) (it sends the '
        "other side a FIN and wakes the receiving thread blocked in recv()) and sock.close(); "
        "a daemon=True receiving thread does not keep the process alive.",
    ),
    "leaving",
)
STILL_RUNNING = Hint(
    Text(
        "Соединение закрыто, а процесс работает дальше: его держит поток-получатель без "
        "daemon=True (или главный поток ждёт его в join()). Сделайте поток daemon=True; "
        "shutdown() будит его recv().",
        "The connection is closed but the process goes on: a receiving thread without "
        "daemon=True keeps it alive (or the main thread waits for it in join()). Make the "
        "thread daemon=True; shutdown() wakes its recv().",
    ),
    "leaving",
)
EOF_ERROR = Hint(
    Text(
        "В конце ввода (Ctrl+D, закрытый stdin) input() бросает EOFError: поймайте его и "
        "выйдите так же, как по exit.",
        "At the end of input (Ctrl-D, a closed stdin) input() raises EOFError: catch it "
        "and leave just as on exit.",
    ),
    "leaving",
)
EOF_SPINS = Hint(
    Text(
        "Ввод закончился, а цикл ввода крутится вхолостую: input() сразу и снова бросает "
        'EOFError (или sys.stdin.readline() возвращает ""). Конец ввода — то же, что exit: '
        "выйдите из цикла.",
        "The input ended and the input loop spins: input() raises EOFError (or "
        'sys.stdin.readline() returns "") at once, again and again. The end of input means '
        "the same as exit: leave the loop.",
    ),
    "leaving",
)
FATAL_STDIN = Hint(
    Text(
        "Python аварийно прервал программу при выходе («Fatal Python error: … could not "
        "acquire lock for <stdin>»): главный поток закончился, пока другой поток ещё ждал в "
        "input(). Когда собеседник ушёл, завершайте весь процесс из потока-получателя: "
        "sys.stdout.flush(); os._exit(0).",
        "Python aborted the program at exit ('Fatal Python error: ... could not acquire "
        "lock for <stdin>'): the main thread ended while another thread still waited in "
        "input(). When the other side leaves, end the whole process from the receiving "
        "thread: sys.stdout.flush(); os._exit(0).",
    ),
    "leaving",
)
PEER_LEFT = Hint(
    Text(
        "Собеседник закрыл соединение, а программа не завершилась. recv() в потоке-"
        'получателе вернёт b"" (а при обрыве бросит OSError): сообщите об этом и завершите '
        "весь процесс — sys.stdout.flush(); os._exit(0). sys.exit() в потоке завершает "
        "только этот поток, "
        "а главный остаётся в input(); и пока главный поток ждёт input(), заметить уход "
        "собеседника может только поток-получатель.",
        "The other side closed the connection and the program did not end. recv() in the "
        'receiving thread returns b"" (or raises OSError on a reset): say so and end the '
        "whole process, sys.stdout.flush(); os._exit(0). sys.exit() in a thread ends only "
        "that thread while the main thread "
        "stays in input(); and while the main thread waits in input(), only a receiving "
        "thread can notice the other side leave.",
    ),
    "leaving",
)
PEER_LEFT_SPINS = Hint(
    Text(
        "Собеседник закрыл соединение, а цикл приёма не остановился: recv() снова и снова "
        'возвращает b"" (программа печатает пустые сообщения или ест 100% процессора). На '
        'b"" — выйти из цикла, сообщить об уходе и завершиться.',
        "The other side closed the connection and the receiving loop did not stop: recv() "
        'returns b"" again and again (the program prints empty messages or burns 100% CPU). '
        'On b"": leave the loop, say the other side left, and end.',
    ),
    "empty-recv",
)
NO_NOTICE = Hint(
    Text(
        "После ухода собеседника программа ничего не напечатала: сообщите, что он ушёл "
        '(например, print("Собеседник вышел из чата.", flush=True)), и завершитесь.',
        "After the other side left the program printed nothing: say that it left (e.g. "
        'print("Собеседник вышел из чата.", flush=True)) and end.',
    ),
    "leaving",
)
RESET_NOT_NOTICED = Hint(
    Text(
        "При обрыве соединения recv() бросает ConnectionResetError: поток-получатель падает "
        "с трассировкой, и программу никто не завершает. Ловите OSError вокруг recv() и "
        'поступайте как с b"".',
        "On a reset recv() raises ConnectionResetError: the receiving thread dies with a "
        "traceback and nobody ends the program. Catch OSError around recv() and treat it "
        'like b"".',
    ),
    "connection-reset",
)
CRASHED = Hint(
    Text(
        "Программа упала: причина — в последней строке трассировки ниже.",
        "The program crashed: the cause is on the last line of the traceback below.",
    ),
    "server-exits",
)
PIECES_AS_LINES = Hint(
    Text(
        "Строка, пришедшая тремя кусками, напечатана как несколько: программа печатает "
        'каждый recv() как сообщение. Копите байты в буфере, режьте по b"\\n" и печатайте '
        "целые строки (receive_loop, шаг 2).",
        "A line that came in three pieces was printed as several: the program prints each "
        'recv() as a message. Keep a byte buffer, cut it at b"\\n" and print whole lines '
        "(receive_loop, step 2).",
    ),
    "recv-is-not-a-message",
)
COALESCED_AS_ONE = Hint(
    Text(
        "Две строки, пришедшие одним recv(), напечатаны как одно сообщение: подпись "
        "собеседника есть только у первой (или обе на одной строке). Делите буфер по "
        'b"\\n" и печатайте каждую строку отдельно.',
        "Two lines that came in one recv() were printed as one message: only the first has "
        'the other side\'s label (or both share a line). Split the buffer at b"\\n" and '
        "print each line by itself.",
    ),
    "recv-is-not-a-message",
)
NO_NEWLINE_SENT = Hint(
    Text(
        'Набранные строки уходят без "\\n": другая сторона (программы курса, nc) не видит, '
        "где кончается строка, и ничего не печатает или склеивает строки. Отправляйте "
        '(line + "\\n").encode().',
        'Typed lines go out without "\\n": the other side (the course\'s programs, nc) '
        "cannot tell where a line ends, and prints nothing or glues lines together. Send "
        '(line + "\\n").encode().',
    ),
    "recv-is-not-a-message",
)
NOT_UTF8 = Hint(
    Text(
        "Кириллица или эмодзи напечатаны испорченными (или не напечатаны): декодируйте "
        'принятые байты как UTF-8 — decode("utf-8", errors="replace"), а не "ascii" или '
        '"latin-1".',
        "Cyrillic or emoji were printed broken (or not at all): decode the bytes received "
        'as UTF-8, decode("utf-8", errors="replace"), not "ascii" or "latin-1".',
    ),
    "split-utf8",
)
SPLIT_CHARACTER = Hint(
    Text(
        "Буква, разрезанная между двумя recv(), сломала строку: chunk.decode() половины "
        "буквы бросает UnicodeDecodeError (поток-получатель падает) или даёт «�». "
        'Декодируйте целые строки, разрезав байты по b"\\n".',
        "A letter split between two recv() calls broke the line: chunk.decode() of half a "
        "letter raises UnicodeDecodeError (the receiving thread dies) or gives '�'. Decode "
        'whole lines, after cutting the bytes at b"\\n".',
    ),
    "split-utf8",
)
ENCODE_UTF8 = Hint(
    Text(
        'Набранная кириллица пришла не в UTF-8: кодируйте набранные строки line.encode("utf-8").',
        'Typed Cyrillic did not arrive as UTF-8: encode typed lines with line.encode("utf-8").',
    ),
    "split-utf8",
)


# --- the program's terminal ------------------------------------------------------------
class Console:
    """A student program's terminal: the grader types on its stdin and reads its stdout
    (terminal escapes and control characters removed, see textmatch.clean)."""

    def __init__(self, ctx: CheckContext, box: Sandbox, report_shows_output: bool) -> None:
        self.ctx = ctx
        self.box = box
        # The report prints a client's output itself; a server's only where a check puts it.
        self.report_shows_output = report_shows_output

    def type(self, line: str) -> None:
        self.ctx.transcript.add("stdin", Text(f"набираем {line!r}", f"type {line!r}"))
        if not self.box.write_stdin(line + "\n"):
            self.ctx.transcript.add(
                "stdin",
                Text("(программа больше не читает ввод)", "(the program no longer reads input)"),
            )

    def close_input(self) -> None:
        self.ctx.transcript.add(
            "stdin", Text("закрываем ввод (Ctrl+D)", "close the input (Ctrl-D)")
        )
        self.box.close_stdin()

    def output(self) -> str:
        return clean(self.box.stdout_text())

    def mark(self) -> int:
        """A position in the output: later waits look at what comes after it."""
        return len(self.output())

    def since(self, mark: int) -> str:
        return self.output()[mark:]

    def last_printed(self) -> Text | None:
        """The end of what the program printed, for a failure that has nothing else to show
        (a prompt there says it waits in input())."""
        if self.report_shows_output:
            return None
        tail = excerpt(self.output().rstrip("\n"), 160)
        if not tail:
            return Text("программа ничего не напечатала", "the program printed nothing")
        return Text(f"программа напечатала: {tail}", f"the program printed: {tail}")

    def printed_bytes(self) -> int:
        return self.box.stdout.total if self.box.stdout else 0

    def wait_printed(self, needle: str, mark: int, timeout: float = EXPECT) -> bool:
        """Wait until the program printed `needle` after `mark` (case-insensitively)."""
        deadline = time.monotonic() + timeout
        while not self._printed(needle, mark):
            if self.box.exited.is_set():
                self.drain()  # what it printed before it ended may still be in the pipe
                return self._printed(needle, mark)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _printed(self, needle: str, mark: int) -> bool:
        folded = needle.casefold()
        line = next((ln for ln in self.since(mark).splitlines() if folded in ln.casefold()), None)
        if line is None:
            return False
        shown = excerpt(line.strip(), 80)
        self.ctx.transcript.add("stdout", Text(f"напечатано {shown}", f"printed {shown}"))
        return True

    def drain(self) -> None:
        """After the program ended: wait for the rest of its output (the pipe is read on
        a thread of its own, which ends at the pipe's end)."""
        if self.box.stdout is not None:
            self.box.stdout.join(1.0)

    def settle(self, quiet: float = 0.15, limit: float = 1.0) -> None:
        """Wait until the program prints nothing new for `quiet` seconds (its banner)."""
        end = time.monotonic() + limit
        last, since = self.printed_bytes(), time.monotonic()
        while time.monotonic() < end:
            time.sleep(0.02)
            now = self.printed_bytes()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return


def spinning(box: Sandbox, window: float = 0.3) -> bool:
    """Is a thread of the program busy nearly all of `window` seconds? (a loop that never
    blocks; see CheckContext.server_spinning, which does this for ctx.server())"""
    samples = busy = 0
    end = time.monotonic() + window
    while time.monotonic() < end:
        states = box.thread_states()
        samples += 1
        busy += "R" in states
        time.sleep(0.02)
    return samples > 2 and busy / samples >= 0.6


# --- helpers ---------------------------------------------------------------------------
def status_text(status: int | None) -> Text:
    if status is not None and status < 0:
        return Text(f"сигнал {-status}", f"signal {-status}")
    return Text(f"код {status}", f"status {status}")


def fail(
    message: Text,
    expected: Text | None,
    received: str | Text | None,
    hint: Hint,
) -> None:
    raise CheckFailed(message, expected, received, hint)


def crash_check(box: Sandbox) -> None:
    """A program that died while it should be chatting: its traceback says why."""
    if box.exited.wait(0.05) and box.exit_status is not None:
        status = status_text(box.exit_status)
        fail(
            Text(
                f"программа завершилась посреди разговора ({status.ru})",
                f"the program ended in the middle of the chat ({status.en})",
            ),
            None,
            None,
            FATAL_STDIN if "Fatal Python error" in box.stderr_text() else CRASHED,
        )


def start_server(ctx: CheckContext) -> tuple[Server, Console, TcpPeer]:
    """A fresh server with the grader connected as its client, its banner printed."""
    server = ctx.launch_server()
    console = Console(ctx, server.box, report_shows_output=False)
    peer = server.open("client")
    peer.start_reading()
    console.settle()
    return server, console, peer


def start_client(ctx: CheckContext) -> tuple[ClientProgram, Console, TcpPeer]:
    """A fresh client.py connected to the grader, which plays the server; banner printed."""
    client = ctx.client(prompt=None)
    conn = client.connect_back()
    console = Console(ctx, client.box, report_shows_output=True)
    console.settle()
    return client, console, conn


def wait_read(console: Console, peer: TcpPeer, hint: Hint, timeout: float = EXPECT) -> None:
    """Wait until the program read everything `peer` sent (its recv() returned it).

    Read from the socket table of the program's sandbox, for a server (the grader is its
    client) and a client (the grader is its server) alike. A program that died meanwhile
    is reported with its traceback instead.
    """
    box = console.box
    try:
        program_port, our_port = peer.sock.getpeername()[1], peer.local_port
    except OSError:  # the connection is gone: nothing more will be read
        crash_check(box)
        return
    deadline = time.monotonic() + timeout
    while True:
        entries = box.netstat()
        if entries is None:  # no socket table on this system: give the program a moment
            time.sleep(0.05)
            return
        if connection_consumed(entries, program_port, our_port):
            return
        if time.monotonic() > deadline:
            crash_check(box)
            fail(
                Text(
                    f"программа за {timeout:.0f} с не прочитала то, что ей отправили",
                    f"the program did not read what was sent to it within {timeout:.0f}s",
                ),
                None,
                console.last_printed(),
                hint,
            )
        time.sleep(0.003)


AFTER_UNREAD = 1.0  # seconds to wait when an earlier line of the step never got through


def says(
    peer: TcpPeer,
    console: Console,
    text: str,
    not_read: Hint,
    not_printed: Hint,
    timeout: float = EXPECT,
) -> None:
    """The other side sends a line; the program must read it and print it (by content).
    `timeout`: shorter when an earlier line still waits unread on the same socket, since
    this one cannot be read before it."""
    mark = console.mark()
    peer.send(f"{text}\n")
    wait_read(console, peer, not_read, timeout=timeout)
    if console.wait_printed(text, mark):
        return
    crash_check(console.box)
    fail(
        Text(
            f"программа не напечатала строку собеседника за {EXPECT:.0f} с",
            f"the program did not print the other side's line within {EXPECT:.0f}s",
        ),
        Text(f'напечатано "{text}"', f'"{text}" is printed'),
        excerpt(console.since(mark), 200) or None,
        not_printed,
    )


def typed(
    console: Console,
    peer: TcpPeer,
    text: str,
    hint: Hint,
    nothing_hint: Hint | None = None,
    timeout: float = EXPECT,
) -> None:
    """The user types a line; the other side must receive it (by content). `nothing_hint`:
    the likely bug when nothing arrived at all (typed lines are not sent); `timeout`:
    shorter when an earlier typed line never arrived (this one comes after it)."""
    console.type(text)
    if peer.expect(text, timeout=timeout):
        return
    crash_check(console.box)
    came = peer.received_since_mark()
    fail(
        Text(
            f"набранная строка не пришла собеседнику за {EXPECT:.0f} с",
            f"the typed line did not reach the other side within {EXPECT:.0f}s",
        ),
        Text(f'собеседнику приходит "{text}"', f'the other side receives "{text}"'),
        excerpt(came) or None,
        nothing_hint if nothing_hint is not None and not came else hint,
    )


def ends(
    console: Console,
    peer: TcpPeer,
    stuck: Hint,
    spin_hint: Hint | None = None,
    named: dict[str, Hint] | None = None,
) -> None:
    """Now the program must close the connection and end with code 0 within ENDING
    seconds (the step's title says after what). The likely bug when it does not: `named[exception]` when its stderr
    names that exception; `spin_hint` when it still runs and spins or floods its output;
    else `stuck` (a program still running) or the traceback's own cause (an error)."""
    box = console.box
    mark, printed = console.mark(), console.printed_bytes()
    deadline = time.monotonic() + ENDING
    closed = peer.wait_closed(ENDING)
    ended = box.exited.wait(max(0.1, deadline - time.monotonic()))
    if ended:
        console.drain()
    said = console.since(mark)
    if ended and box.exit_status == 0:
        console.ctx.transcript.add(
            "grader", Text("программа завершилась с кодом 0", "the program ended with status 0")
        )
        return
    stderr = box.stderr_text()
    exception = next((h for name, h in (named or {}).items() if name in stderr), None)
    expected = Text(
        f"программа закрывает соединение и завершается с кодом 0 за {ENDING:.0f} с",
        f"the program closes the connection and ends with status 0 within {ENDING:.0f}s",
    )
    if ended:
        status = status_text(box.exit_status)
        fail(
            Text(
                f"программа завершилась с ошибкой ({status.ru})",
                f"the program ended with an error ({status.en})",
            ),
            expected,
            excerpt(said, 200) or None,
            exception or (FATAL_STDIN if "Fatal Python error" in stderr else CRASHED),
        )
    flooding = console.printed_bytes() - printed > 2000
    if spin_hint is not None and (flooding or spinning(box)):
        hint = spin_hint
    elif exception is not None:
        hint = exception
    elif closed and stuck is NO_EXIT:
        hint = STILL_RUNNING
    else:
        hint = stuck
    fail(
        Text(
            "программа всё ещё работает"
            + (" (соединение закрыто)" if closed else ", соединение открыто"),
            "the program is still running"
            + (" (the connection is closed)" if closed else ", the connection is open"),
        ),
        expected,
        excerpt(said, 200) or None,
        hint,
    )


def exchange_first(peer: TcpPeer, console: Console) -> None:
    """The other side says a line and the program gets to print it, so that a program that
    takes turns (recv, then input) now waits for input too: the leaving checks judge
    leaving only."""
    mark = console.mark()
    peer.send("see you\n")
    try:
        wait_read(console, peer, NO_RECEIVER, timeout=1.0)
    except CheckFailed:
        return  # it does not read now; it may still leave properly
    console.wait_printed("see you", mark, timeout=1.0)


def reads_continuously(ctx: CheckContext, peer: TcpPeer, console: Console) -> None:
    """Two plain lines in a row must be printed before a robustness check can judge how
    lines are read: a program that prints nothing, or takes turns, is `receives`' business."""
    for n, text in enumerate(("warming up", "still reading")):
        mark = console.mark()
        peer.send(f"{text}\n")
        try:
            wait_read(console, peer, NO_RECEIVER)
        except CheckFailed:
            crash_check(console.box)
            ctx.skip(
                Text(
                    "не по чему судить: программа не читает сокет, пока ждёт ввода (см. receives)",
                    "nothing to judge by: the program does not read the socket while it waits "
                    "for input (see receives)",
                )
                if n == 0
                else Text(
                    "не по чему судить: после первой строки программа ждёт ввода и не читает "
                    "(см. receives)",
                    "nothing to judge by: after one line the program waits for input and stops "
                    "reading (see receives)",
                )
            )
        if not console.wait_printed(text, mark):
            crash_check(console.box)
            ctx.skip(
                Text(
                    "не по чему судить: программа не печатает принятые строки (см. receives)",
                    "nothing to judge by: the program does not print the lines it receives "
                    "(see receives)",
                )
            )


# --- checks: the server ----------------------------------------------------------------
@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """Both programs import socket and threading (read from the source, not run)."""
    static_requirements(
        ctx,
        server_modules=("socket", "threading"),
        client_modules=("socket", "threading"),
        hint=REQUIREMENTS,
    )


@CHECKS.check("starts", depends=())
def starts(ctx: CheckContext) -> None:
    """The server starts, listens on its port and accepts the connection."""
    try:
        lesson04.starts(ctx)
    except CheckFailed as failure:
        if failure.hint is hints.NO_ACCEPT:
            failure.hint = NO_ACCEPT
        raise


@CHECKS.check("receives")
def receives(ctx: CheckContext) -> None:
    """Lines from the client are printed while the server waits for input, two in a row."""
    _server, console, peer = start_server(ctx)
    with ctx.step(
        0.5,
        Text(
            "строка клиента напечатана, пока сервер ждёт ввода",
            "a line from the client is printed while the server waits for input",
        ),
    ):
        says(peer, console, "hello from the client", NO_RECEIVER, NOT_PRINTED)
    # The second step blames taking turns only if the first line did get through.
    receiving = "hello from the client" in console.output().casefold()
    with ctx.step(
        0.5,
        Text(
            "и вторая подряд, без ввода между ними",
            "and a second one in a row, with nothing typed in between",
        ),
    ):
        says(
            peer,
            console,
            "and a second line",
            TAKES_TURNS_RECEIVING if receiving else NO_RECEIVER,
            NOT_PRINTED,
            timeout=EXPECT if receiving else AFTER_UNREAD,
        )


@CHECKS.check("sends")
def sends(ctx: CheckContext) -> None:
    """Lines typed at the server reach the client, two in a row with nothing received."""
    _server, console, peer = start_server(ctx)
    with ctx.step(0.5, Text("набранная строка уходит клиенту", "a typed line reaches the client")):
        typed(console, peer, "hello from the keyboard", NO_SEND)
    sending = "hello from the keyboard" in peer.text
    with ctx.step(
        0.5,
        Text(
            "и вторая подряд, когда от клиента ничего не пришло",
            "and a second one in a row, with nothing received",
        ),
    ):
        typed(
            console,
            peer,
            "a second typed line",
            TAKES_TURNS_SENDING if sending else NO_SEND,
            timeout=EXPECT if sending else AFTER_UNREAD,
        )


@CHECKS.check("exit", long=True)
def exit_(ctx: CheckContext) -> None:
    """exit typed, or the end of input (Ctrl-D): the server closes the connection and
    ends with code 0."""
    with ctx.step(0.6, Text("набрали exit", "exit typed")):
        _server, console, peer = start_server(ctx)
        exchange_first(peer, console)
        console.type("exit")
        ends(console, peer, NO_EXIT)
    with ctx.step(0.4, Text("конец ввода (Ctrl+D)", "the end of input (Ctrl-D)")):
        _server, console, peer = start_server(ctx)
        exchange_first(peer, console)
        console.close_input()
        ends(
            console,
            peer,
            NO_EXIT,
            spin_hint=EOF_SPINS,
            named={"EOFError": EOF_ERROR},
        )


def other_side_leaves(
    ctx: CheckContext,
    console: Console,
    peer: TcpPeer,
    who: Text,
    weight: float,
) -> None:
    """The other side closes the connection: the program ends with code 0 (a step worth
    `weight`) and says so (a small step of its own, judged even if it did not end)."""
    exchange_first(peer, console)
    mark, printed = console.mark(), console.printed_bytes()
    with ctx.step(
        weight,
        Text(
            f"{who.ru} закрыл соединение — программа завершается",
            f"{who.en} closed the connection: the program ends",
        ),
    ):
        peer.leave()
        ends(
            console,
            peer,
            PEER_LEFT,
            spin_hint=PEER_LEFT_SPINS,
        )
    with ctx.step(0.1, Text("и сообщает об этом", "and says so")):
        said = console.since(mark)
        if console.printed_bytes() - printed > 2000:
            fail(
                Text(
                    "вместо уведомления — поток пустых сообщений",
                    "a flood of empty messages instead of a notice",
                ),
                Text("сообщение, что собеседник ушёл", "a notice that the other side left"),
                excerpt(said, 120),
                PEER_LEFT_SPINS,
            )
        if not said.strip():
            fail(
                Text(
                    "программа ничего не сказала об уходе собеседника",
                    "the program said nothing about the other side leaving",
                ),
                Text("сообщение, что собеседник ушёл", "a notice that the other side left"),
                None,
                NO_NOTICE,
            )


@CHECKS.check("peer_leaves", long=True)
def peer_leaves(ctx: CheckContext) -> None:
    """When the client closes the connection, or resets it, the server says so and ends
    with code 0."""
    _server, console, peer = start_server(ctx)
    other_side_leaves(ctx, console, peer, Text("клиент", "the client"), 0.6)
    with ctx.step(
        0.3,
        Text(
            "соединение оборвано (RST) — сервер завершается",
            "the connection reset (RST): the server ends",
        ),
    ):
        _server, console, peer = start_server(ctx)
        exchange_first(peer, console)
        peer.reset()
        ends(
            console,
            peer,
            PEER_LEFT,
            spin_hint=PEER_LEFT_SPINS,
            named={"ConnectionResetError": RESET_NOT_NOTICED},
        )


def labelled(line: str, needle: str, prompt: str) -> bool:
    """Is `needle` preceded by a label in this printed line ("Собеседник: ", "[friend]")?
    The program's own input() prompt is not a label."""
    before = line[: line.casefold().index(needle.casefold())]
    if prompt.strip():
        before = before.replace(prompt.strip(), "")
    return bool(re.sub(r"[\s>:$#|-]", "", before))


@CHECKS.check("framing")
def framing(ctx: CheckContext) -> None:
    """Two lines in one segment are printed as two, one line in three segments as one;
    typed lines go out ending in a newline."""
    _server, console, peer = start_server(ctx)
    reads_continuously(ctx, peer, console)
    # What input() printed last and waits after ("> ", "Вы: ") is not a label.
    prompt = console.output().rsplit("\n", 1)[-1]

    mark = console.mark()
    peer.send("first apples\nsecond pears\n")
    wait_read(console, peer, COALESCED_AS_ONE)
    console.wait_printed("second pears", mark)
    with ctx.step(0.4, Text("две строки одним send()", "two lines in one send()")):
        lines = console.since(mark).splitlines()
        first = next((ln for ln in lines if "first apples" in ln), None)
        second = next((ln for ln in lines if "second pears" in ln), None)
        ok = (
            first is not None
            and second is not None
            and "second pears" not in first
            and (
                not labelled(first, "first apples", prompt)
                or labelled(second, "second pears", prompt)
            )
        )
        if not ok:
            crash_check(console.box)
            fail(
                Text(
                    "две строки, пришедшие разом, напечатаны не как две",
                    "two lines that came at once were not printed as two",
                ),
                Text(
                    "напечатаны две строки, подписанные одинаково",
                    "two lines are printed, labelled alike",
                ),
                excerpt(console.since(mark), 200) or None,
                COALESCED_AS_ONE,
            )
    mark = console.mark()
    for piece in ("frag", "mented mess", "age\n"):
        peer.send(piece)
        wait_read(console, peer, PIECES_AS_LINES)
    with ctx.step(0.4, Text("одна строка тремя кусками", "one line in three pieces")):
        if not console.wait_printed("fragmented message", mark):
            crash_check(console.box)
            fail(
                Text(
                    "строка, пришедшая кусками, напечатана не целой",
                    "a line that came in pieces was not printed whole",
                ),
                Text('напечатано "fragmented message"', '"fragmented message" is printed'),
                excerpt(console.since(mark), 200) or None,
                PIECES_AS_LINES,
            )
    with ctx.step(0.2, Text('набранные строки кончаются на "\\n"', 'typed lines end in "\\n"')):
        start = len(peer.raw)
        console.type("typed one")
        console.type("typed two")
        peer.wait_until(lambda text: "typed two" in text, timeout=EXPECT)
        sent = bytes(peer.raw[start:])
        if b"typed one" not in sent or b"typed two" not in sent:
            crash_check(console.box)
            fail(
                Text("набранные строки не дошли", "the typed lines did not arrive"),
                Text('"typed one\\n" и "typed two\\n"', '"typed one\\n" and "typed two\\n"'),
                describe_bytes(sent, 80) if sent else None,
                NO_SEND,
            )
        if not re.search(rb"typed one\r?\n", sent):
            fail(
                Text('набранная строка ушла без "\\n"', 'a typed line went out without "\\n"'),
                Text('"typed one\\n" и "typed two\\n"', '"typed one\\n" and "typed two\\n"'),
                describe_bytes(sent, 80),
                NO_NEWLINE_SENT,
            )


def split_character(
    peer: TcpPeer, console: Console, not_read: Hint, timeout: float = EXPECT
) -> None:
    """A line sent in three segments that cut "ё" and "🎄" in two must be printed whole.
    A strict decode() of the first piece kills the receiving thread: then nobody reads the
    rest, and that is this step's bug (`not_read` says which)."""
    text = "ёлка и 🎄"
    data = f"{text}\n".encode()
    emoji_at = data.index("🎄".encode())
    mark = console.mark()
    for piece in (data[:1], data[1 : emoji_at + 2], data[emoji_at + 2 :]):
        peer.send(piece)
        wait_read(console, peer, not_read, timeout=timeout)
    if not console.wait_printed(text, mark):
        crash_check(console.box)
        fail(
            Text(
                "строка с буквой, разрезанной между сегментами, напечатана не так",
                "a line with a letter split between segments was not printed right",
            ),
            Text(f'напечатано "{text}"', f'"{text}" is printed'),
            excerpt(console.since(mark), 200) or None,
            SPLIT_CHARACTER,
        )


@CHECKS.check("utf8")
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji are printed intact, also when a letter is split between
    segments; typed Cyrillic goes out as UTF-8."""
    _server, console, peer = start_server(ctx)
    reads_continuously(ctx, peer, console)
    with ctx.step(0.4, Text("кириллица и эмодзи", "Cyrillic and emoji")):
        says(peer, console, "привет, мир 👋", NOT_UTF8, NOT_UTF8)
    with ctx.step(0.2, Text("набранная кириллица", "typed Cyrillic")):
        typed(console, peer, "ёжик и €", ENCODE_UTF8, nothing_hint=NO_SEND)
    with ctx.step(
        0.4, Text("буква, разрезанная между сегментами", "a letter split between segments")
    ):
        # A server of its own: a thread that died on the Cyrillic above must not fail
        # this step too.
        _server, console, peer = start_server(ctx)
        reads_continuously(ctx, peer, console)
        split_character(peer, console, SPLIT_CHARACTER)


# --- checks: the client ----------------------------------------------------------------
@CHECKS.check("client_sends", depends=(), needs="client")
def client_sends(ctx: CheckContext) -> None:
    """Lines typed at the client reach the server, two in a row with nothing received."""
    _client, console, conn = start_client(ctx)
    with ctx.step(0.5, Text("набранная строка уходит серверу", "a typed line reaches the server")):
        typed(console, conn, "hello from the client side", NO_SEND)
    sending = "hello from the client side" in conn.text
    with ctx.step(
        0.5,
        Text(
            "и вторая подряд, когда от сервера ничего не пришло",
            "and a second one in a row, with nothing received",
        ),
    ):
        typed(
            console,
            conn,
            "one more from the client",
            TAKES_TURNS_SENDING if sending else NO_SEND,
            timeout=EXPECT if sending else AFTER_UNREAD,
        )


@CHECKS.check("client_receives", depends=(), needs="client")
def client_receives(ctx: CheckContext) -> None:
    """Lines from the server are printed while the client waits for input: two in a row,
    and one with a letter split between segments."""
    _client, console, conn = start_client(ctx)
    with ctx.step(
        0.4,
        Text(
            "строка сервера напечатана, пока клиент ждёт ввода",
            "a line from the server is printed while the client waits for input",
        ),
    ):
        says(conn, console, "hello from the server", NO_RECEIVER, NOT_PRINTED)
    receiving = "hello from the server" in console.output().casefold()
    with ctx.step(
        0.3,
        Text(
            "и вторая подряд, без ввода между ними",
            "and a second one in a row, with nothing typed in between",
        ),
    ):
        says(
            conn,
            console,
            "and another server line",
            TAKES_TURNS_RECEIVING if receiving else NO_RECEIVER,
            NOT_PRINTED,
            timeout=EXPECT if receiving else AFTER_UNREAD,
        )
    with ctx.step(
        0.3, Text("буква, разрезанная между сегментами", "a letter split between segments")
    ):
        split_character(
            conn,
            console,
            SPLIT_CHARACTER if receiving else NO_RECEIVER,
            timeout=EXPECT if receiving else AFTER_UNREAD,
        )


@CHECKS.check("client_leaves", depends=(), needs="client", long=True)
def client_leaves(ctx: CheckContext) -> None:
    """exit typed at the client closes the connection and ends it with code 0; the server
    leaving ends it with code 0 too, and it says so."""
    with ctx.step(0.4, Text("набрали exit", "exit typed")):
        _client, console, conn = start_client(ctx)
        exchange_first(conn, console)
        console.type("exit")
        ends(console, conn, NO_EXIT)
    ctx.transcript.add("grader", Text("второй запуск клиента", "a second run of the client"))
    _client, console, conn = start_client(ctx)
    other_side_leaves(ctx, console, conn, Text("сервер", "the server"), 0.5)
