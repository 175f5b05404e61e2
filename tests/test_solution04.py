"""Tests of the lesson 04 reference solution: the threaded TCP multi-user chat.

They run the real `solutions/04/server.py` and `solutions/04/client.py` as subprocesses
and talk to them over real loopback sockets, doing what real networks do: fragmented and
coalesced lines, split UTF-8 characters, readers that stop reading, resets, hundreds of
clients. Every wait has a deadline; to know the server has done something we wait for
its visible effect (a join notice heard by a `ChatWatcher`, a line at another client),
never a fixed sleep. The only pauses are in `send_in_pieces`, where there is no event to
await: we want each piece to reach the server's `recv` on its own.

The server with a SendQ that used to be this lesson's reference is lesson 05's now; its
tests (welcome line, nickname rules, escapes stripped, goodbye on SIGTERM) moved to
tests/test_solution05.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from conftest import HOST, ROOT, ChatWatcher, LineClient, Program, free_port, wait_until

SERVER = "solutions/04/server.py"
CLIENT = "solutions/04/client.py"
PIECE_PAUSE = 0.01  # seconds between pieces, so each piece reaches the server's recv alone


# --------------------------------------------------------------------------- helpers


def is_join(name: str) -> Callable[[str], bool]:
    return lambda line: line == f"{name} присоединился к чату."


def is_leave(name: str) -> Callable[[str], bool]:
    return lambda line: line == f"{name} вышел из чата."


def is_message(name: str, text: str) -> Callable[[str], bool]:
    return lambda line: line == f"{name}: {text}"


def send_in_pieces(client: LineClient, data: bytes, size: int) -> None:
    """Send `data` `size` bytes at a time, each piece in its own TCP segment."""
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for start in range(0, len(data), size):
        client.send(data[start : start + size])
        time.sleep(PIECE_PAUSE)


def small_window_client(port: int) -> LineClient:
    """A client with a tiny receive buffer, so the kernel buffers for it fill up quickly.
    Set before connect(): the TCP window is agreed during the handshake."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect((HOST, port))
    return LineClient(sock)


class Chat:
    """The running server, a watcher that tells when a newcomer is in, and clients."""

    def __init__(self, program: Program, connect: Callable[[int], LineClient]) -> None:
        self.program = program
        self.port = program.port
        self.connect = connect
        self.watcher = ChatWatcher(program.port)

    def join(self, name: str, client: LineClient | None = None) -> LineClient:
        return self.watcher.join(name, client or self.connect(self.port))

    def assert_left_once(self, observer: LineClient, name: str) -> None:
        """Wait for `name`'s leave notice, then prove no second one follows.

        A later event (a new user joining) is the synchronisation point: a duplicate leave
        notice would be broadcast before the server gets round to the new join.
        """
        observer.expect(is_leave(name))
        marker = f"sync{free_port()}"
        self.join(marker)
        observer.expect(is_join(marker))
        leaves = [line for line in observer.lines if is_leave(name)(line)]
        assert len(leaves) == 1, f"expected one leave notice for {name}, got {leaves!r}"


@pytest.fixture
def server(start_program: Callable[..., Program]) -> Program:
    program = start_program(SERVER)
    program.wait_listening()
    return program


@pytest.fixture
def chat(server: Program, clients) -> Iterator[Chat]:
    chat = Chat(server, clients)
    yield chat
    chat.watcher.close()


# ------------------------------------------------------------------ server: core


def test_server_prints_banner_and_takes_port_from_chat_port() -> None:
    port = free_port()
    env = {**os.environ, "CHAT_PORT": str(port), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / SERVER)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline().decode()
        assert f"{HOST}:{port}" in banner
        socket.create_connection((HOST, port), timeout=5).close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=5)


