"""The hint choosers are pure functions of the evidence: each row of their tables proven.

A hint names the bug behind a failure from what the grader saw: the bytes an echo server
sent back (`exact_hint`), a server's exit status and stderr at start (`startup_hint`), a
UDP server's stderr when it died or stopped reading (`UDP_SERVER`). No program runs here.
"""

from __future__ import annotations

import pytest

from autograder.hints import common, lesson01, lesson03
from autograder.i18n import Text
from autograder.source import SyntaxProblem
from autograder.tracebacks import Crash, last_crash
from autograder.verdicts import Hint

DEFAULT = Hint(Text("по умолчанию", "default"), "default")


# --- what an echo sent back ----------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "got", "closed", "anchor", "names"),
    [
        (b"hello\n", b"Echo: hello\n", False, "echo-exact", "Echo: "),  # a prefix
        (b"ab", b"xabab", False, "echo-exact", "xab"),  # a prefix before the last copy
        (b"hi there\n", b">> hi there\n!", False, "echo-exact", ">> "),  # prefix, more after
        (b"\xff\xfe x\n", "\ufffd\ufffd x\n".encode(), False, "echo-exact", "�"),  # decoded
        (b"hello", b"hello\n", False, "echo-exact", "newline"),  # a newline added
        (b"  two spaces\t\r\n", b"two spaces\n", False, "echo-exact", "strip()"),  # stripped
        (b" x\r\n", b" x", False, "echo-exact", "strip()"),  # only the ends differ
        (b"\n", b"", True, "echo-exact", "empty"),  # an empty line closed the connection
    ],
)
def test_exact_hint_names_what_was_done_to_the_bytes(
    sent: bytes, got: bytes, closed: bool, anchor: str, names: str
) -> None:
    hint = lesson01.exact_hint(sent, got, closed, DEFAULT)
    assert hint.anchor == anchor
    assert names.casefold() in hint.text.en.casefold()


@pytest.mark.parametrize(
    ("sent", "got", "closed"),
    [
        (b"hello\n", b"", False),  # nothing came: the check's own hint
        (b"\n", b"", False),  # an empty line not answered, the connection still open
        (b"hello\n", b"help\n", False),  # other bytes altogether
    ],
)
def test_exact_hint_says_nothing_it_cannot_see(sent: bytes, got: bytes, closed: bool) -> None:
    assert lesson01.exact_hint(sent, got, closed, DEFAULT) is DEFAULT


def test_every_row_of_the_exact_bytes_table_is_reachable() -> None:
    """No row hidden behind an earlier one: each is the first to match some case."""
    cases = [
        (b"ab", b"xab"),
        (b"ab", b"xabc"),
        (b"\xff", "\ufffd".encode()),
        (b"a", b"a\n"),
        (b" a ", b"a"),
        (b"\n", b""),
    ]
    first = []
    for sent, got in cases:
        first.append(
            next(n for n, (test, _) in enumerate(lesson01.EXACT_BYTES) if test(sent, got, True))
        )
    assert first == list(range(len(lesson01.EXACT_BYTES)))


# --- a server that did not start -------------------------------------------------------
TRACEBACK = 'Traceback (most recent call last):\n  File "server.py", line 9, in <module>\n'


@pytest.mark.parametrize(
    ("status", "stderr", "hint"),
    [
        (0, "", common.EXITED_CLEANLY),
        (0, TRACEBACK + "OSError: [Errno 98] Address already in use\n", common.EXITED_CLEANLY),
        (1, TRACEBACK + "SyntaxError: invalid syntax\n", common.SYNTAX_ERROR),
        (1, TRACEBACK + "IndentationError: unexpected indent\n", common.SYNTAX_ERROR),
        (1, TRACEBACK + "OSError: [Errno 98] Address already in use\n", common.PORT_IN_USE),
        (
            1,
            TRACEBACK + "OSError: [Errno 99] Cannot assign requested address\n",
            common.BIND_ADDRESS,
        ),
        (1, TRACEBACK + "NameError: name 'HOST' is not defined\n", common.CRASHED_AT_START),
        (-9, "", common.CRASHED_AT_START),
    ],
)
def test_startup_hint_reads_the_exit_and_the_traceback(
    status: int, stderr: str, hint: Hint
) -> None:
    assert common.startup_hint(status, stderr) is hint
    assert common.TCP_SERVER.startup(status, stderr, None) is hint


