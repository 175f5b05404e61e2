"""The code on the site's "framing and what next" page: docs/examples/*.py, run for real.

The page includes these files (pymdownx.snippets), so what a student reads is what runs
here. Framing is tested the h11 way, without a network: all at once, one byte at a
time, with trailing data; the rest over loopback. What needs a switched-off network
(a dead peer) or listening on every address runs in a private network namespace.
"""

from __future__ import annotations

import errno
import json
import socket
import subprocess
import sys
import textwrap
import threading

import pytest
from conftest import HOST, LOOPBACK_UP, ROOT, private_network_namespace

EXAMPLES = ROOT / "docs" / "examples"
sys.path.insert(0, str(EXAMPLES))

import addresses  # noqa: E402
import dead_peers  # noqa: E402
import framing  # noqa: E402
import half_close  # noqa: E402

NETNS = private_network_namespace()
needs_netns = pytest.mark.skipif(
    NETNS is None, reason="needs a private network namespace (unshare --net)"
)


class ScriptedSocket:
    """Plays a peer's byte stream back through recv(), at most `chunk` bytes per call."""

    def __init__(self, data: bytes, chunk: int) -> None:
        self.data = data
        self.chunk = chunk

    def recv(self, size: int) -> bytes:
        piece = self.data[: min(size, self.chunk)]
        self.data = self.data[len(piece) :]
        return piece


def framed(*payloads: bytes) -> bytes:
    return b"".join(framing.HEADER.pack(len(p)) + p for p in payloads)


def read_all(sock: object) -> list[bytes]:
    messages = []
    while (message := framing.recv_message(sock)) is not None:
        messages.append(message)
    return messages


# --- length prefixes -------------------------------------------------------------------

MESSAGES = [b"hello", b"", "строка\nс переводом строки".encode(), bytes(range(256)) * 40]


@pytest.mark.parametrize("chunk", [1, 3, 4, 5, 1 << 20], ids=lambda c: f"recv-{c}")
def test_length_prefixed_messages_survive_any_split_of_the_stream(chunk):
    """All at once (1 MiB per recv) down to one byte per recv: the same messages, even
    an empty one and one that contains "\\n"."""
    assert read_all(ScriptedSocket(framed(*MESSAGES), chunk)) == MESSAGES


@pytest.mark.parametrize("cut", [1, 3, 4, 5, 9])
def test_a_stream_that_ends_inside_a_message_is_an_error_not_a_short_message(cut):
    stream = framed(b"first", b"second")
    truncated = ScriptedSocket(stream[: len(stream) - cut], chunk=2)
    assert framing.recv_message(truncated) == b"first"
    with pytest.raises(EOFError):
        framing.recv_message(truncated)


def test_a_length_above_the_limit_is_refused_before_reading_it():
    huge = framing.HEADER.pack(framing.MAX_MESSAGE + 1) + b"x" * 10
    with pytest.raises(ValueError):
        framing.recv_message(ScriptedSocket(huge, chunk=1 << 20))
    a, b = socket.socketpair()
    with a, b, pytest.raises(ValueError):
        framing.send_message(a, b"x" * (framing.MAX_MESSAGE + 1))


def test_length_prefixed_messages_cross_a_real_tcp_connection():
    with socket.create_server((HOST, 0)) as listener:
        sender = socket.create_connection(listener.getsockname())
        receiver, _ = listener.accept()
    with sender, receiver:
        receiver.settimeout(10)
        for message in MESSAGES:
            framing.send_message(sender, message)
        sender.shutdown(socket.SHUT_WR)
        assert read_all(receiver) == MESSAGES


# --- half-close ------------------------------------------------------------------------


