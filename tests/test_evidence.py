"""The evidence layer without a network: tracebacks read as the student would read them,
and the chooser's order (traceback, then the program's state, then the wire's hint).

The tracebacks are the real ones of the student-style submissions in tests/submissions/
(as the report shows them: the student's files relative, the standard library absolute).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from autograder.evidence import (
    Evidence,
    ProgramState,
    choose,
    polling,
    program_state,
    recv_loop_spins,
)
from autograder.hints.common import NOBODY_READS, RESET_CRASH, SERVER_EXITED, SPLIT_CHARACTER
from autograder.hints.evidence import ONE_READER, RECEIVER_ENDED
from autograder.hints.lesson02 import PEER_LEFT
from autograder.hints.lesson04 import (
    BAD_INPUT,
    CLIENT_NO_RECEIVER,
    LEAVER_KEPT,
    NO_LEAVE_NOTICE,
    RECV_IS_NOT_A_MESSAGE,
    SLOW_CONSUMER,
)
from autograder.tracebacks import Crash, last_crash

LIB = "/usr/lib/python3.11"

# 04-history-json-thread-dies: json.load of an empty history.json in every client thread.
JSON_DECODE = f"""подключился alice ('127.0.0.1', 41822)
Exception in thread Thread-1 (client_thread):
Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "{LIB}/threading.py", line 975, in run
    self._target(*self._args, **self._kwargs)
  File "server.py", line 57, in client_thread
    save(nick, line)
  File "server.py", line 29, in save
    history = json.load(f)
              ^^^^^^^^^^^^
  File "{LIB}/json/__init__.py", line 293, in load
    return loads(fp.read(),
           ^^^^^^^^^^^^^^^^
  File "{LIB}/json/decoder.py", line 355, in raw_decode
    raise JSONDecodeError("Expecting value", s, err.value) from None
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
"""

# 04-reset-then-typeerror: the reset is caught, its handler then dies on clients.pop(sock).
CHAINED_TYPEERROR = f"""Exception in thread Thread-3 (handle):
Traceback (most recent call last):
  File "server.py", line 24, in handle
    data = sock.recv(1024)
           ^^^^^^^^^^^^^^^
ConnectionResetError: [Errno 104] Connection reset by peer

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "{LIB}/threading.py", line 975, in run
    self._target(*self._args, **self._kwargs)
  File "server.py", line 37, in handle
    clients.pop(sock)
TypeError: 'socket' object cannot be interpreted as an integer
"""

# 04-join-ebadf-thread-dies: a send to carol's closed socket, still in the list.
EBADF = f"""Exception in thread Thread-4 (handle):
Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "{LIB}/threading.py", line 975, in run
    self._target(*self._args, **self._kwargs)
  File "server.py", line 35, in handle
    send_to_all(name + " вошёл в чат", conn)
  File "server.py", line 14, in send_to_all
    conn.send((msg + "\\n").encode("utf-8"))
OSError: [Errno 9] Bad file descriptor
"""

# 04-client-thread-nameerror: the client's receiving thread, datetime never imported.
NAME_ERROR = f"""Exception in thread Thread-1 (receive):
Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "{LIB}/threading.py", line 975, in run
    self._target(*self._args, **self._kwargs)
  File "client.py", line 18, in receive
    print(f"[{{datetime.now():%H:%M}}] {{data.decode().strip()}}")
              ^^^^^^^^
NameError: name 'datetime' is not defined
"""

# 04-reset-crash: a reset nobody catches.
RESET = f"""Exception in thread Thread-3 (handle_client):
Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "server.py", line 20, in handle_client
    data = conn.recv(1024)
           ^^^^^^^^^^^^^^^
ConnectionResetError: [Errno 104] Connection reset by peer
"""

# 04-reset-then-valueerror, later: bob's thread sends to carol, reset and still listed.
BROKEN_PIPE = f"""Exception in thread Thread-2 (handle):
Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "{LIB}/threading.py", line 975, in run
    self._target(*self._args, **self._kwargs)
  File "server.py", line 41, in handle
    broadcast(f'{{nickname}}: {{text}}\\n'.encode(), client)
  File "server.py", line 16, in broadcast
    client.send(message)
BrokenPipeError: [Errno 32] Broken pipe
"""

# 04-removes-sender: the send to carol's closed socket is caught; the handler then removes
# the sender, who is not in the list any more.
EBADF_THEN_VALUEERROR = f"""Exception in thread Thread-5 (handle):
Traceback (most recent call last):
  File "server.py", line 11, in broadcast
    client.send(message)
OSError: [Errno 9] Bad file descriptor

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "server.py", line 28, in handle
    broadcast(f"{{name}}: {{data.decode().strip()}}\\n".encode(), conn)
  File "server.py", line 14, in broadcast
    clients.remove(sender)
ValueError: list.remove(x): x not in list
"""

# A split letter decoded on its own (the split-utf8 bug itself).
UNICODE = f"""Exception in thread Thread-2 (handle):
Traceback (most recent call last):
  File "{LIB}/threading.py", line 1038, in _bootstrap_inner
    self.run()
  File "server.py", line 22, in handle
    text = data.decode()
           ^^^^^^^^^^^^^
UnicodeDecodeError: 'utf-8' codec can't decode byte 0xd1 in position 0: unexpected end of data
"""


def crash(stderr: str) -> Crash:
    found = last_crash(stderr)
    assert found is not None
    return found


# --- reading a traceback ---------------------------------------------------------------
def test_the_last_exception_and_the_students_own_line() -> None:
    c = crash(JSON_DECODE)
    assert c.exception == "json.decoder.JSONDecodeError"
    assert c.name == "JSONDecodeError"
    assert c.message == "Expecting value: line 1 column 1 (char 0)"
    # The deepest frame of the student's, not json/decoder.py's.
    assert (c.file, c.line, c.code) == ("server.py", 29, "history = json.load(f)")
    assert c.where == "server.py line 29"
    assert c.thread == "Thread-1 (client_thread)"


def test_a_chained_traceback_is_named_by_its_last_exception() -> None:
    c = crash(CHAINED_TYPEERROR)
    assert c.name == "TypeError"
    assert (c.file, c.line, c.code) == ("server.py", 37, "clients.pop(sock)")
    # The thread is named before the first traceback of the chain.
    assert c.thread == "Thread-3 (handle)"


def test_the_last_traceback_of_several() -> None:
    c = crash(NAME_ERROR + JSON_DECODE)
    assert c.name == "JSONDecodeError"


def test_no_traceback_or_one_cut_before_its_exception() -> None:
    assert last_crash("") is None
    assert last_crash("сервер запущен\nподключился alice\n") is None
    cut = JSON_DECODE.split("json.decoder.JSONDecodeError")[0]
    assert last_crash(cut) is None


def test_a_traceback_of_the_main_thread_names_no_thread() -> None:
    main = (
        "Traceback (most recent call last):\n"
        '  File "server.py", line 3, in <module>\n'
        "    x()\n"
        "NameError: name 'x' is not defined\n"
    )
    c = crash("started\n" + main)
    assert c.thread is None
    assert (c.name, c.line) == ("NameError", 3)


# --- the chooser: a traceback first ------------------------------------------------------
def test_a_traceback_no_thread_death_announced_names_only_the_exception() -> None:
    printed = JSON_DECODE.replace("Exception in thread Thread-1 (client_thread):\n", "")
    hint = choose(NOBODY_READS, Evidence(crash(printed)))
    assert hint is not None and hint.anchor == "thread-died"
    assert "JSONDecodeError" in hint.text.en and "server.py line 29" in hint.text.en
    assert "died" not in hint.text.en


def test_a_thread_that_died_is_not_a_missing_thread() -> None:
    for wire in (NOBODY_READS, NO_LEAVE_NOTICE, RECV_IS_NOT_A_MESSAGE, SLOW_CONSUMER):
        hint = choose(wire, Evidence(crash(JSON_DECODE)))
        assert hint is not None
        assert hint.anchor == "thread-died"
        assert "JSONDecodeError" in hint.text.en
        assert "server.py line 29" in hint.text.en
        assert "server.py, строка 29" in hint.text.ru


def test_an_exception_after_a_caught_reset_is_not_a_reset() -> None:
    hint = choose(NO_LEAVE_NOTICE, Evidence(crash(CHAINED_TYPEERROR)))
    assert hint is not None and hint.anchor == "thread-died"
    assert "TypeError" in hint.text.en and "clients.pop(sock)" in hint.text.en
    assert "ConnectionResetError" not in hint.text.en


def test_a_reset_nobody_catches_is_the_reset_hint() -> None:
    assert choose(NO_LEAVE_NOTICE, Evidence(crash(RESET))) is RESET_CRASH
    assert choose(RESET_CRASH, Evidence(crash(RESET))) is RESET_CRASH


def test_a_closed_socket_left_in_the_list() -> None:
    for wire in (NOBODY_READS, LEAVER_KEPT):
        hint = choose(wire, Evidence(crash(EBADF)))
        assert hint is not None and hint.anchor == "leaver-kept"
        assert "Bad file descriptor" in hint.text.en and "server.py line 14" in hint.text.en


def test_a_send_to_a_user_who_is_gone() -> None:
    for wire in (NOBODY_READS, LEAVER_KEPT, NO_LEAVE_NOTICE):
        hint = choose(wire, Evidence(crash(BROKEN_PIPE)))
        assert hint is not None and hint.anchor == "leaver-kept"
        assert "Broken pipe" in hint.text.en and "server.py line 16" in hint.text.en
    # ... but the reset hint's own bug stays its own.
    assert choose(RESET_CRASH, Evidence(crash(BROKEN_PIPE))) is RESET_CRASH


def test_a_caught_send_to_a_closed_socket_whose_handler_failed() -> None:
    c = crash(EBADF_THEN_VALUEERROR)
    assert (c.name, c.line, c.code) == ("ValueError", 14, "clients.remove(sender)")
    assert [cause.name for cause in c.causes] == ["OSError"]
    assert c.thread == "Thread-5 (handle)"
    # The check's own leaver-kept words say it (the except removes the wrong user) ...
    assert choose(LEAVER_KEPT, Evidence(c)) is LEAVER_KEPT
    # ... and any other hint gives way to the send that failed.
    hint = choose(NOBODY_READS, Evidence(c))
    assert hint is not None and hint.anchor == "leaver-kept"
    assert "Bad file descriptor" in hint.text.en and "server.py line 11" in hint.text.en


def test_the_receiving_thread_of_a_client() -> None:
    hint = choose(CLIENT_NO_RECEIVER, Evidence(crash(NAME_ERROR)))
    assert hint is not None and hint.anchor == "thread-died"
    assert "receiving thread" in hint.text.en
    assert "NameError" in hint.text.en and "client.py line 18" in hint.text.en


def test_an_exception_that_is_the_hints_own_bug_keeps_the_hint() -> None:
    assert choose(SPLIT_CHARACTER, Evidence(crash(UNICODE))) is SPLIT_CHARACTER
    assert choose(BAD_INPUT, Evidence(crash(UNICODE))) is BAD_INPUT
    # ... but not another exception under the same hint.
    hint = choose(BAD_INPUT, Evidence(crash(JSON_DECODE)))
    assert hint is not None and hint.anchor == "thread-died"


def test_a_program_that_exited_keeps_its_exit_hint() -> None:
    exited = ProgramState(exited=True)
    assert choose(NOBODY_READS, Evidence(crash(JSON_DECODE), exited)) is NOBODY_READS
    # A hint that is not about something missing is never replaced.
    assert choose(SERVER_EXITED, Evidence(crash(JSON_DECODE))) is SERVER_EXITED
    assert choose(None, Evidence(crash(JSON_DECODE))) is None


# --- then the program's state ------------------------------------------------------------
def test_a_receiving_thread_that_ended_without_a_word() -> None:
    alone = ProgramState(threads=1, stdin_only=True)
    assert (
        choose(CLIENT_NO_RECEIVER, Evidence(None, alone, threads_before=2, starts_thread=True))
        is RECEIVER_ENDED
    )
    # No thread in the source: then there is none to end (the wire's hint is right).
    assert choose(CLIENT_NO_RECEIVER, Evidence(None, alone, 2)) is CLIENT_NO_RECEIVER
    # Two threads still alive, or the one left not in input(): not this.
    busy = ProgramState(threads=2)
    assert choose(CLIENT_NO_RECEIVER, Evidence(None, busy, 2, True)) is CLIENT_NO_RECEIVER
    asleep = ProgramState(threads=1, stdin_only=False)
    assert choose(CLIENT_NO_RECEIVER, Evidence(None, asleep, 2, True)) is CLIENT_NO_RECEIVER


def test_leaving_is_the_receivers_fault_only_if_it_was_gone_before() -> None:
    alone = ProgramState(threads=1, stdin_only=True)
    # Gone before the other side left: nobody could notice the leaving.
    assert choose(PEER_LEFT, Evidence(None, alone, 1, True)) is RECEIVER_ENDED
    # Alive when the step began, ended as the other side left (sys.exit() in a thread):
    # the leaving hint's own bug. Not looked at: say less.
    assert choose(PEER_LEFT, Evidence(None, alone, 2, True)) is PEER_LEFT
    assert choose(PEER_LEFT, Evidence(None, alone, None, True)) is PEER_LEFT


def test_thin_evidence_keeps_the_wires_hint() -> None:
    for wire in (NOBODY_READS, NO_LEAVE_NOTICE, CLIENT_NO_RECEIVER, PEER_LEFT):
        assert choose(wire, Evidence()) is wire


# --- which thread spins ----------------------------------------------------------------
def test_only_a_thread_that_serves_a_connection_spins_on_recv() -> None:
    pids = [100]
    # The main thread polls accept() while client threads sleep in recv(): not a recv loop.
    assert not recv_loop_spins({100}, pids, threads=3)
    # A client's thread spins: the recv() loop that never stops on b''.
    assert recv_loop_spins({103}, pids, threads=3)
    assert recv_loop_spins({100, 103}, pids, threads=3)
    # One thread does everything (select()): its loop is the recv loop.
    assert recv_loop_spins({100}, pids, threads=1)
    assert not recv_loop_spins(set(), pids, threads=3)


def test_a_server_that_reads_its_users_in_turn() -> None:
    turns = ProgramState(threads=2, one_reader=True)
    for wire in (NO_LEAVE_NOTICE, SPLIT_CHARACTER, SLOW_CONSUMER, BAD_INPUT, NOBODY_READS):
        assert choose(wire, Evidence(None, turns)) is ONE_READER
    # Its framing bug is its own, and a thread that died still comes first.
    assert choose(RECV_IS_NOT_A_MESSAGE, Evidence(None, turns)) is RECV_IS_NOT_A_MESSAGE
    hint = choose(SLOW_CONSUMER, Evidence(crash(JSON_DECODE), turns))
    assert hint is not None and hint.anchor == "thread-died"
    # Threads that just ended (a thread per client, one reader left) are not turns.
    assert choose(NO_LEAVE_NOTICE, Evidence(None, turns, threads_before=4)) is NO_LEAVE_NOTICE
    # A server with a thread per user that stalls in sendall() keeps its hint.
    assert choose(SLOW_CONSUMER, Evidence(None, ProgramState(threads=4))) is SLOW_CONSUMER


# --- gathering the state from /proc (real processes, no network) -------------------------
def _until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_state_of_real_programs() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    reader = subprocess.Popen(
        [sys.executable, "-c", "input()"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    try:
        # A program in time.sleep() polls; one waiting in input() does not, and is a
        # program whose one thread waits for its stdin.
        assert _until(lambda: polling([sleeper.pid]))
        assert _until(lambda: program_state([reader.pid], exited=False).stdin_only)
        assert not polling([reader.pid])
        state = program_state([sleeper.pid], exited=False)
        assert state.threads == 1 and not state.stdin_only and not state.one_reader
        assert program_state([reader.pid], exited=True) == ProgramState(exited=True)
    finally:
        for proc in (sleeper, reader):
            proc.kill()
            proc.wait()


TURNS = """
import os, socket, tempfile, threading
path = os.path.join(tempfile.mkdtemp(), "s")
listener = socket.socket(socket.AF_UNIX)
listener.bind(path)
listener.listen()
a, b = socket.socketpair()
if ACCEPTS:
    threading.Thread(target=listener.accept, daemon=True).start()
a.recv(1)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_server_reading_in_turn_seen_in_its_threads() -> None:
    # One thread in recv(), another in accept(): no network, Unix sockets.
    turns = subprocess.Popen([sys.executable, "-c", "ACCEPTS = True" + TURNS])
    alone = subprocess.Popen([sys.executable, "-c", "ACCEPTS = False" + TURNS])
    try:
        assert _until(lambda: program_state([turns.pid], False, connections=2).one_reader)
        # The same with one user connected is a chat of one: nothing to read in turn.
        assert not program_state([turns.pid], False, connections=1).one_reader
        # One thread in recv() and nobody accepting: one client at a time, not turns.
        assert _until(lambda: program_state([alone.pid], False).threads == 1)
        time.sleep(0.2)
        assert not program_state([alone.pid], False, connections=2).one_reader
    finally:
        for proc in (turns, alone):
            proc.kill()
            proc.wait()
