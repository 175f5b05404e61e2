"""The lesson 03 reference solution (UDP multi-user chat), driven over loopback.

The server is tested with raw UDP sockets playing the users; the client is tested with
a raw UDP socket playing the server while the test types on the client's stdin; one
test runs both real programs together.
"""

from __future__ import annotations

import signal
import socket

import pytest
from conftest import Console, exit_code

SERVER = "solutions/03/server.py"
CLIENT = "solutions/03/client.py"
HOST = "127.0.0.1"


class UdpUser:
    """A raw UDP chat user (or a fake server) with a deadline on every receive."""

    def __init__(self, server_port: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.server = (HOST, server_port) if server_port else None
        self.received: list[str] = []

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def send(self, message: str | bytes, to: tuple[str, int] | None = None) -> None:
        data = message.encode() if isinstance(message, str) else message
        self.sock.sendto(data, to or self.server)

    def receive(self, timeout: float = 5.0) -> tuple[str, tuple[str, int]]:
        """The next datagram as text, and who sent it."""
        self.sock.settimeout(timeout)
        try:
            data, addr = self.sock.recvfrom(65535)
        except TimeoutError:
            raise AssertionError(
                f"no datagram within {timeout}s; received so far {self.received!r}"
            ) from None
        text = data.decode("utf-8", errors="replace")
        self.received.append(text)
        return text, addr

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(start_program):
    program = start_program(SERVER, udp=True)
    program.wait_listening("udp")
    return program


@pytest.fixture
def users(server):
    """Factory: users("alice") joins a new raw user; all are closed at the end."""
    joined: list[UdpUser] = []

    def join(nickname: str) -> UdpUser:
        user = UdpUser(server.port)
        user.send(nickname)
        joined.append(user)
        return user

    yield join
    for user in joined:
        user.close()


def test_join_message_and_leave_reach_every_other_user(users):
    alice = users("alice")
    bob = users("bob")
    assert alice.receive()[0] == "bob присоединился к чату."
    carol = users("carol")
    assert "carol" in alice.receive()[0]
    assert "carol" in bob.receive()[0]

    alice.send("привет всем")
    assert bob.receive()[0] == "alice: привет всем"
    assert carol.receive()[0] == "alice: привет всем"

    carol.send("exit")
    assert alice.receive()[0] == "carol вышел из чата."
    assert bob.receive()[0] == "carol вышел из чата."

    bob.send("carol ушла")
    assert alice.receive()[0] == "bob: carol ушла"


def test_sender_does_not_receive_its_own_message(users):
    alice = users("alice")
    bob = users("bob")
    assert "bob" in alice.receive()[0]
    alice.send("from alice")
    assert bob.receive()[0] == "alice: from alice"
    bob.send("from bob")
    # UDP promises no order, but here one thread sends from one socket over loopback,
    # which in practice delivers in order: had the server echoed alice's message back
    # to her, it would come first.
    assert alice.receive()[0] == "bob: from bob"


def test_trailing_newline_is_not_part_of_the_message(users):
    alice = users("alice\n")
    bob = users("bob\r\n")
    assert alice.receive()[0] == "bob присоединился к чату."
    alice.send("hi\r\n")
    assert bob.receive()[0] == "alice: hi"


def test_invalid_utf8_is_replaced_and_the_server_keeps_serving(users):
    alice = users("alice")
    bob = users("bob")
    assert "bob" in alice.receive()[0]
    bob.send(b"bad \xff\xfe\xc3 bytes")
    assert alice.receive()[0] == "bob: bad \ufffd\ufffd\ufffd bytes"
    bob.send("still fine")
    assert alice.receive()[0] == "bob: still fine"


def test_long_message_arrives_whole_in_one_datagram(users):
    alice = users("alice")
    bob = users("bob")
    assert "bob" in alice.receive()[0]
    long_text = "ж" * 30_000  # 60 000 bytes: far more than a typical recv(1024)
    bob.send(long_text)
    assert alice.receive()[0] == f"bob: {long_text}"


def test_server_stops_with_code_0_on_sigterm(server):
    server.proc.send_signal(signal.SIGTERM)
    assert exit_code(server) == 0


@pytest.fixture
def client_with_fake_server(start_program):
    """client.py talking to a raw UDP socket that plays the server."""
    fake_server = UdpUser()
    client = start_program(CLIENT, port=fake_server.port, stdin=True)
    yield Console(client), fake_server
    fake_server.close()


def test_client_sends_nickname_then_typed_lines(client_with_fake_server):
    console, fake_server = client_with_fake_server
    console.expect("имя")
    console.type("alice")
    assert fake_server.receive()[0] == "alice"
    console.type("привет")
    assert fake_server.receive()[0] == "привет"


def test_client_prints_messages_while_waiting_for_input(client_with_fake_server):
    console, fake_server = client_with_fake_server
    console.type("alice")
    _, client_addr = fake_server.receive()
    fake_server.send("bob присоединился к чату.", to=client_addr)
    fake_server.send("bob: ёлки", to=client_addr)
    assert console.expect("bob присоединился")
    assert console.expect("bob: ёлки")


@pytest.mark.parametrize("leave", ["exit", "end of input"])
def test_client_leaves_with_exit_datagram_and_code_0(client_with_fake_server, leave):
    console, fake_server = client_with_fake_server
    console.type("alice")
    assert fake_server.receive()[0] == "alice"
    if leave == "exit":
        console.type("exit")
    else:
        console.program.proc.stdin.close()
    assert fake_server.receive()[0] == "exit"
    assert exit_code(console.program) == 0


def test_client_and_server_chat_together(start_program, server, users):
    client = Console(start_program(CLIENT, port=server.port, stdin=True))
    client.type("alice")
    client.expect("Вы в чате")
    bob = users("bob")
    assert client.expect("bob присоединился")
    bob.send("привет, alice")
    assert client.expect("bob: привет, alice")
    client.type("привет, bob")
    assert bob.receive()[0] == "alice: привет, bob"
    client.type("exit")
    assert bob.receive()[0] == "alice вышел из чата."
    assert exit_code(client.program) == 0


@pytest.mark.parametrize("typed_as", ["message", "nickname"])
def test_client_refuses_a_line_longer_than_a_datagram_and_keeps_chatting(
    client_with_fake_server, typed_as
):
    """sendto of more than 65,507 bytes raises OSError (tests/test_socket_facts.py): the
    client must say so and go on, not die with a traceback on a long pasted line."""
    console, fake_server = client_with_fake_server
    too_long = "ж" * 40_000  # 80,000 bytes in UTF-8
    if typed_as == "message":
        console.type("alice")
        assert fake_server.receive()[0] == "alice"
    console.type(too_long)
    assert console.expect("Не отправлено: 80000 байт")
    console.type("alice" if typed_as == "nickname" else "короткое")
    # The next datagram is the short line: nothing at all was sent for the long one.
    assert fake_server.receive()[0] == ("alice" if typed_as == "nickname" else "короткое")
    console.type("exit")
    assert fake_server.receive()[0] == "exit"
    assert exit_code(console.program) == 0
    assert b"Traceback" not in console.program.proc.stderr.read()