def test_a_syntax_error_that_a_newer_python_accepts_says_so() -> None:
    problem = SyntaxProblem(
        "server.py", 3, "invalid syntax", "match x:", python="3.8", accepted_by="Python 3.10"
    )
    hint = common.startup_hint(1, TRACEBACK + "SyntaxError: invalid syntax\n", problem)
    assert hint.anchor == "syntax-error" and "Python 3.10" in hint.text.en
    assert "3.8" in hint.text.en


# --- a UDP server that died, stopped reading, or did not start ---------------------------
LISTEN = TRACEBACK + "    sock.listen()\nOSError: [Errno 95] Operation not supported\n"
ASCII = TRACEBACK + "UnicodeDecodeError: 'ascii' codec can't decode byte 0xd0 in position 0\n"
STRICT = TRACEBACK + "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0\n"


@pytest.mark.parametrize(
    ("stderr", "exited", "not_reading"),
    [
        (LISTEN, lesson03.UDP_NO_LISTEN, lesson03.UDP_NO_LISTEN),
        (ASCII, lesson03.UDP_ASCII, lesson03.UDP_ASCII),
        (STRICT, lesson03.UDP_STRICT_DECODE, lesson03.UDP_STRICT_DECODE),
        (ASCII + LISTEN, lesson03.UDP_NO_LISTEN, lesson03.UDP_NO_LISTEN),  # the first row wins
        (TRACEBACK + "KeyError: ('127.0.0.1', 5)\n", lesson03.UDP_SERVER_EXITED, None),
        ("", lesson03.UDP_SERVER_EXITED, None),
        # "Operation not supported" elsewhere than listen()/accept() is not that bug.
        (TRACEBACK + "    sock.sendmsg()\nOSError: Operation not supported\n", None, None),
    ],
)
def test_a_udp_server_is_named_by_its_stderr(
    stderr: str, exited: Hint | None, not_reading: Hint | None
) -> None:
    assert lesson03.UDP_SERVER.exited(stderr) is (exited or lesson03.UDP_SERVER_EXITED)
    assert lesson03.UDP_SERVER.not_reading(stderr) is (not_reading or lesson03.UDP_NOT_READING)


def test_a_udp_server_that_did_not_start_gets_the_start_up_words_first() -> None:
    udp = lesson03.UDP_SERVER.startup
    assert udp(1, LISTEN, None) is lesson03.UDP_NO_LISTEN
    assert udp(0, LISTEN, None) is common.EXITED_CLEANLY
    # A crash while decoding is a crash at start, not the relay's decoding bug.
    assert udp(1, STRICT, None) is common.CRASHED_AT_START
    assert udp(1, TRACEBACK + "OSError: Address already in use\n", None) is common.PORT_IN_USE


def test_a_tcp_server_gets_the_words_of_a_thread_per_client() -> None:
    assert common.TCP_SERVER.exited(ASCII) is common.SERVER_EXITED
    assert common.TCP_SERVER.not_reading(ASCII) is common.NOBODY_READS


def test_first_match_needs_every_clue_of_a_row() -> None:
    table = (((r"alpha", r"beta"), common.PORT_IN_USE), ((r"alpha",), common.BIND_ADDRESS))
    assert common.first_match(table, "alpha beta", DEFAULT) is common.PORT_IN_USE
    assert common.first_match(table, "alpha", DEFAULT) is common.BIND_ADDRESS
    assert common.first_match(table, "beta", DEFAULT) is DEFAULT


def _traceback(file: str, line: int, code: str, last: str) -> str:
    return (
        "Traceback (most recent call last):\n"
        f'  File "{file}", line {line}, in <module>\n    {code}\n'
        '  File "/usr/lib/python3.11/socket.py", line 9, in x\n    pass\n'
        f"{last}\n"
    )


def test_a_crash_is_read_as_its_last_exception_and_the_students_line() -> None:
    stderr = "noise\n" + _traceback("server.py", 5, "PORT = int(sys.argv[1])", "IndexError: list")
    crash = last_crash(stderr)
    assert crash == Crash("IndexError", "list", "server.py", 5, "PORT = int(sys.argv[1])")
    assert last_crash("no traceback here") is None


