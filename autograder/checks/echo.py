"""The echo server's client, as lesson 01's checks drive it: connect, send, and read back.

`echoed` finds the text coming back by content (a greeting or an "Echo: " prefix is fine
there); `echoed_exactly` compares bytes (no prefix, no strip, no decode); `whole_again`
sends a line in pieces, as TCP may cut it, and wants it back whole. A failure keeps the
check's own hint; a server that died meanwhile is named in the message (`if_dead="note"`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from autograder.checks.common import settle
from autograder.context import CheckContext
from autograder.hints.common import SERVER_EXITED
from autograder.hints.lesson01 import (
    CLOSES_AT_ONCE,
    DECODE_CRASH,
    DECODE_SWALLOWED,
    DECODES,
    ENDS_AFTER_CLIENT,
    FIRST_PIECE_ONLY,
    NO_ECHO,
    NOT_READ,
    ONE_AT_A_TIME,
    PIECES_AS_MESSAGES,
    SHARED_CONN,
    THREAD_DIED,
    answers_otherwise,
    exact_hint,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer, describe_bytes
from autograder.programs.server import Server
from autograder.quiescence import Quiescence, quiet_reason
from autograder.sandbox import SandboxError
from autograder.textmatch import excerpt
from autograder.verdicts import CheckFailed, Hint

EXPECT = 3.0  # seconds an echo gets to come back
REPLACED = "\N{REPLACEMENT CHARACTER}".encode()  # what decode(errors="replace") leaves


# --- helpers ---------------------------------------------------------------------------
def join(ctx: CheckContext, name: str) -> TcpPeer:
    """A new client: connected, reading in the background, nothing sent yet. A server
    that ended without an error when its previous client left calls accept() once."""
    server = ctx.server()
    try:
        try:
            server.fail_if_dead()  # a namespace whose program ended takes no new sockets
            peer = server.open(name)
        except SandboxError:
            server.box.exited.wait(1.0)
            server.fail_if_dead()
            raise
    except CheckFailed as failure:
        # Refused: a program on its way out (on a loaded machine its exit is seen late).
        if server.box.exited.wait(1.0) and server.box.exit_status == 0:
            failure.hint = ENDS_AFTER_CLIENT
        raise
    peer.start_reading()
    return peer


def consumed(ctx: CheckContext, peer: TcpPeer, hint: Hint, crash_hint: Hint | None = None) -> None:
    """Wait until the server read what `peer` sent. A server that died meanwhile is
    reported with `crash_hint` when the check's own input is the likely cause."""
    server = ctx.server()
    try:
        server.wait_consumed(peer, hint=hint)
    except CheckFailed as failure:
        if crash_hint is not None and failure.hint is SERVER_EXITED:
            failure.hint = crash_hint
        raise


def tracebacks(server: Server) -> int:
    """How many tracebacks the server printed so far (a thread that died prints one)."""
    return server.box.stderr_text().count("Traceback (most recent call last)")


def traceback_since(server: Server, before: int, wait: float = 0.5) -> bool:
    """Has the server printed a traceback since it had printed `before`? (its stderr is
    read on a thread of its own, which may lag on a loaded machine: a short wait)"""
    deadline = time.monotonic() + wait
    while tracebacks(server) <= before:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def echoed(
    ctx: CheckContext,
    peer: TcpPeer,
    text: str,
    hint: Hint,
    newline: bool = True,
    crash_hint: Hint | None = None,
) -> None:
    """`peer` sends `text` (a line, unless `newline` is False); it must come back (by
    content: a prefix or a greeting around it is fine here)."""
    server = ctx.server()
    peer.send(f"{text}\n" if newline else text)
    consumed(ctx, peer, NOT_READ if hint is NO_ECHO else hint, crash_hint)
    quiet = server.quiet()
    if peer.expect(text, timeout=EXPECT, give_up=quiet):
        return
    came = peer.received_since_mark()
    if peer.closed_by_server and not came and hint is NO_ECHO:
        hint = CLOSES_AT_ONCE
    elif came.strip() and hint is NO_ECHO:
        hint = answers_otherwise(text, came)  # it did send something: not "nothing back"
    ctx.fail(
        Text(
            f"сервер закрыл соединение {peer.name}, не вернув отправленное",
            f"the server closed {peer.name}'s connection without sending back what it sent",
        )
        if peer.closed_by_server
        else Text(
            f"к {peer.name} не вернулось отправленное" + quiet_reason(quiet, EXPECT).ru,
            f"{peer.name} did not get back what it sent" + quiet_reason(quiet, EXPECT).en,
        ),
        Text(f'у {peer.name} "{text}"', f'{peer.name} gets "{text}" back'),
        excerpt(came) or None,
        crash_hint or hint,
        if_dead="note",
    )


