"""The lesson 01 reference solution (TCP echo server), driven over loopback.

An echo server must return exactly the bytes it received, whatever way TCP cut or glued
them: fragmented sends, coalesced sends, a UTF-8 character split between segments, a
stream larger than any socket buffer, and several clients at once.
"""

from __future__ import annotations

import signal
import socket
import struct
import threading
import time

import pytest
from conftest import send_in_fragments

SERVER = "solutions/01/server.py"


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
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=5) == 0
