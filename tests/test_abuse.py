"""The reference servers of lessons 01-05 under abuse: fuzzed streams and hostile clients.

Two kinds of tests, run on the real solution files as subprocesses:

* property tests (hypothesis): arbitrary bytes, cut at arbitrary places, must give exactly
  what the lesson's framing rule says: the same bytes back (01), the same lines printed
  (02), one message per datagram (03), the same messages in the same order at another
  user (04 and 05);
* scripted abuse, as a careless or hostile client would do it: invalid UTF-8, NUL bytes,
  1 MB lines, ANSI escapes and newlines in nicknames, 1000 rapid connects and
  disconnects, a byte at a time (slowloris), hundreds of idle connections.

After each abuse: the server is still running, its memory (RSS, psutil) stays below a
stated bound, and ordinary users can still talk. Nothing here is timed: every wait has a
deadline that only bounds the test. Hypothesis runs derandomized (the same examples every
run) with a modest number of examples, so the file stays quick and never flaky.
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
import time
from collections.abc import Callable

import psutil
import pytest
from conftest import HOST, ChatWatcher, Console, LineClient, Program, wait_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Far above what any reference server needs (10-40 MB), far below what a leak would take.
RSS_BOUND_MB = 150
PACE = 0.001  # seconds between chunks, so they tend to reach the server's recv apart
EXIT_WORDS = {"exit", "/quit", "выйти"}
RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset (RST)

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def rss_mb(program: Program) -> float:
    return psutil.Process(program.proc.pid).memory_info().rss / 2**20


def thread_count(program: Program) -> int:
    return psutil.Process(program.proc.pid).num_threads()


def assert_healthy(program: Program) -> None:
    """Still running, memory below the bound."""
    assert program.proc.poll() is None, f"{program.path} exited with {program.proc.returncode}"
    assert rss_mb(program) < RSS_BOUND_MB, f"RSS {rss_mb(program):.0f} MB"


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` cut at the given offsets (any order, duplicates and ends allowed)."""
    points = sorted({c for c in cuts if 0 < c < len(data)})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True) if a < b]


def send_chunks(sock: socket.socket, chunks: list[bytes]) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for chunk in chunks:
        sock.sendall(chunk)
        time.sleep(PACE)


def recv_exactly(sock: socket.socket, size: int, timeout: float = 10.0) -> bytes:
    deadline = time.monotonic() + timeout
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{len(data)} of {size} bytes within {timeout}s")
        sock.settimeout(remaining)
        with contextlib.suppress(TimeoutError):
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise AssertionError(f"closed after {len(data)} of {size} bytes")
            data += chunk
    return bytes(data)


def rapid_connects(port: int, count: int = 1000, echoed: bool = False) -> None:
    """Connect and go away `count` times: quietly, after half a line, or with a reset.

    `echoed`: the server sends the half line back (an echo server); waiting for it now
    and then keeps us from outrunning its accept loop, whose small backlog would then
    drop our SYNs and make each connect wait a second for the retry.
    """
    for n in range(count):
        try:
            sock = socket.create_connection((HOST, port), timeout=5)
        except ConnectionRefusedError:  # a server that takes one client refuses the rest
            continue
        with sock:
            if n % 3 == 1:
                with contextlib.suppress(OSError):
                    sock.sendall(b"half a li")
                if echoed:
                    assert recv_exactly(sock, 9) == b"half a li"
            elif n % 3 == 2:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)


@pytest.fixture
def sockets():
    """Factory of raw TCP connections, all closed at the end of the test."""
    opened: list[socket.socket] = []

    def connect(port: int) -> socket.socket:
        sock = socket.create_connection((HOST, port), timeout=5)
        opened.append(sock)
        return sock

    yield connect
    for sock in opened:
        sock.close()


# ======================================================================= lesson 01


@pytest.fixture
def echo(start_program) -> Program:
    program = start_program("solutions/01/server.py")
    program.wait_listening()
    Console(program)  # keeps reading its output: a full pipe would block its prints
    return program


def assert_echoes(port: int, data: bytes = "эхо ok\n".encode()) -> None:
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(data)
        assert recv_exactly(sock, len(data)) == data