START_CASES = [
    # (status, stderr, stdout, role, anchor or None, words the English hint must hold)
    (
        1,
        _traceback(
            "server.py",
            3,
            "from loguru import logger",
            "ModuleNotFoundError: No module named 'loguru'",
        ),
        "",
        "server",
        "third-party-module",
        ["loguru", "/usr/bin/python3 (3.11.2)", "logging"],
    ),
    (
        1,
        _traceback("client.py", 3, "import config", "ModuleNotFoundError: No module named 'json'"),
        "",
        "client",
        None,
        [],
    ),
    (
        1,
        _traceback(
            "client.py", 5, "PORT = int(sys.argv[1])", "IndexError: list index out of range"
        ),
        "",
        "client",
        "needs-arguments",
        ["client.py, line 5", "The client"],
    ),
    (1, "", "Usage: python client.py <host> <port>\n", "client", "needs-arguments", ["Usage"]),
    (0, "", "Usage: python client.py <host> <port>\n", "client", None, []),
    (
        1,
        _traceback(
            "server.py",
            20,
            "server.bind((HOST, PORT))",
            "PermissionError: [Errno 13] Permission denied",
        ),
        "",
        "server",
        "port-below-1024",
        ["below 1024", "server.py, line 20"],
    ),
    (
        1,
        _traceback("server.py", 5, "HOST = input('IP: ')", "EOFError: EOF when reading a line"),
        "IP: ",
        "server",
        "listen",
        ["line 5", "input()"],
    ),
    (
        1,
        _traceback("server.py", 9, "x = 1 / 0", "ZeroDivisionError: division by zero"),
        "",
        "server",
        None,
        [],
    ),
]


@pytest.mark.parametrize(("status", "stderr", "stdout", "role", "anchor", "words"), START_CASES)
def test_a_start_failure_is_named_from_the_programs_own_output(
    status: int, stderr: str, stdout: str, role: str, anchor: str | None, words: list[str]
) -> None:
    hint = common.start_hint(status, stderr, stdout, role, "/usr/bin/python3 (3.11.2)")
    assert (hint.anchor if hint else None) == anchor
    for word in words:
        assert hint is not None and word in hint.text.en


def test_a_silent_client_is_promised_a_traceback_only_when_there_is_one() -> None:
    with_traceback = _traceback("client.py", 9, "s.connect(x)", "ConnectionRefusedError: no")
    assert common.client_silent_hint(common.CLIENT_NO_CONNECT, 1, with_traceback, "") is (
        common.CLIENT_NO_CONNECT
    )
    quiet = common.client_silent_hint(common.CLIENT_NO_CONNECT, None, "", "")
    assert "traceback" not in quiet.text.en and "Трассировка" not in quiet.text.ru
    assert quiet.anchor == common.CLIENT_NO_CONNECT.anchor
    usage = common.client_silent_hint(common.CLIENT_NO_CONNECT, 1, "", "usage: client.py PORT")
    assert usage.anchor == "needs-arguments" and "traceback" not in usage.text.en


@pytest.mark.parametrize(
    ("kind", "detail", "words"),
    [
        ("json", "", ["JSON objects"]),
        ("length", "4", ["4-byte binary length"]),
        ("header", "10", ["10-character header"]),
    ],
)
def test_an_own_protocol_is_named_for_the_server_and_for_the_client(
    kind: str, detail: str, words: list[str]
) -> None:
    server = common.own_protocol_hint(kind, detail, "server")
    client = common.own_protocol_hint(kind, detail, "client")
    assert server.anchor == client.anchor == "own-protocol"
    for word in words:
        assert word in server.text.en and word in client.text.en
    assert "The server" in server.text.en and "receiving thread" in client.text.en


def test_an_echo_server_that_answers_otherwise_is_not_told_it_sent_nothing() -> None:
    login = lesson01.answers_otherwise(
        "hello, echo", "Login: Welcome! Everything you type comes back.\n"
    )
    assert login.anchor == "echo"
    assert "nothing back" not in login.text.en and "only the server's own words" in login.text.en
    assert '"hello, echo"' in login.text.en and "«hello, echo»" in login.text.ru
    upper = lesson01.answers_otherwise("hello, echo", "HELLO, ECHO\n")
    assert "other letter case" in upper.text.en and "регистр" in upper.text.ru