def line_prefix(peer: TcpPeer, start: int, text: str) -> bytes:
    """What the server put in front of `text` on its line ("Echo: "), from the bytes
    received since `start`; a greeting on a line of its own is not part of it."""
    raw = bytes(peer.raw[start:])
    at = raw.find(text.encode())
    if at <= 0:
        return b""
    return raw[:at].rsplit(b"\n", 1)[-1]


def without(data: bytes, prefix: bytes) -> bytes:
    """`data` with every copy of the server's own `prefix` taken out (see `echo`)."""
    return data.replace(prefix, b"") if prefix else data


def comes_back(
    ctx: CheckContext, peer: TcpPeer, start: int, wanted: bytes, prefix: bytes, timeout: float
) -> bytes | None:
    """Wait until `wanted` is among the bytes received since `start` once the server's
    own `prefix` is taken out (it may be put in front of every recv()'s worth); the
    bytes that came, or None if it came back whole."""
    server = ctx.server()
    quiet = server.quiet()

    def found(_text: str) -> bool:
        return wanted in without(bytes(peer.raw[start:]), prefix)

    if peer.wait_until(found, timeout=timeout, give_up=quiet):
        peer.skip_to_end()
        return None
    return bytes(peer.raw[start:])


class Unread(Exception):
    """The server did not read what was sent on a connection it had answered before."""


def echoed_exactly(
    ctx: CheckContext, peer: TcpPeer, data: bytes, hint: Hint, reused: bool = False
) -> None:
    """`peer` sends `data`; exactly these bytes must come back, nothing more or less.
    The hint names what was done to them (`exact_hint`), else `hint`. `reused`: the
    connection was answered before, and a server that answers once per connection does
    not read it again (raises Unread, so the caller may try a fresh connection)."""
    server = ctx.server()
    raw_start = len(peer.raw)
    before = tracebacks(server)
    peer.send(data)
    try:
        consumed(ctx, peer, NOT_READ, crash_hint=hint)
    except CheckFailed:
        if reused and server.alive():
            raise Unread from None
        raise
    # Until as many bytes came as went, or the echo went quiet (a server that strips
    # sends fewer); then a little longer, for an added newline or prefix.
    quiet = server.quiet()
    peer.wait_until(
        lambda _t: len(peer.raw) - raw_start >= len(data), timeout=EXPECT, give_up=quiet
    )
    settle([peer], quiet=0.05, limit=1.0)  # a newline sent on its own, after the echo
    got = bytes(peer.raw[raw_start:])
    peer.skip_to_end()
    if got == data:
        return
    likely = exact_hint(data, got, peer.closed_by_server, hint)
    if likely is hint and not got:
        if traceback_since(server, before):
            died_decoding = "UnicodeDecodeError" in server.box.stderr_text()
            likely = DECODE_CRASH if died_decoding else THREAD_DIED
        elif hint is DECODES and peer.closed_by_server:
            likely = DECODE_SWALLOWED
    ctx.fail(
        Text(
            f"к {peer.name} вернулись не те байты, что ушли",
            f"{peer.name} did not get back the bytes it sent",
        ),
        Text(f"ровно {describe_bytes(data, 80)}", f"exactly {describe_bytes(data, 80)}"),
        (describe_bytes(got, 80) if got else None)
        or (
            Text("ничего (сервер закрыл соединение)", "nothing (the server closed the connection)")
            if peer.closed_by_server
            else Text("ничего", "nothing")
        ),
        likely,
        if_dead="note",
    )


def served_within(ctx: CheckContext, peers: list[TcpPeer], timeout: float) -> list[TcpPeer]:
    """Which of `peers` the server has not read from within `timeout` (one shared deadline)."""
    server = ctx.server()
    deadline = time.monotonic() + timeout
    unread = []
    for peer in peers:
        try:
            server.wait_consumed(peer, timeout=max(0.05, deadline - time.monotonic()))
        except CheckFailed:
            server.fail_if_dead()
            unread.append(peer)
    return unread