def test_echo_returns_arbitrary_bytes_cut_anywhere(echo: Program) -> None:
    with socket.create_connection((HOST, echo.port), timeout=5) as sock:

        @FUZZ
        @given(data=st.binary(max_size=3000), cuts=st.lists(st.integers(0, 3000), max_size=12))
        def check(data: bytes, cuts: list[int]) -> None:
            send_chunks(sock, chunked(data, cuts))
            assert recv_exactly(sock, len(data)) == data

        check()
    assert_healthy(echo)


def test_echo_survives_invalid_utf8_nul_and_a_1_mb_line(echo: Program) -> None:
    with socket.create_connection((HOST, echo.port), timeout=5) as sock:
        sock.sendall(b"\xff\xfe\x00\x00\xc3")  # not UTF-8, NULs, half a character
        assert recv_exactly(sock, 5) == b"\xff\xfe\x00\x00\xc3"
        line = b"y" * (1 << 20)  # 1 MB, no newline: more than the socket buffers hold
        got = bytearray()

        def read_back() -> None:
            got.extend(recv_exactly(sock, len(line), timeout=20))

        reader = threading.Thread(target=read_back, daemon=True)
        reader.start()
        sock.sendall(line)
        reader.join(25)
        assert bytes(got) == line
    assert_healthy(echo)
    assert_echoes(echo.port)


@pytest.mark.slow
def test_echo_survives_1000_rapid_connects_and_many_idle_connections(
    echo: Program, sockets
) -> None:
    baseline = thread_count(echo)
    rapid_connects(echo.port, echoed=True)
    assert wait_until(lambda: thread_count(echo) <= baseline + 5, 20), thread_count(echo)
    idle = [sockets(echo.port) for _ in range(300)]
    assert_echoes(echo.port)
    assert_healthy(echo)
    assert all(s.fileno() != -1 for s in idle)


def test_echo_serves_others_while_a_client_sends_a_byte_at_a_time(echo: Program) -> None:
    with socket.create_connection((HOST, echo.port), timeout=5) as slow:
        message = "медленно\n".encode()
        for index, byte in enumerate(message):
            slow.sendall(bytes([byte]))
            if index % 4 == 0:
                assert_echoes(echo.port)  # the others are served meanwhile
            time.sleep(0.01)
        assert recv_exactly(slow, len(message)) == message
    assert_healthy(echo)


# ======================================================================= lesson 02


PEER = "Собеседник: "  # how the lesson 02 server prints a line from the other side


def printed(stream: bytes) -> list[str]:
    """What the lesson 02 rule makes of a byte stream: one printed line per b"\\n"."""
    return [
        PEER + raw.rstrip(b"\r").decode("utf-8", errors="replace")
        for raw in stream.split(b"\n")[:-1]
    ]


@pytest.fixture
def two_user_server(start_program) -> tuple[Program, Console, socket.socket]:
    server = start_program("solutions/02/server.py", stdin=True)
    server.wait_listening()
    console = Console(server)
    peer = socket.create_connection((HOST, server.port), timeout=5)
    console.expect("подключился")
    yield server, console, peer
    peer.close()


def expect_printed(console: Console, lines: list[str], timeout: float = 10.0) -> None:
    """The next printed lines are exactly `lines` (the console holds every printed line)."""
    start = console.position
    end = start + len(lines)
    with console.changed:
        console.changed.wait_for(lambda: len(console.lines) >= end, timeout)
        assert console.lines[start:end] == lines
        console.position = end


def test_two_user_server_prints_exactly_the_lines_of_any_stream(two_user_server) -> None:
    server, console, peer = two_user_server
    number = iter(range(10**6))

    @FUZZ
    @given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=12))
    def check(data: bytes, cuts: list[int]) -> None:
        # A marker line after each example: the example's last line is complete, and
        # we know when the server has printed everything.
        stream = data + f"\nend of example {next(number)}\n".encode()
        send_chunks(peer, chunked(stream, cuts))
        expect_printed(console, printed(stream))

    check()
    assert_healthy(server)