def test_half_close_lets_the_server_see_the_end_and_still_answer():
    """shutdown(SHUT_WR): the server's recv returns b"" (the request is over), and the
    answer still comes back over the same connection."""
    with socket.create_server((HOST, 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=10)
        conn, _ = listener.accept()
    conn.settimeout(10)
    server = threading.Thread(target=half_close.answer_with_count, args=(conn,))
    server.start()
    assert half_close.ask(client, b"x" * 300_000) == "получено 300000 байт\n".encode()
    server.join(10)
    assert not server.is_alive()


def test_without_half_close_the_server_keeps_waiting_for_more():
    """The same request without shutdown(SHUT_WR): the server cannot know it is over."""
    with socket.create_server((HOST, 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        conn, _ = listener.accept()
    with client, conn:
        client.sendall(b"x" * 1000)
        conn.settimeout(0.5)
        assert conn.recv(4096) == b"x" * 1000
        with pytest.raises(TimeoutError):  # no b"": the request might go on
            conn.recv(4096)


# --- dead peers ------------------------------------------------------------------------

DEAD_PEER_PROBE = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, EXAMPLES)
    from dead_peers import enable_keepalive
    set_loopback(up=True)
    listener = socket.create_server(("127.0.0.1", 0))
    result = {}
    for keepalive in (False, True):
        client = socket.create_connection(listener.getsockname())
        peer, _ = listener.accept()
        if keepalive:
            enable_keepalive(client, idle=1, interval=1, count=2)
        set_loopback(up=False)  # the peer vanishes: no FIN, no RST, only silence
        client.settimeout(6)
        started = time.monotonic()
        try:
            client.recv(1)
            outcome = "data"
        except TimeoutError as exc:
            outcome = exc.errno  # None: our own timeout; ETIMEDOUT: the kernel gave up
        result[str(keepalive)] = [outcome, round(time.monotonic() - started, 1)]
        set_loopback(up=True)
    print(json.dumps(result))
    """
)


@needs_netns
def test_keepalive_turns_a_vanished_peer_into_an_error_while_plain_recv_waits():
    """Loopback switched off mid-connection (in a private namespace): without keepalive
    recv() hears nothing and waits until our own 6 s timeout; with keepalive (idle 1 s,
    2 probes 1 s apart) the kernel gives up after about 3 s with ETIMEDOUT."""
    assert NETNS is not None
    probe = subprocess.run(
        [
            *NETNS,
            sys.executable,
            "-c",
            f"EXAMPLES = {str(EXAMPLES)!r}\n{LOOPBACK_UP}{DEAD_PEER_PROBE}",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    plain, kept_alive = result["False"], result["True"]
    assert plain[0] is None and plain[1] >= 5.5  # only our own timeout ended the wait
    assert kept_alive[0] == errno.ETIMEDOUT and 2.5 <= kept_alive[1] < 5.5


def test_heartbeats_forget_exactly_the_addresses_that_went_silent():
    now = [100.0]
    beats = dead_peers.Heartbeats(timeout=30, clock=lambda: now[0])
    beats.heard(("127.0.0.1", 5001))
    beats.heard(("127.0.0.1", 5002))
    now[0] += 20
    beats.heard(("127.0.0.1", 5002))  # 5002 keeps sending, 5001 went quiet
    assert beats.gone() == []
    now[0] += 15
    assert beats.gone() == [("127.0.0.1", 5001)]
    assert beats.gone() == []  # forgotten once
    now[0] += 31
    assert beats.gone() == [("127.0.0.1", 5002)]


# --- addresses -------------------------------------------------------------------------

ADDRESSES_PROBE = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, EXAMPLES)
    from addresses import connect, listen_on_every_address
    set_loopback(up=True)

    def reaches(host, port):
        try:
            connect(host, port, timeout=2).close()
            return True
        except OSError:
            return False

    result = {}
    with listen_on_every_address(0) as everywhere:
        port = everywhere.getsockname()[1]
        result["every address"] = {h: reaches(h, port) for h in ("127.0.0.1", "127.0.0.2", "::1")}
    with socket.create_server(("127.0.0.1", 0)) as loopback_only:
        port = loopback_only.getsockname()[1]
        result["127.0.0.1"] = {h: reaches(h, port) for h in ("127.0.0.1", "127.0.0.2", "::1")}
    print(json.dumps(result))
    """
)


@needs_netns
def test_binding_the_empty_address_takes_connections_on_every_address_of_the_machine():
    """bind(("", port)) in dual-stack IPv6: IPv4 and IPv6, every address (here the whole
    of 127.0.0.0/8 and ::1, in a namespace of its own so that nothing outside sees it);
    bound to 127.0.0.1, only that one address answers."""
    assert NETNS is not None
    probe = subprocess.run(
        [
            *NETNS,
            sys.executable,
            "-c",
            f"EXAMPLES = {str(EXAMPLES)!r}\n{LOOPBACK_UP}{ADDRESSES_PROBE}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result["every address"] == {"127.0.0.1": True, "127.0.0.2": True, "::1": True}
    assert result["127.0.0.1"] == {"127.0.0.1": True, "127.0.0.2": False, "::1": False}


def test_connect_tries_every_address_getaddrinfo_returns():
    """connect() walks getaddrinfo's list: a name works as well as an address."""
    with socket.create_server((HOST, 0)) as listener:
        port = listener.getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            with addresses.connect(host, port) as sock:
                assert sock.getpeername()[1] == port
    with pytest.raises(OSError):
        addresses.connect(HOST, port, timeout=2)  # the listener is gone: refused


def test_example_files_are_the_ones_the_page_includes():
    for language in ("next.md", "next.en.md"):
        page = (ROOT / "docs" / language).read_text(encoding="utf-8")
        for example in sorted(EXAMPLES.glob("*.py")):
            assert f"docs/examples/{example.name}" in page, (
                f"{language} does not show {example.name}"
            )