def test_join_message_and_leave_reach_the_others(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.expect(is_join("bob"))
    carol = chat.join("carol")
    alice.expect(is_join("carol"))
    bob.expect(is_join("carol"))

    alice.send("привет всем\n")
    bob.expect(is_message("alice", "привет всем"))
    carol.expect(is_message("alice", "привет всем"))

    # No echo: the next thing alice reads is bob's reply, not her own message.
    bob.send("hi alice\n")
    assert alice.expect(lambda line: True) == "bob: hi alice"

    alice.close()
    bob.expect(is_leave("alice"))
    chat.assert_left_once(carol, "alice")
    # The server keeps accepting and the remaining users keep talking.
    dave = chat.join("dave")
    bob.expect(is_join("dave"))
    dave.send("я тут\n")
    bob.expect(is_message("dave", "я тут"))


@pytest.mark.parametrize("word", ["exit\n", "exit\r\n", "  exit \n"])
def test_exit_word_disconnects_and_notifies_others_once(chat: Chat, word: str) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.send(word)
    alice.expect_closed()
    chat.assert_left_once(bob, "alice")
    assert not any(line.startswith("alice:") for line in bob.lines)  # the word is not a message


def test_abrupt_reset_gives_leave_notice(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    # SO_LINGER with a zero timeout turns close() into a reset (RST) instead of a FIN.
    alice.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    alice.close()
    chat.assert_left_once(bob, "alice")
    assert chat.program.proc.poll() is None


def test_silent_connection_does_not_block_others(chat: Chat) -> None:
    silent = chat.connect(chat.port)  # never sends a nickname
    half = chat.connect(chat.port)
    half.send("ali")  # half a nickname, no newline
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.expect(is_join("bob"))
    bob.send("hello\n")
    alice.expect(is_message("bob", "hello"))
    assert silent.sock.fileno() != -1 and half.sock.fileno() != -1


def test_who_leaves_before_giving_a_name_is_never_announced(chat: Chat) -> None:
    alice = chat.join("alice")
    nameless = chat.connect(chat.port)
    nameless.send("\n")  # an empty first line: no name, so the server lets it go
    nameless.expect_closed()  # the server is done with it: any notice would be out by now
    chat.join("marker")
    alice.expect(is_join("marker"))
    assert alice.lines == ["marker присоединился к чату."]  # no join, no leave for it


def test_two_hundred_concurrent_clients(chat: Chat) -> None:
    users = [chat.connect(chat.port) for _ in range(200)]
    for number, user in enumerate(users):
        user.send(f"user{number}\n")
    for number in range(200):
        assert chat.watcher.wait_for(is_join(f"user{number}"), 10), f"user{number} not in"
    users[0].send("всем привет\n")
    for user in users[1:]:
        user.expect(is_message("user0", "всем привет"))
    users[-1].send("и тебе\n")
    users[0].expect(is_message("user199", "и тебе"))


# ------------------------------------------------------------- server: framing


def test_line_arriving_in_pieces_is_reassembled(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    send_in_pieces(alice, "по кусочку\n".encode(), size=1)
    bob.expect(is_message("alice", "по кусочку"))
    send_in_pieces(alice, b"abc|def|ghi\n", size=4)
    bob.expect(is_message("alice", "abc|def|ghi"))


def test_several_lines_in_one_segment_are_all_delivered(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.send("one\ntwo\r\nthree\nfour")  # "four" is incomplete until its newline comes
    assert bob.expect(lambda line: True) == "alice: one"
    assert bob.expect(lambda line: True) == "alice: two"
    assert bob.expect(lambda line: True) == "alice: three"
    alice.send("\n")
    assert bob.expect(lambda line: True) == "alice: four"


def test_utf8_character_split_between_reads(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    data = "Ж😀\n".encode()  # 2-byte and 4-byte characters
    # Split inside "Ж" (after 1 byte) and inside the emoji (after 2 of its 4 bytes).
    for piece in (data[:1], data[1:4], data[4:]):
        send_in_pieces(alice, piece, size=len(piece))
    bob.expect(is_message("alice", "Ж😀"))


# ------------------------------------------------------ server: hostile clients


def test_slow_reader_does_not_stall_others_and_is_dropped(chat: Chat) -> None:
    # A tiny receive buffer, so the kernel buffers for `slow` fill up quickly and the rest
    # piles up in its queue on the server.
    slow = chat.join("slow", small_window_client(chat.port))
    bob = chat.join("bob")
    carol = chat.join("carol")
    # From here on `slow` reads nothing. Bob talks, and carol reads each message before
    # bob sends the next: she must get every one of them, in order, also after the
    # server has dropped `slow` (its queue of QUEUE_SIZE lines was full). The deadline
    # per message only bounds the test: broadcast never waits for `slow` at all
    # (put_nowait), so a message that took seconds would be a bug.
    text = "x" * 16384
    dropped = False
    for number in range(3000):
        bob.send(f"{number} {text}\n")
        line = carol.expect(
            lambda line: is_leave("slow")(line) or line.startswith("bob: "), timeout=5
        )
        if is_leave("slow")(line):
            dropped = True
            carol.expect(is_message("bob", f"{number} {text}"), timeout=5)
            break
        assert line == f"bob: {number} {text}"
    assert dropped, "the server never dropped a client that stopped reading"
    bob.send("still here\n")
    carol.expect(is_message("bob", "still here"))
    slow.expect_closed()
    slow.close()


def test_reader_that_pauses_gets_everything_in_order(chat: Chat) -> None:
    # Carol stops reading while bob sends 3.8 MB: more than the kernel buffers hold for her
    # (about 3 MB on loopback with her small receive buffer), fewer lines than her queue on
    # the server holds by itself (1000 lines of 4 KB), so she is never dropped however
    # slowly her writer thread gets a core (with 1250 lines she was, once, beside a busy
    # machine). When she reads again, every line must come, once and in order: what did
    # not fit in the kernel waited in her queue.
    carol = chat.join("carol", small_window_client(chat.port))
    bob = chat.join("bob")
    dave = chat.join("dave")
    carol.expect(is_join("bob"))
    carol.expect(is_join("dave"))
    count, text = 950, "y" * 4000
    for number in range(count):
        bob.send(f"{number} {text}\n")
    # Dave reads all the time: the last line reaching him means the server has queued
    # everything for carol too.
    dave.expect(is_message("bob", f"{count - 1} {text}"), timeout=10)
    for number in range(count):
        assert carol.read_line(timeout=10) == f"bob: {number} {text}"


def test_receiver_reset_does_not_hurt_sender_or_others(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    carol = chat.join("carol")
    # Bob vanishes with a reset while alice keeps talking: bob's writer thread gets
    # EPIPE/ECONNRESET and must carry on until bob's own thread ends it.
    bob.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    bob.close()
    for number in range(200):
        alice.send(f"message {number}\n")
    for number in range(200):
        carol.expect(is_message("alice", f"message {number}"))
    alice.expect(is_leave("bob"))  # the leave notice may come among the messages for carol
    alice.send("still here\n")
    carol.expect(is_message("alice", "still here"))


def test_line_of_64_kib_is_delivered(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    text = "x" * 65536
    alice.send(text + "\r\n")
    bob.expect(is_message("alice", text))


def test_endless_line_is_refused_and_client_dropped(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")

    # The server stops reading once the line is too long, so this sendall may block
    # until the server closes the connection: send from a thread and ignore its errors.
    def flood() -> None:
        with contextlib.suppress(OSError):
            alice.send(b"y" * 1_000_000)

    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()
    alice.expect_closed()
    flooder.join(5)
    chat.assert_left_once(bob, "alice")
    assert chat.program.proc.poll() is None


def test_invalid_utf8_is_replaced(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.send(b"bad \xff\xfe bytes\n")
    bob.expect(is_message("alice", "bad \ufffd\ufffd bytes"))
    alice.send("ok\n")
    bob.expect(is_message("alice", "ok"))


def test_empty_lines_are_not_broadcast(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.send("\n\r\n   \n\t\n")
    alice.send("after\n")
    assert bob.expect(lambda line: True) == "alice: after"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_server_cleanly_and_port_is_reusable(
    start_program: Callable[..., Program], clients, sig
) -> None:
    first = start_program(SERVER)
    first.wait_listening()
    chat = Chat(first, clients)
    alice = chat.join("alice")
    bob = chat.join("bob")
    first.wait_at_rest()  # see Program.wait_at_rest
    first.proc.send_signal(sig)
    assert first.proc.wait(timeout=5) == 0, first.proc.stderr.read().decode()  # type: ignore[union-attr]
    assert b"Traceback" not in first.proc.stderr.read()  # type: ignore[union-attr]
    for user in (alice, bob):
        user.expect_closed()
    # The server's process closed the connections first, so they sit in TIME_WAIT on its
    # port: only SO_REUSEADDR lets a new server bind it at once.
    second = start_program(SERVER, port=first.port)
    second.wait_listening()
    Chat(second, clients).join("carol")


# ------------------------------------------------------------------------- client


class OutputCollector:
    """Reads a subprocess's stdout in a thread so the test can wait for text in it."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.data = b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(self.fd, 4096):
                self.data += chunk

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    def wait_for(self, fragment: str, timeout: float = 5.0) -> None:
        assert wait_until(lambda: fragment in self.text, timeout), (
            f"{fragment!r} not printed within {timeout}s; stdout so far: {self.text!r}"
        )


class ChatClientProcess:
    """The solution's client.py, connected to a fake server the test controls."""

    def __init__(self, start_program: Callable[..., Program]) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.listener.settimeout(5)
        port = self.listener.getsockname()[1]
        self.program = start_program(CLIENT, port=port, stdin=True)
        self.output = OutputCollector(self.program.proc)
        self.peer: LineClient | None = None

    def type(self, text: str) -> None:
        stdin = self.program.proc.stdin
        assert stdin is not None
        stdin.write(text.encode())
        stdin.flush()

    def accept(self) -> LineClient:
        sock, _ = self.listener.accept()
        self.peer = LineClient(sock)
        return self.peer

    def close(self) -> None:
        if self.peer:
            self.peer.close()
        self.listener.close()


@pytest.fixture
def chat_client(start_program: Callable[..., Program]) -> Iterator[ChatClientProcess]:
    client = ChatClientProcess(start_program)
    yield client
    # Stop the process and let the reader thread see EOF *before* start_program closes
    # the pipe: a thread still reading a closed descriptor number could steal the output
    # of the next test's process, which may be given the same number.
    client.program.stop()
    client.output.thread.join(5)
    client.close()


def connected(chat_client: ChatClientProcess) -> LineClient:
    """Type a nickname, accept the client's connection, check the nickname arrives."""
    chat_client.output.wait_for("Ваше имя")
    chat_client.type("alice\n")
    peer = chat_client.accept()
    assert peer.read_line() == "alice"
    return peer


def test_client_sends_nickname_and_typed_lines_and_prints_incoming(chat_client) -> None:
    peer = connected(chat_client)
    chat_client.type("привет, мир\n")
    assert peer.read_line() == "привет, мир"
    # An incoming line is printed while the client's main thread waits in input().
    peer.send("bob: здравствуй\n*** carol присоединился к чату\n")
    chat_client.output.wait_for("bob: здравствуй\n")
    chat_client.output.wait_for("*** carol присоединился к чату\n")
    # The client frames incoming lines too: a line in pieces comes out whole.
    peer.send("bob: по ча".encode())
    peer.send("стям\n".encode())
    chat_client.output.wait_for("bob: по частям\n")


def test_client_exit_word_leaves_cleanly(chat_client) -> None:
    peer = connected(chat_client)
    chat_client.type("exit\n")
    assert chat_client.program.proc.wait(timeout=5) == 0
    assert peer.read_line() is None  # the client closed its socket; the word was not sent


def test_client_eof_on_stdin_leaves_cleanly(chat_client) -> None:
    peer = connected(chat_client)
    chat_client.program.proc.stdin.close()  # type: ignore[union-attr]
    assert chat_client.program.proc.wait(timeout=5) == 0
    assert peer.read_line() is None


def test_client_reports_lost_server_and_exits_zero(chat_client) -> None:
    peer = connected(chat_client)
    peer.close()
    chat_client.listener.close()
    # The main thread is blocked in input() on an open stdin, and still the client ends.
    assert chat_client.program.proc.wait(timeout=5) == 0
    chat_client.output.thread.join(5)
    assert "потеряно" in chat_client.output.text