def test_two_user_server_survives_garbage_a_1_mb_line_and_a_byte_at_a_time(
    two_user_server,
) -> None:
    server, console, peer = two_user_server
    peer.sendall(b"\x00nul \xff\xfe bad \x1b[2J\r\n")
    expect_printed(console, [PEER + "\x00nul \ufffd\ufffd bad \x1b[2J"])
    peer.sendall(b"z" * (1 << 20) + b"\n")
    expect_printed(console, [PEER + "z" * (1 << 20)], timeout=20)
    for byte in "по байту\n".encode():
        peer.sendall(bytes([byte]))
        time.sleep(0.01)
    expect_printed(console, [PEER + "по байту"])
    # Connections while the chat runs are refused (the server takes one client).
    rapid_connects(server.port, 200)
    # The two users can still talk, both ways.
    console.type("ещё тут")
    assert recv_exactly(peer, len("ещё тут\n".encode())) == "ещё тут\n".encode()
    peer.sendall("и я\n".encode())
    expect_printed(console, [PEER + "и я"])
    assert_healthy(server)


# ======================================================================= lesson 03


class Udp:
    """A raw UDP chat user."""

    def __init__(self, port: int, name: bytes | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.server = (HOST, port)
        if name is not None:
            self.send(name)

    def send(self, data: bytes) -> None:
        self.sock.sendto(data, self.server)

    def receive(self, timeout: float = 5.0) -> str:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65535).decode("utf-8", errors="replace")
        except TimeoutError:
            raise AssertionError(f"no datagram within {timeout}s") from None

    def expect(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            text = self.receive(max(0.01, deadline - time.monotonic()))
            if predicate(text):
                return text
            seen.append(text)
        raise AssertionError(f"no matching datagram; saw {seen!r}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def udp_chat(start_program):
    """A UDP chat server with alice and bob in it."""
    server = start_program("solutions/03/server.py", udp=True)
    server.wait_listening("udp")
    Console(server)  # keeps reading its output: a full pipe would block its prints
    alice = Udp(server.port, b"alice")
    bob = Udp(server.port, b"bob")
    alice.expect(lambda text: "bob" in text)
    yield server, alice, bob
    alice.close()
    bob.close()


def udp_rule(data: bytes) -> str | None:
    """What the lesson 03 server sends the others for a datagram from alice (or None)."""
    text = data.decode("utf-8", errors="replace").rstrip("\r\n")
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "", text)  # control characters are removed
    if not text.strip():
        return None
    return f"alice: {text}"


def assert_udp_chat(port: int, alice: Udp, bob: Udp, text: str = "всё ещё здесь") -> None:
    """Alice's message reaches bob. UDP may drop a datagram when a flood has filled a
    socket's buffer (the server's or bob's): then alice says it again, as a user would."""
    deadline = time.monotonic() + 20
    for attempt in range(1000):
        alice.send(f"{text} {attempt}".encode())
        with contextlib.suppress(AssertionError):  # nothing within a second
            bob.expect(lambda t: t.startswith(f"alice: {text} "), timeout=1)
            return
        assert time.monotonic() < deadline, "alice's messages no longer reach bob"


def test_udp_server_sends_one_message_per_datagram(udp_chat) -> None:
    server, alice, bob = udp_chat
    number = iter(range(10**6))

    @FUZZ
    @given(data=st.binary(max_size=2000))
    def check(data: bytes) -> None:
        if (udp_rule(data) or "").removeprefix("alice: ").strip() in EXIT_WORDS:
            return  # an exit word: alice would leave, tested elsewhere
        alice.send(data)
        marker = f"end of example {next(number)}"
        alice.send(marker.encode())
        got = []
        while (text := bob.receive()) != f"alice: {marker}":
            got.append(text)
        expected = udp_rule(data)
        assert got == ([expected] if expected else [])

    check()
    assert_healthy(server)


def test_udp_nickname_and_text_cannot_forge_lines_or_control_the_terminal(udp_chat) -> None:
    server, alice, bob = udp_chat
    mallory = Udp(server.port, b"mal\nalice: I owe you\x1b[2J\x07")
    joined = bob.expect(lambda text: "mal" in text)
    mallory.send(b"hi\nalice: pay me\x1b]0;pwned\x07\r\n")
    said = bob.expect(lambda text: "hi" in text)
    # One line each, and nothing a terminal would obey: the newlines, ESC and BEL are gone.
    assert joined == "malalice: I owe you[2J присоединился к чату."
    assert said == "malalice: I owe you[2J: hialice: pay me]0;pwned"
    mallory.close()
    assert_udp_chat(server.port, alice, bob)


def test_udp_server_survives_garbage_huge_datagrams_and_1000_users(udp_chat) -> None:
    server, alice, bob = udp_chat
    carol = Udp(server.port, b"\x00\xff carol")
    bob.expect(lambda text: "carol" in text)
    carol.send(b"\x00\x00\xfe\xff")
    bob.expect(lambda text: "\ufffd" in text)
    # 1 MB in maximum-size datagrams: relayed with a prefix they no longer fit in a
    # datagram, so the server's sendto fails (EMSGSIZE) and it must shrug that off.
    for _ in range(16):
        carol.send(b"w" * 65507)
    carol.close()
    # 1000 users come and go (a join and an exit each), 200 more join and stay silent.
    for n in range(1200):
        user = Udp(server.port, f"user{n}".encode())
        if n < 1000:
            user.send(b"exit")
        user.close()
    assert_udp_chat(server.port, alice, bob)
    assert_healthy(server)


# ================================================================ lessons 04 and 05


WELCOME = "Добро пожаловать"  # lesson 05's servers greet a newcomer once its name is taken
CHATS = {
    "04": "solutions/04/server.py",  # a queue and a writer thread per client
    "05-threads": "solutions/05/server.py",  # SendQ: non-blocking sends, a bounded tail
    "05-asyncio": "solutions/05/server_asyncio.py",  # the same in one thread
}


class Chat:
    """A running chat server and how to know a newcomer is in: lesson 05's servers send a
    welcome line; lesson 04's sends a newcomer nothing, so a watcher hears the join."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.port = program.port
        self.watcher = ChatWatcher(program.port) if "solutions/04" in str(program.path) else None

    def join(self, name: str) -> LineClient:
        client = LineClient.connect(self.port)
        if self.watcher is not None:
            return self.watcher.join(name, client)
        client.send(f"{name}\n")
        client.expect(lambda line: WELCOME in line)
        return client


def start_chat(start_program, path: str) -> Chat:
    program = start_program(path)
    program.wait_listening()
    Console(program)  # keeps reading its output: a full pipe would block its prints
    return Chat(program)


@pytest.fixture(params=list(CHATS.values()), ids=list(CHATS))
def chat(start_program, request) -> Chat:
    return start_chat(start_program, request.param)


@pytest.fixture(params=[CHATS["05-threads"], CHATS["05-asyncio"]], ids=["threads", "asyncio"])
def sendq_chat(start_program, request) -> Chat:
    """Lesson 05's servers only: they also clean nicknames and lines of control characters."""
    return start_chat(start_program, request.param)


def assert_chat(chat: Chat, text: str = "мы всё ещё говорим") -> None:
    """Two new users can join and talk."""
    marker = f"{time.monotonic_ns() % 10**9}"
    alice = chat.join(f"a{marker}")
    bob = chat.join(f"b{marker}")
    try:
        alice.send(f"{text}\n")
        bob.expect(lambda line: line == f"a{marker}: {text}")
    finally:
        alice.close()
        bob.close()


def is_leave(line: str, name: str) -> bool:
    return name in line and "вышел" in line


messages = st.lists(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
    ).filter(lambda m: m == m.strip() and m not in EXIT_WORDS),
    min_size=1,
    max_size=8,
)


