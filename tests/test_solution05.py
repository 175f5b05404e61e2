"""Tests of the lesson 05 reference servers: the same chat with a SendQ, on threads and on asyncio.

`solutions/05/server.py` (a thread per client, non-blocking sends, a bounded per-client
tail) and `solutions/05/server_asyncio.py` (one thread, an event loop) promise the same
behaviour, so every test runs on both: they are started as subprocesses and driven over
real loopback sockets, doing what real networks do: fragmented and coalesced lines, split
UTF-8 characters, readers that stop reading, resets, hundreds of clients. Every wait has a
deadline; to know the server has done something we wait for its visible effect (a welcome
line, a join notice at another client), never a fixed sleep. The only pauses are in
`send_in_pieces`, where there is no event to await: we want each piece to reach the
server's `recv` on its own.

These were the tests of lesson 04's reference until that became the simpler queue-per-
client server (tests/test_solution04.py); the lesson 04 client's tests stayed there.
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
from collections.abc import Callable

import pytest
from conftest import HOST, ROOT, LineClient, Program, free_port

SERVERS = ["solutions/05/server.py", "solutions/05/server_asyncio.py"]
WELCOME = "Добро пожаловать"  # the solutions' welcome line, sent once a nickname is accepted
PIECE_PAUSE = 0.01  # seconds between pieces, so each piece reaches the server's recv alone


# --------------------------------------------------------------------------- helpers


def is_join(name: str) -> Callable[[str], bool]:
    return lambda line: line.startswith("***") and name in line and "присоедин" in line


def is_leave(name: str) -> Callable[[str], bool]:
    return lambda line: line.startswith("***") and name in line and "вышел" in line


def is_message(name: str, text: str) -> Callable[[str], bool]:
    return lambda line: line == f"{name}: {text}"


def join(connect: Callable[[int], LineClient], port: int, name: str) -> LineClient:
    """Connect, send the nickname and wait until the server has accepted it."""
    client = connect(port)
    client.send(f"{name}\n")
    client.expect(lambda line: WELCOME in line)
    return client


def send_in_pieces(client: LineClient, data: bytes, size: int) -> None:
    """Send `data` `size` bytes at a time, each piece in its own TCP segment."""
    client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for start in range(0, len(data), size):
        client.send(data[start : start + size])
        time.sleep(PIECE_PAUSE)


def assert_left_once(
    observer: LineClient, name: str, connect: Callable[[int], LineClient], port: int
) -> None:
    """Wait for `name`'s leave notice, then prove no second one follows.

    A later event (a new user joining) is the synchronisation point: a duplicate leave
    notice would be broadcast before the server gets round to the new join.
    """
    observer.expect(is_leave(name))
    marker = f"sync{free_port()}"
    join(connect, port, marker)
    observer.expect(is_join(marker))
    leaves = [line for line in observer.lines if is_leave(name)(line)]
    assert len(leaves) == 1, f"expected one leave notice for {name}, got {leaves!r}"


@pytest.fixture(params=SERVERS, ids=["threads", "asyncio"])
def server_path(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def server(start_program: Callable[..., Program], server_path: str) -> Program:
    program = start_program(server_path)
    program.wait_listening()
    return program


# ------------------------------------------------------------------ server: core


def test_server_prints_banner_and_takes_port_from_chat_port(server_path: str) -> None:
    port = free_port()
    env = {**os.environ, "CHAT_PORT": str(port), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / server_path)],
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


def test_join_message_and_leave_reach_the_others(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    alice.expect(is_join("bob"))
    carol = join(clients, server.port, "carol")
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
    assert_left_once(carol, "alice", clients, server.port)
    # The server keeps accepting and the remaining users keep talking.
    dave = join(clients, server.port, "dave")
    bob.expect(is_join("dave"))
    dave.send("я тут\n")
    bob.expect(is_message("dave", "я тут"))


@pytest.mark.parametrize("word", ["exit\n", "/quit\r\n", "выйти\n"])
def test_exit_word_disconnects_and_notifies_others_once(server: Program, clients, word) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    alice.send(word)
    alice.expect_closed()
    assert_left_once(bob, "alice", clients, server.port)
    assert not any(line.startswith("alice:") for line in bob.lines)  # the word is not a message


def test_abrupt_reset_gives_leave_notice(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    # SO_LINGER with a zero timeout turns close() into a reset (RST) instead of a FIN.
    alice.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    alice.close()
    assert_left_once(bob, "alice", clients, server.port)
    assert server.proc.poll() is None


def test_silent_connection_does_not_block_others(server: Program, clients) -> None:
    silent = clients(server.port)  # never sends a nickname
    half = clients(server.port)
    half.send("ali")  # half a nickname, no newline
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    alice.expect(is_join("bob"))
    bob.send("hello\n")
    alice.expect(is_message("bob", "hello"))
    assert silent.sock.fileno() != -1 and half.sock.fileno() != -1


def test_two_hundred_concurrent_clients(server: Program, clients) -> None:
    users = [clients(server.port) for _ in range(200)]
    for number, user in enumerate(users):
        user.send(f"user{number}\n")
    for user in users:
        user.expect(lambda line: WELCOME in line)
    users[0].send("всем привет\n")
    for user in users[1:]:
        user.expect(is_message("user0", "всем привет"))
    users[-1].send("и тебе\n")
    users[0].expect(is_message("user199", "и тебе"))


# ------------------------------------------------------------- server: framing


def test_line_arriving_in_pieces_is_reassembled(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    send_in_pieces(alice, "по кусочку\n".encode(), size=1)
    bob.expect(is_message("alice", "по кусочку"))
    send_in_pieces(alice, b"abc|def|ghi\n", size=4)
    bob.expect(is_message("alice", "abc|def|ghi"))


def test_several_lines_in_one_segment_are_all_delivered(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    alice.send("one\ntwo\r\nthree\nfour")  # "four" is incomplete until its newline comes
    assert bob.expect(lambda line: True) == "alice: one"
    assert bob.expect(lambda line: True) == "alice: two"
    assert bob.expect(lambda line: True) == "alice: three"
    alice.send("\n")
    assert bob.expect(lambda line: True) == "alice: four"


def test_utf8_character_split_between_reads(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    data = "Ж😀\n".encode()  # 2-byte and 4-byte characters
    # Split inside "Ж" (after 1 byte) and inside the emoji (after 2 of its 4 bytes).
    for piece in (data[:1], data[1:4], data[4:]):
        send_in_pieces(alice, piece, size=len(piece))
    bob.expect(is_message("alice", "Ж😀"))


# ------------------------------------------------------ server: hostile clients


def test_slow_reader_does_not_stall_others_and_is_dropped(server: Program, clients) -> None:
    # A tiny receive buffer, so the kernel buffers for `slow` fill up quickly and the rest
    # piles up in the server's send queue for it. Set before connect(): the TCP window
    # is agreed during the handshake.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect((HOST, server.port))
    slow = LineClient(sock)
    slow.send("slow\n")
    slow.expect(lambda line: WELCOME in line)
    bob = join(clients, server.port, "bob")
    carol = join(clients, server.port, "carol")
    # From here on `slow` reads nothing. Bob talks, and carol reads each message before
    # bob sends the next: she must get every one of them, in order, also after the
    # server has dropped `slow` (its send queue passed the byte limit). The deadline per
    # message only bounds the test; the solution never waits for `slow` at all (the
    # earlier design waited up to 1 s for room in its queue before dropping it).
    text = "x" * 16384
    dropped = False
    for number in range(2000):
        bob.send(f"{number} {text}\n")
        line = carol.expect(
            lambda line: is_leave("slow")(line) or line.startswith("bob: "), timeout=5
        )
        if is_leave("slow")(line):
            dropped = True
            assert "не успевает читать" in line  # the others learn why
            carol.expect(is_message("bob", f"{number} {text}"), timeout=5)
            break
        assert line == f"bob: {number} {text}"
    assert dropped, "the server never dropped a client that stopped reading"
    bob.send("still here\n")
    carol.expect(is_message("bob", "still here"))
    slow.expect_closed()
    slow.close()


def test_reader_that_pauses_gets_everything_in_order(server: Program, clients) -> None:
    # Carol stops reading while bob sends 5 MB: more than the kernel buffers hold for her
    # (about 3 MB on loopback with her small receive buffer), less than that plus the
    # server's 4 MiB send queue limit. When she reads again, every line must come, once
    # and in order: what did not fit in the kernel waited in her queue, and lines sent
    # meanwhile queued up behind it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect((HOST, server.port))
    carol = LineClient(sock)
    carol.send("carol\n")
    carol.expect(lambda line: WELCOME in line)
    bob = join(clients, server.port, "bob")
    dave = join(clients, server.port, "dave")
    carol.expect(is_join("bob"))
    carol.expect(is_join("dave"))
    count, text = 1250, "y" * 4000
    for number in range(count):
        bob.send(f"{number} {text}\n")
    # Dave reads all the time: the last line reaching him means the server has sent
    # (or queued) everything for carol too.
    dave.expect(is_message("bob", f"{count - 1} {text}"), timeout=10)
    for number in range(count):
        assert carol.read_line(timeout=10) == f"bob: {number} {text}"


def test_receiver_reset_does_not_hurt_sender_or_others(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    carol = join(clients, server.port, "carol")
    # Bob vanishes with a reset while alice keeps talking: sends to bob fail with
    # EPIPE/ECONNRESET in alice's thread, which must carry on.
    bob.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    bob.close()
    for number in range(200):
        alice.send(f"message {number}\n")
    for number in range(200):
        carol.expect(is_message("alice", f"message {number}"))
    alice.expect(is_leave("bob"))  # the leave notice may come among the messages for carol
    alice.send("still here\n")
    carol.expect(is_message("alice", "still here"))


def test_line_of_64_kib_is_delivered(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    text = "x" * 65536
    alice.send(text + "\r\n")
    bob.expect(is_message("alice", text))


def test_endless_line_is_refused_and_client_dropped(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")

    # The server stops reading once the line is too long, so this sendall may block
    # until the server closes the connection: send from a thread and ignore its errors.
    def flood() -> None:
        with contextlib.suppress(OSError):
            alice.send(b"y" * 1_000_000)

    flooder = threading.Thread(target=flood, daemon=True)
    flooder.start()
    alice.expect(lambda line: "длиннее" in line)
    alice.expect_closed()
    flooder.join(5)
    assert_left_once(bob, "alice", clients, server.port)
    assert server.proc.poll() is None


def test_invalid_utf8_is_replaced(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    alice.send(b"bad \xff\xfe bytes\n")
    bob.expect(is_message("alice", "bad \ufffd\ufffd bytes"))
    alice.send("ok\n")
    bob.expect(is_message("alice", "ok"))


def test_empty_lines_are_not_broadcast(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = join(clients, server.port, "bob")
    alice.send("\n\r\n   \n\x1b[2J\n")  # the last one is empty once the escape is stripped
    alice.send("after\n")
    assert bob.expect(lambda line: True) == "alice: after"


def test_control_characters_and_ansi_escapes_are_stripped(server: Program, clients) -> None:
    bob = join(clients, server.port, "bob")
    evil = clients(server.port)
    evil.send("\x1b[31mevil\x1b[0m\x07\n")
    evil.expect(lambda line: WELCOME in line)
    assert bob.expect(lambda line: True) == "*** evil присоединился к чату"
    evil.send("\x1b[2J\x1b[Hhi\x1b]0;pwned\x07 there\x08!\n")
    assert bob.expect(lambda line: True) == "evil: hi0;pwned there!"
    assert all(ch == " " or ch.isprintable() for line in bob.lines for ch in line)


def test_empty_or_taken_nickname_is_asked_again(server: Program, clients) -> None:
    alice = join(clients, server.port, "alice")
    bob = clients(server.port)
    bob.send("\n")
    bob.expect(lambda line: "пуст" in line)
    bob.send("\x1b[2J\n")  # nothing left once the escape is stripped
    bob.expect(lambda line: "пуст" in line)
    bob.send("alice\n")
    bob.expect(lambda line: "занято" in line)
    bob.send("b" * 33 + "\n")
    bob.expect(lambda line: "длиннее" in line)
    bob.send("bob\n")
    bob.expect(lambda line: WELCOME in line and "alice" in line)
    alice.expect(is_join("bob"))
    # The refused attempts were not announced: bob's join is the only thing alice got.
    assert alice.lines[1:] == ["*** bob присоединился к чату"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_server_cleanly_and_port_is_reusable(
    start_program: Callable[..., Program], clients, server_path: str, sig
) -> None:
    first = start_program(server_path)
    first.wait_listening()
    alice = join(clients, first.port, "alice")
    bob = join(clients, first.port, "bob")
    first.wait_at_rest()  # see Program.wait_at_rest
    first.proc.send_signal(sig)
    for user in (alice, bob):
        user.expect(lambda line: "Сервер остановлен" in line)
        user.expect_closed()
    assert first.proc.wait(timeout=5) == 0, first.proc.stderr.read().decode()  # type: ignore[union-attr]
    assert b"Traceback" not in first.proc.stderr.read()  # type: ignore[union-attr]
    # The server closed the connections first, so they sit in TIME_WAIT on its port:
    # only SO_REUSEADDR lets a new server bind it at once.
    second = start_program(server_path, port=first.port)
    second.wait_listening()
    join(clients, second.port, "carol")
