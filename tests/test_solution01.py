"""The lesson 01 reference solution (TCP echo server and its line echo client), driven
over loopback.

An echo server must return exactly the bytes it received, whatever way TCP cut or glued
them: fragmented sends, coalesced sends, a UTF-8 character split between segments, a
stream larger than any socket buffer, and several clients at once. Its client sends
each typed line with its newline and prints the reply once it is whole: in pieces, with
a letter cut between them, or glued to the start of the next reply.
"""

from __future__ import annotations

import signal
import socket
import struct
import threading
import time

import pytest
from conftest import Console, exit_code, send_in_fragments

SERVER = "solutions/01/server.py"
CLIENT = "solutions/01/client.py"


def recv_exactly(sock: socket.socket, size: int, timeout: float = 5.0) -> bytes:
    """Read exactly `size` bytes or fail with what came before the deadline or EOF."""
    deadline = time.monotonic() + timeout
    data = b""
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"expected {size} bytes within {timeout}s, got {data!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(size - len(data))
        except TimeoutError:
            continue
        if not chunk:
            raise AssertionError(f"connection closed after {len(data)} of {size} bytes")
        data += chunk
    return data


@pytest.fixture
def server(start_program):
    program = start_program(SERVER)
    program.wait_listening()
    return program


def test_echoes_one_line_unchanged(server, clients):
    client = clients(server.port)
    client.send("hello\n")
    assert client.read_line() == "hello"


def test_echoes_a_fragmented_message_byte_exact(server, clients):
    client = clients(server.port)
    message = "фрагменты: один ответ\n".encode()
    send_in_fragments(client.sock, message, [1, 5, 9])
    assert recv_exactly(client.sock, len(message)) == message


def test_echoes_a_utf8_character_split_between_segments_byte_exact(server, clients):
    client = clients(server.port)
    message = "ж€😀\n".encode()  # 2-, 3- and 4-byte characters
    send_in_fragments(client.sock, message, [1, 3, 4, 7, 8, 9])
    assert recv_exactly(client.sock, len(message)) == message


def test_echoes_coalesced_messages_in_order(server, clients):
    client = clients(server.port)
    messages = b"first\nsecond\r\nthird\n"
    client.send(messages)  # one sendall: normally one segment, one recv on the server
    assert recv_exactly(client.sock, len(messages)) == messages


def test_echoes_bytes_that_are_not_utf8_or_lines(server, clients):
    client = clients(server.port)
    blob = bytes(range(256))
    client.send(blob)
    assert recv_exactly(client.sock, len(blob)) == blob


def test_echoes_a_stream_larger_than_socket_buffers(server, clients):
    client = clients(server.port)
    stream = bytes(i % 251 for i in range(2_000_000))
    # Send from a thread while reading here: a client that only sends would fill both
    # directions' buffers and deadlock with the server's sendall().
    sender = threading.Thread(target=client.sock.sendall, args=(stream,), daemon=True)
    sender.start()
    assert recv_exactly(client.sock, len(stream), timeout=15) == stream
    sender.join(5)


def test_serves_two_clients_at_the_same_time(server, clients):
    first = clients(server.port)
    second = clients(server.port)
    # The first client stays connected and idle while the second is served.
    second.send("second\n")
    assert second.read_line() == "second"
    first.send("first\n")
    assert first.read_line() == "first"
    second.send("again\n")
    assert second.read_line() == "again"


def test_keeps_serving_after_a_client_closes_or_resets(server, clients):
    leaving = clients(server.port)
    leaving.send("bye\n")
    assert leaving.read_line() == "bye"
    leaving.close()

    resetting = clients(server.port)
    # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    resetting.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    resetting.send("crash")
    resetting.close()

    staying = clients(server.port)
    staying.send("still here\n")
    assert staying.read_line() == "still here"


def test_closes_the_connection_when_the_client_closes_its_side(server, clients):
    client = clients(server.port)
    client.send("last\n")
    client.sock.shutdown(socket.SHUT_WR)
    assert client.read_line() == "last"
    client.expect_closed()


def test_stops_with_exit_code_0_on_sigterm_while_a_client_is_connected(server, clients):
    # SIGTERM takes the same path as Ctrl-C (KeyboardInterrupt). SIGINT itself is not
    # sent: a child inherits an ignored SIGINT from a background CI shell.
    client = clients(server.port)  # a connected client must not keep the server alive
    client.send("x\n")
    assert client.read_line() == "x"
    server.wait_at_rest()  # see Program.wait_at_rest
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=5) == 0, server.proc.stderr.read().decode()  # type: ignore[union-attr]


# --- the client (step 5) ---------------------------------------------------------------
@pytest.fixture
def client_with_raw_server(start_program):
    """client.py connected to a raw listening socket that plays the echo server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(10)
        program = start_program(CLIENT, port=listener.getsockname()[1], stdin=True)
        peer, _ = listener.accept()
    peer.settimeout(5)
    console = Console(program)
    console.expect("Подключено")
    yield console, peer
    peer.close()


def read_sent_line(sock: socket.socket) -> bytes:
    """One line (with its newline) the client sent, read a byte at a time."""
    line = b""
    while not line.endswith(b"\n"):
        byte = sock.recv(1)
        assert byte, f"connection closed after {line!r}"
        line += byte
    return line


def test_client_against_the_reference_server(start_program):
    server = start_program(SERVER)
    server.wait_listening()
    client = Console(start_program(CLIENT, port=server.port, stdin=True))
    client.expect("Подключено")
    for text in ("привет", "ёжик и €", "third line"):
        client.type(text)
        assert client.expect(text) == text
    client.close_input()
    assert exit_code(client.program) == 0


def test_client_sends_each_typed_line_with_its_newline(client_with_raw_server):
    console, peer = client_with_raw_server
    console.type("hello")
    assert read_sent_line(peer) == b"hello\n"


def test_client_prints_a_reply_that_came_in_pieces_whole(client_with_raw_server):
    console, peer = client_with_raw_server
    console.type("ёлка")
    line = read_sent_line(peer)
    send_in_fragments(peer, line, [1, 3])  # "ё" cut in two
    assert console.expect("ёлка") == "ёлка"


def test_client_keeps_the_start_of_the_next_reply(client_with_raw_server):
    console, peer = client_with_raw_server
    console.type("one")
    read_sent_line(peer)
    peer.sendall(b"one\ntw")  # the reply and the start of another in one segment
    assert console.expect("one") == "one"
    console.type("two")
    read_sent_line(peer)
    peer.sendall(b"o\n")
    assert console.expect("two") == "two"


def test_client_says_so_and_ends_with_0_when_the_server_closes(client_with_raw_server):
    console, peer = client_with_raw_server
    console.type("anyone there?")
    read_sent_line(peer)
    peer.close()
    console.expect("закрыл соединение")
    assert exit_code(console.program) == 0