def test_chat_delivers_messages_cut_anywhere_whole_and_in_order(chat: Chat) -> None:
    alice = chat.join("alice")
    bob = chat.join("bob")
    alice.expect(lambda line: "bob" in line)

    @FUZZ
    @given(texts=messages, crlf=st.booleans(), cuts=st.lists(st.integers(0, 2000), max_size=15))
    def check(texts: list[str], crlf: bool, cuts: list[int]) -> None:
        ending = "\r\n" if crlf else "\n"
        data = "".join(t + ending for t in texts).encode()
        send_chunks(alice.sock, chunked(data, cuts))  # also inside multi-byte characters
        for text in texts:
            assert bob.read_line(timeout=10) == f"alice: {text}"

    check()
    assert_healthy(chat.program)


def test_chat_survives_invalid_utf8_and_nul_bytes(chat: Chat) -> None:
    bob = chat.join("bob")
    alice = chat.join("alice")
    bob.expect(lambda line: "alice" in line)
    alice.send(b"\x00\x00 nul \xc3\x28 bad \xff\n")
    said = bob.expect(lambda line: "nul" in line)
    assert "\ufffd( bad \ufffd" in said  # each bad byte replaced, the rest kept
    # A newline ends a line wherever it is: what follows is an ordinary message.
    alice.send("hi\nbob: I owe you\n")
    assert bob.expect(lambda line: "I owe you" in line) == "alice: bob: I owe you"
    assert_chat(chat)
    assert_healthy(chat.program)


