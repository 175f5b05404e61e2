"""The lesson 02 reference solution (two-user console chat), driven over loopback.

Both programs are real subprocesses: the tests type on their stdin and read their
stdout. Where a test needs to misbehave like a real network (fragments, coalesced
lines, a reset), it plays one side itself with a raw socket.
"""

from __future__ import annotations

import signal
import socket
import struct
from collections.abc import Iterator

import pytest
from conftest import Console, exit_code, send_in_fragments

SERVER = "solutions/02/server.py"
CLIENT = "solutions/02/client.py"
HOST = "127.0.0.1"


@pytest.fixture
def chat(start_program):
    """A running server.py with client.py connected to it: (server console, client console)."""
    server = start_program(SERVER, stdin=True)
    server.wait_listening()
    server_console = Console(server)
    client = start_program(CLIENT, port=server.port, stdin=True)
    client_console = Console(client)
    server_console.expect("подключился")
    client_console.expect("Подключено")
    return server_console, client_console


@pytest.fixture
def server_with_raw_peer(start_program) -> Iterator[tuple[Console, socket.socket]]:
    """A running server.py with a raw test socket connected to it."""
    server = start_program(SERVER, stdin=True)
    server.wait_listening()
    console = Console(server)
    peer = socket.create_connection((HOST, server.port), timeout=5)
    console.expect("подключился")
    yield console, peer
    peer.close()


@pytest.fixture
def client_with_raw_peer(start_program) -> Iterator[tuple[Console, socket.socket]]:
    """A running client.py connected to a raw listening socket that plays the server."""
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)
        listener.settimeout(10)
        client = start_program(CLIENT, port=listener.getsockname()[1], stdin=True)
        peer, _ = listener.accept()
    peer.settimeout(5)
    console = Console(client)
    console.expect("Подключено")
    yield console, peer
    peer.close()


def read_line(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """One line (with its newline) from a raw socket, reading a byte at a time."""
    sock.settimeout(timeout)
    line = b""
    while not line.endswith(b"\n"):
        byte = sock.recv(1)
        assert byte, f"connection closed after {line!r}"
        line += byte
    return line


def test_lines_typed_on_each_side_appear_on_the_other(chat):
    server, client = chat
    client.type("привет, сервер")
    assert server.expect("привет, сервер")
    server.type("привет, клиент")
    assert client.expect("привет, клиент")
    client.type("как дела?")
    server.type("отлично")
    assert server.expect("как дела?")
    assert client.expect("отлично")


@pytest.mark.parametrize("side", ["client", "server"])
def test_exit_on_either_side_ends_both_with_code_0(chat, side):
    server, client = chat
    leaving, staying = (client, server) if side == "client" else (server, client)
    leaving.type("exit")
    assert staying.expect("вышел")
    assert exit_code(leaving.program) == 0
    assert exit_code(staying.program) == 0


def test_end_of_input_acts_like_exit(chat):
    server, client = chat
    client.type("последнее сообщение")
    assert server.expect("последнее сообщение")
    client.close_input()
    assert server.expect("вышел")
    assert exit_code(client.program) == 0
    assert exit_code(server.program) == 0


def test_sigterm_during_the_chat_leaves_like_exit(chat):
    server, client = chat
    client.program.proc.send_signal(signal.SIGTERM)  # the same path as Ctrl-C
    assert client.expect("Вы вышли")
    assert server.expect("вышел")
    assert exit_code(client.program) == 0
    assert exit_code(server.program) == 0


def test_typed_line_goes_out_as_one_utf8_line(server_with_raw_peer):
    console, peer = server_with_raw_peer
    console.type("ёжик €")
    assert read_line(peer) == "ёжик €\n".encode()


def test_server_reassembles_fragmented_line_and_split_utf8_character(server_with_raw_peer):
    console, peer = server_with_raw_peer
    line = "привет, мир\n".encode()
    send_in_fragments(peer, line, [1, 3, 8])  # cuts inside "п" and "в"
    assert console.expect("привет, мир").endswith("привет, мир")


def test_server_prints_coalesced_lines_separately(server_with_raw_peer):
    console, peer = server_with_raw_peer
    peer.sendall("один\nдва\r\nтри\n".encode())
    assert console.expect("один").endswith("один")
    assert console.expect("два").endswith("два")  # "\r" stripped too
    assert console.expect("три").endswith("три")


def test_client_reassembles_fragmented_and_coalesced_lines(client_with_raw_peer):
    console, peer = client_with_raw_peer
    send_in_fragments(peer, "ж€😀 раз\nдва\n".encode(), [1, 4, 6, 10])
    assert console.expect("ж€😀 раз").endswith("ж€😀 раз")
    assert console.expect("два").endswith("два")


def test_invalid_utf8_is_shown_replaced_not_a_crash(client_with_raw_peer):
    console, peer = client_with_raw_peer
    peer.sendall(b"bad \xff\xfe bytes\nok\n")
    assert console.expect("bytes")
    assert console.expect("ok")


def test_client_sends_typed_lines_and_exits_when_server_closes(client_with_raw_peer):
    console, peer = client_with_raw_peer
    console.type("hello")
    assert read_line(peer) == b"hello\n"
    peer.close()
    assert console.expect("вышел")
    assert exit_code(console.program) == 0


def test_server_reports_a_reset_connection_and_exits_0(server_with_raw_peer):
    console, peer = server_with_raw_peer
    # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()
    assert console.expect("вышел")
    assert exit_code(console.program) == 0


def test_server_refuses_a_second_client(server_with_raw_peer):
    console, _peer = server_with_raw_peer
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, console.program.port), timeout=5).close()


def test_server_stops_with_code_0_on_sigterm_while_waiting(start_program):
    server = start_program(SERVER, stdin=True)
    server.wait_listening()
    server.proc.send_signal(signal.SIGTERM)
    assert exit_code(server) == 0


def test_client_exits_1_with_a_message_when_no_server_listens(start_program):
    client = start_program(CLIENT, stdin=True)  # a free port: nobody listens there
    assert exit_code(client) == 1
    assert "Не удалось подключиться" in client.proc.stderr.read().decode()