class Connection:
    """The client connection a check keeps using across its steps.

    It is replaced by a new one when a step broke it (the server closed it, or the step
    failed on it and its thread may be dead), or when a step asks for a fresh one, so one
    step's failure does not fail the next; the old one leaves first, so a server that
    serves one client at a time gets to the new one.
    """

    def __init__(self, ctx: CheckContext, names: tuple[str, ...]) -> None:
        self.ctx = ctx
        self.names = list(names)
        self.peer: TcpPeer | None = None

    def open(self) -> bool:
        return self.peer is not None and not self.peer.closed_by_server

    @contextlib.contextmanager
    def use(self, fresh: bool = False) -> Iterator[TcpPeer]:
        if fresh or self.peer is None or self.peer.closed_by_server:
            if self.peer is not None:
                self.peer.leave()
            self.peer = join(self.ctx, self.names.pop(0))
        peer = self.peer
        try:
            yield peer
        except CheckFailed:
            peer.leave()
            self.peer = None
            raise


def sent_in_pieces(
    ctx: CheckContext,
    peer: TcpPeer,
    pieces: list[bytes],
    prefix: bytes,
    crash_hint: Hint,
) -> int:
    """Send `pieces` one by one, each read by the server before the next goes: TCP cut
    the line there. The position in `peer.raw` before the first piece."""
    start = len(peer.raw)
    for piece in pieces:
        peer.send(piece)
        try:
            consumed(ctx, peer, crash_hint, crash_hint=crash_hint)
        except CheckFailed as failure:
            # The first piece came back and the next one is not read: the server answered
            # once (one recv() for the whole message) and stopped reading.
            if without(bytes(peer.raw[start:]), prefix) == pieces[0]:
                failure.hint = FIRST_PIECE_ONLY
            raise
    return start


def whole_again(
    ctx: CheckContext,
    peer: TcpPeer,
    pieces: list[bytes],
    wanted: str,
    prefix: bytes,
    default: Hint,
    decoding_charged_elsewhere: bool = False,
) -> None:
    """A line sent in `pieces` must come back whole (the server's prefix taken out).
    `decoding_charged_elsewhere`: a '�' where a cut letter was
    (the server decodes each recv() with errors="replace") is not this step's failure:
    one bug, one deduction, in the check that names decoding (lesson 01's exact_bytes)."""
    start = sent_in_pieces(ctx, peer, pieces, prefix, default)
    came = comes_back(ctx, peer, start, wanted.encode(), prefix, EXPECT)
    if came is None:
        return
    if decoding_charged_elsewhere and REPLACED in came and REPLACED not in wanted.encode():
        ctx.note(
            Text(
                "буква, разрезанная между кусками, вернулась как «�»: "
                "сервер декодирует каждый recv(); баллы за это сняты один раз, в exact_bytes",
                "a letter cut between pieces came back as '�': the "
                "server decodes each recv(); that costs points once, in exact_bytes",
            )
        )
        return
    hint = default
    if without(came, prefix) == pieces[0]:
        hint = FIRST_PIECE_ONLY
    elif default is PIECES_AS_MESSAGES and b"\n" in without(came, prefix).rstrip(b"\n"):
        hint = PIECES_AS_MESSAGES
    ctx.fail(
        Text(
            f"к {peer.name} строка, отправленная кусками, не вернулась целой",
            f"{peer.name} did not get back whole the line it sent in pieces",
        ),
        Text(f'у {peer.name} строка "{wanted}"', f'{peer.name} gets the line "{wanted}" back'),
        describe_bytes(came, 80) if came else None,
        hint,
        if_dead="note",
    )