def test_chat_strips_escapes_and_control_characters_in_names_and_lines(
    sendq_chat: Chat,
) -> None:
    chat = sendq_chat
    bob = chat.join("bob")
    evil = LineClient.connect(chat.port)
    evil.send(b"\x1b[31mev\x00il\xff\x1b[0m\x07\r\n")  # colours, NUL, a bad byte, a bell
    evil.expect(lambda line: WELCOME in line)
    joined = bob.expect(lambda line: "ev" in line)
    evil.send(b"\x00\x00 nul \xc3\x28 bad \x1b]0;pwned\x07 \x1b[2J\n")
    said = bob.expect(lambda line: "nul" in line)
    # A newline in a nickname ends the nickname: what follows is an ordinary message.
    forger = LineClient.connect(chat.port)
    forger.send("forger\nbob: I owe you\n")
    forger.expect(lambda line: WELCOME in line)
    forged = bob.expect(lambda line: "I owe you" in line)
    assert forged == "forger: bob: I owe you"
    for line in (joined, said, forged):
        assert all(ch.isprintable() for ch in line), repr(line)
    assert joined == "*** evil\ufffd присоединился к чату"
    assert said == "evil\ufffd: nul \ufffd( bad 0;pwned"
    assert_chat(chat)
    assert_healthy(chat.program)


def test_chat_survives_1_mb_lines(chat: Chat) -> None:
    bob = chat.join("bob")
    for name in ("flood1", "flood2"):
        flooder = chat.join(name)
        bob.expect(lambda line, name=name: name in line)
        with contextlib.suppress(OSError):  # the server stops reading and drops it
            flooder.sock.settimeout(10)
            flooder.send(b"f" * (1 << 20) + b"\n")
        flooder.expect_closed(10)
        bob.expect(lambda line, name=name: is_leave(line, name))
        flooder.close()
    assert_chat(chat)
    assert_healthy(chat.program)


@pytest.mark.slow
def test_chat_survives_1000_rapid_connects_and_disconnects(chat: Chat) -> None:
    watcher = chat.join("watcher2")
    baseline = thread_count(chat.program)
    rapid_connects(chat.port)
    # A named user that leaves at once, 100 times: joins and leaves reach the watcher.
    for n in range(100):
        with socket.create_connection((HOST, chat.port), timeout=5) as sock:
            sock.sendall(f"ghost{n}\n".encode())
            if n % 2 == 0:  # a reset may come before the name is read: no join, no leave
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
    watcher.expect(lambda line: is_leave(line, "ghost99"), timeout=20)
    assert wait_until(lambda: thread_count(chat.program) <= baseline + 5, 20), thread_count(
        chat.program
    )
    assert_chat(chat)
    assert_healthy(chat.program)


def test_chat_serves_others_while_a_client_sends_a_byte_at_a_time(chat: Chat) -> None:
    bob = chat.join("bob")
    slow = LineClient.connect(chat.port)
    slow.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = "loris\nпо одному байту\n".encode()
    for index, byte in enumerate(data):
        slow.send(bytes([byte]))
        if index % 10 == 0:
            assert_chat(chat, f"пока loris пишет {index}")
        time.sleep(0.01)
    bob.expect(lambda line: line == "loris: по одному байту")
    # One that never finishes its line holds nobody up either.
    stuck = LineClient.connect(chat.port)
    stuck.send(b"never-ending")
    assert_chat(chat)
    assert_healthy(chat.program)


@pytest.mark.slow
def test_chat_survives_many_idle_connections(chat: Chat, sockets) -> None:
    silent = [sockets(chat.port) for _ in range(250)]  # never say a word
    named = [sockets(chat.port) for _ in range(250)]  # join, then never read or write
    for n, sock in enumerate(named):
        sock.sendall(f"idle{n}\n".encode())
    watcher = chat.join("watcher2")
    talker = chat.join("talker")
    for n in range(50):
        talker.send(f"message {n} to all 500\n")
    for n in range(50):
        watcher.expect(lambda line, n=n: line == f"talker: message {n} to all 500")
    assert_healthy(chat.program)
    assert all(s.fileno() != -1 for s in silent)
