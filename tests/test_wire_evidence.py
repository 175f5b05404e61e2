"""What the wire shows, read right (issue 16): the pure choosers behind the chat checks'
verdicts and hints, tested without a network."""

from __future__ import annotations

import re
import socket

import pytest

from autograder.checks import chat
from autograder.checks.chat import majority, own_prefix, relayed_exit, relayed_from
from autograder.checks.lesson03 import sendto_after_loop
from autograder.checks.lesson04 import BYTES_REPR
from autograder.checks.transports import repeated
from autograder.evidence import two_readers
from autograder.hints.lesson03 import (
    UDP_SENDTO_AFTER_LOOP,
    udp_client_first_datagram_hint,
    udp_client_prefix_hint,
)
from autograder.hints.lesson04 import (
    CLIENT_RECV_RACE,
    client_prefix_hint,
    nickname_bytes_hint,
    text_rewritten_hint,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer
from autograder.verdicts import CheckFailed, Transcript


class _Peer:
    """A stand-in with a peer's `name` and `local_port`."""

    name = "bob"
    local_port = 35980


def test_a_line_tagged_with_the_senders_port_is_relayed_not_composed() -> None:
    relayed = relayed_from(_Peer())  # type: ignore[arg-type]
    assert relayed.search("('127.0.0.1', 35980): bob")
    assert not relayed.search("bob joined the chat")
    assert not relayed.search("('127.0.0.1', 359801): bob")  # another port, not this one
    assert not relayed.search("bob ('127.0.0.1', 35980) joined")  # composed, with the address
    assert not relayed.search("('127.0.0.1', 35980): bob joined")


def test_a_bytes_repr_of_the_name_is_found() -> None:
    assert BYTES_REPR.search("[+] b'bob\\n' joined").group(0) == "b'bob\\n'"  # type: ignore[union-attr]
    assert BYTES_REPR.search('b"bob": hi')
    assert not BYTES_REPR.search("bob: hi")
    assert "b'bob\\n'" in nickname_bytes_hint("b'bob\\n'").text.en
    assert nickname_bytes_hint("b'bob'").anchor == "strip-nickname"


def test_a_client_prefix_is_what_comes_before_the_typed_text() -> None:
    typed = "hello from the keyboard"
    assert own_prefix(f"[12:05] alice: {typed}", typed) == "[12:05] alice:"
    assert own_prefix(f"alice: {typed}", typed) == "alice:"
    assert own_prefix(f"{typed}\r", typed) == ""
    assert own_prefix("something else", typed) == ""
    assert client_prefix_hint("alice: hi").anchor == "client"
    assert udp_client_prefix_hint("alice: hi").anchor == "udp-client"


def test_udp_first_datagram_hint_quotes_it() -> None:
    hint = udp_client_first_datagram_hint("alice connect")
    assert "alice connect" in hint.text.en and "alice connect" in hint.text.ru
    assert hint.anchor == "udp-client"


def test_text_rewritten_hint_quotes_both_forms() -> None:
    hint = text_rewritten_hint("good morning everyone", "good: morning: everyone")
    assert "good: morning: everyone" in hint.text.en and "good morning everyone" in hint.text.en
    assert hint.anchor == "text-rewritten"


def test_majority_keeps_the_outcome_met_most_often() -> None:
    passed = ((True, True), True)
    failed = ((True, False), False)
    assert majority([failed, passed, passed]) == 1
    assert majority([passed, failed, failed]) == 1
    assert majority([failed, failed]) == 0
    assert majority([passed]) == 0


SENDTO_AFTER_LOOP = """
while True:
    data, addr = sock.recvfrom(65535)
    for member in members:
        if member == addr:
            continue
    sock.sendto(data, member)
"""

SENDTO_IN_LOOP = """
while True:
    data, addr = sock.recvfrom(65535)
    for member in members:
        if member != addr:
            sock.sendto(data, member)
    sock.sendto(b"ok", addr)
"""


def test_sendto_after_the_loop_is_told_from_sendto_in_it() -> None:
    assert sendto_after_loop(SENDTO_AFTER_LOOP)
    assert not sendto_after_loop(SENDTO_IN_LOOP)
    assert not sendto_after_loop("def broken(:\n")
    assert UDP_SENDTO_AFTER_LOOP.anchor == "udp-broadcast"


def test_a_line_repeated_again_and_again_is_a_flood() -> None:
    a, b = socket.socketpair()
    try:
        peer = TcpPeer("alice", a, Transcript())
        peer.text = "carol joined\n" + " говорит > carol\n" * 5
        assert repeated(peer, "говорит > carol", wait=0)
        peer.text = "carol joined\ncarol left\n"
        assert not repeated(peer, "carol left", wait=0)
    finally:
        a.close()
        b.close()


def test_a_relayed_exit_word_is_no_leave_notice() -> None:
    not_a_notice = re.compile(relayed_exit("carol"), re.IGNORECASE)
    assert not_a_notice.search("carol__SEP__exit")
    assert not_a_notice.search("carol: exit")
    assert not_a_notice.search("[carol] exit")
    assert not not_a_notice.search("carol left the chat")
    assert not not_a_notice.search("carol вышел (exit)")  # a line the server composed


def test_two_threads_blocked_reading_one_socket_is_a_race() -> None:
    # /proc/PID/task/TID/syscall: the number, then the arguments (the descriptor first).
    racing = ["45 0x3 0x7f0 0x400 0x0 0x0 0x0 0x7ffd 0x7f1", "45 0x3 0x7f2 0x400 0x0"]
    assert two_readers(racing, "x86_64")
    apart = ["0 0x0 0x55d 0x2000 0x0", "45 0x3 0x7f2 0x400 0x0"]  # input() and recv()
    assert not two_readers(apart, "x86_64")
    assert not two_readers(["running"], "x86_64")
    assert not two_readers(racing, "unknown-machine")  # no table: no claim


class _Ctx:
    """What graded_by_majority uses of a check's context."""

    def __init__(self) -> None:
        self.steps: list = []
        self.notes: list = []
        self.transcript = Transcript()
        self._client = None

    def note(self, text: object) -> None:
        self.notes.append(text)


def _attempts(ctx: _Ctx, outcomes: list[bool]) -> tuple[list[int], object]:
    """An attempt that passes or fails in turn as `outcomes` says; how often it ran."""

    runs: list[int] = []

    def attempt() -> None:
        runs.append(1)
        if not outcomes[len(runs) - 1]:
            raise CheckFailed(Text("нет", "no"))

    return runs, attempt


def test_a_client_that_fails_for_good_is_settled_in_two_runs() -> None:

    ctx = _Ctx()
    runs, attempt = _attempts(ctx, [False] * 5)
    with pytest.raises(CheckFailed):
        chat.graded_by_majority(ctx, attempt)  # type: ignore[arg-type]
    assert len(runs) == 2


def test_a_race_lost_only_sometimes_does_not_decide(monkeypatch: pytest.MonkeyPatch) -> None:

    ctx = _Ctx()
    runs, attempt = _attempts(ctx, [False, False, True, False, False])
    monkeypatch.setattr(chat, "client_races", lambda _ctx: True)
    chat.graded_by_majority(ctx, attempt)  # type: ignore[arg-type]  # passes: no raise
    assert len(runs) == 3 and ctx.notes


def test_a_race_lost_every_time_fails_and_is_named(monkeypatch: pytest.MonkeyPatch) -> None:

    ctx = _Ctx()
    runs, attempt = _attempts(ctx, [False] * chat.RACE_RUNS)
    monkeypatch.setattr(chat, "client_races", lambda _ctx: True)
    with pytest.raises(CheckFailed) as failed:
        chat.graded_by_majority(ctx, attempt)  # type: ignore[arg-type]
    assert len(runs) == chat.RACE_RUNS and failed.value.hint == CLIENT_RECV_RACE


def test_a_new_line_starts_before_a_chain_of_cut_off_names() -> None:
    # No line endings from the server, names kept with theirs: what alice has when bob
    # speaks. His message must be read with the cut-off "bob⏎" before it.
    a, b = socket.socketpair()
    try:
        peer = TcpPeer("alice", a, Transcript(), {"alice", "bob", "carol"})
        peer.text = "bob\n joined the chatcarol\n joined the chat"
        since = peer.line_start()
        peer.text += "bob\n: the weather is fine"
        assert peer.expect("bob", "the weather is fine", timeout=0, since=since)
        peer.text = "hello\nbob: hi\n"  # no cut-off name: the next line starts at the end
        assert peer.line_start() == len(peer.text)
    finally:
        a.close()
        b.close()