def streamed_back(
    ctx: CheckContext, peer: TcpPeer, payload: bytes, timeout: float
) -> tuple[bytes, bytes, Quiescence]:
    """`peer` sends `payload` while it reads the echo; what came back (the server's own
    prefix taken out), that prefix, and the detector that may have ended the wait."""
    server = ctx.server()
    start = len(peer.raw)
    ctx.transcript.add(
        "alice",
        Text(
            f"отправляет 1 МиБ ({len(payload) // 64} строки по 64 байта) и одновременно читает",
            f"sends 1 MiB ({len(payload) // 64} lines of 64 bytes) while reading",
        ),
    )
    # Sent from a thread of its own while alice's reader takes the echo: a client that
    # only sends would fill both directions' buffers and deadlock with the server's sendall.
    sender = threading.Thread(
        target=peer.send,
        args=(payload,),
        kwargs={"timeout": timeout, "log": False},
        daemon=True,
    )
    sender.start()
    deadline = time.monotonic() + timeout
    quiet: Quiescence = server.quiet()
    prefix = b""

    def back() -> bytes:
        """What came back, the server's prefix taken out (learnt from the first line)."""
        nonlocal prefix
        got = bytes(peer.raw[start:])
        if not prefix and got and not payload.startswith(got[: min(len(got), 16)]):
            at = got.find(payload[:16])
            if at > 0:
                prefix = got[:at]
        got = without(got, prefix)
        # A prefix cut in half at the end is still arriving.
        for cut in range(len(prefix) - 1, 0, -1):
            if got.endswith(prefix[:cut]):
                return got[:-cut]
        return got

    first = peer.received_bytes
    while True:
        got = back()
        if len(got) >= len(payload):
            break
        # Something else than the megabyte's start (past any prefix): no need to wait on.
        if not payload.startswith(got) and (prefix or len(peer.raw) - start > 256):
            break
        if peer.closed_by_server or time.monotonic() > deadline or quiet():
            break
        peer.wait_for_bytes(first + len(payload), timeout=0.02)
    peer.skip_to_end()
    got = back()
    return got, prefix, quiet


def all_say_hi(ctx: CheckContext, count: int) -> list[TcpPeer]:
    """`count` clients connect at once and each sends a line; the server must read them all
    (a server serving one at a time, or following a shared conn, does not)."""
    server = ctx.server()
    users = [server.open(f"user{n}", log=False) for n in range(count)]
    for user in users:
        user.start_reading()
        user.send(f"{user.name} says hi\n", log=False)
    ctx.transcript.add(
        "grader",
        Text(
            f"{count} клиентов подключились и отправили по строке",
            f"{count} clients connected and sent a line each",
        ),
    )
    unread = served_within(ctx, users, timeout=5)
    if unread:
        # The last one served but earlier ones not: the threads follow a shared conn.
        hint = SHARED_CONN if users[-1] not in unread else ONE_AT_A_TIME
        ctx.fail(
            Text(
                f"сервер не прочитал строки {len(unread)} клиентов из {count}",
                f"the server did not read the lines of {len(unread)} of {count} clients",
            ),
            Text(f"сервер читает всех {count}", f"the server reads from all {count}"),
            Text(
                "не прочитаны: " + ", ".join(u.name for u in unread),
                "not read: " + ", ".join(u.name for u in unread),
            ),
            hint,
            if_dead="note",
        )
    return users


def each_gets_its_own_echo(ctx: CheckContext, users: list[TcpPeer]) -> None:
    """Each of `users` gets back its own line, and nobody else's."""
    server = ctx.server()
    deadline = time.monotonic() + EXPECT
    quiet = server.quiet()
    for user in users:
        user.expect(
            f"{user.name} says hi",
            timeout=max(0.05, deadline - time.monotonic()),
            give_up=quiet,
        )
    settle(users, quiet=0.1, limit=0.5)  # an echo that went astray arrives too
    crossed = [
        (user, other)
        for user in users
        for other in users
        if other is not user and f"{other.name} says hi" in user.text
    ]
    missing = [u for u in users if f"{u.name} says hi" not in u.text]
    if crossed or missing:
        user, other = crossed[0] if crossed else (missing[0], None)
        ctx.fail(
            Text(
                f"к {user.name} пришло эхо {other.name}",
                f"{user.name} got {other.name}'s echo",
            )
            if other
            else Text(f"к {user.name} не вернулось эхо", f"{user.name} did not get its echo"),
            Text(
                f"каждому из {len(users)} возвращается только его строка",
                f"each of the {len(users)} gets back its own line only",
            ),
            excerpt(user.text) or None,
            SHARED_CONN if crossed else NO_ECHO,
            if_dead="note",
        )
