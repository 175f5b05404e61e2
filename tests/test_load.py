"""The load engine (`autograder/load.py`): its pure parts without a network, and one
end-to-end run of `python -m autograder load` on the reference server."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import subprocess
import sys
import threading
from array import array

import pytest
from conftest import ROOT

from autograder.checks.lesson05 import in_russian
from autograder.load import (
    DeliveryLog,
    LoadConfig,
    LoadResult,
    make_message,
    parse_marker,
    percentile,
    run_load,
    split_lines,
    summary_rows,
)
from autograder.load.protocol import mixed

# ----------------------------------------------------------------------- messages


@pytest.mark.parametrize("size", [32, 100, 20000])
def test_message_has_the_requested_size_and_one_newline(size: int) -> None:
    line = make_message(3, 41, 123456, size)
    assert len(line) == size
    assert line.endswith(b"\n") and line.count(b"\n") == 1


def test_marker_is_found_whatever_the_server_puts_around_it() -> None:
    line = make_message(2, 17, 99000, 64).rstrip(b"\n")
    for decorated in (line, b"u0001: " + line, b"[12:00] <u0001> " + line + b" \x1b[0m"):
        assert parse_marker(decorated) == (2, 17, 99000)


@pytest.mark.parametrize(
    "line",
    [b"", b"alice: hello", b"~ld:", b"~ld:1:2~", b"~ld:1:2:3", b"~ld:a:2:3~", b"~ld:1:-2:3~"],
)
def test_lines_without_a_whole_marker_are_not_messages(line: bytes) -> None:
    assert parse_marker(line) is None


def test_a_line_with_two_markers_is_two_messages_run_into_one() -> None:
    """A server that sent a new line into the middle of an older one (past its tail)."""
    older, newer = make_message(0, 5, 1000, 64), make_message(0, 9, 2000, 64)
    assert not mixed(b"u0000: " + older.rstrip(b"\n"))
    assert mixed(b"u0000: " + older[:30] + b"u0000: " + newer.rstrip(b"\n"))


# ------------------------------------------------------------------------ framing


def feed(chunks: list[bytes]) -> tuple[list[bytes], bytes]:
    buffer = bytearray()
    lines: list[bytes] = []
    for chunk in chunks:
        buffer += chunk
        lines += split_lines(buffer)
    return lines, bytes(buffer)


STREAM = b"one\ntwo\n\nthree \xd0\x96\n"


def test_lines_all_at_once() -> None:
    assert feed([STREAM]) == ([b"one", b"two", b"", "three Ж".encode()], b"")


def test_lines_one_byte_at_a_time() -> None:
    chunks = [STREAM[i : i + 1] for i in range(len(STREAM))]
    assert feed(chunks) == ([b"one", b"two", b"", "three Ж".encode()], b"")


def test_trailing_partial_line_stays_in_the_buffer() -> None:
    assert feed([STREAM + b"four"]) == ([b"one", b"two", b"", "three Ж".encode()], b"four")


# --------------------------------------------------------------------- statistics


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None
    assert percentile(array("d", [1.0, 2.0, 3.0]), 50) == 2.0


def test_delivery_log_counts_duplicates_reordering_and_garbage() -> None:
    log = DeliveryLog(senders=2, planned=5)
    for sender, seq in [(0, 0), (0, 1), (0, 3), (0, 2), (0, 3), (1, 0), (1, 4), (2, 0), (0, 9)]:
        log.record(sender, seq)
    assert log.delivered == 6  # 0:0,1,3,2 and 1:0,4
    assert log.duplicated == 1  # 0:3 again
    assert log.out_of_order == 1  # 0:2 after 0:3
    assert log.garbled == 2  # sender 2 and seq 9 were never sent


def test_result_is_ok_only_when_every_line_reached_every_reader() -> None:
    config = LoadConfig(clients=3, rate=10, duration=1)
    good = LoadResult(config, planned=10, sent=10, receivers_per_line=2, delivered=20)
    assert good.ok and good.delivered_pct == 100.0
    assert not LoadResult(config, planned=10, sent=9, receivers_per_line=2, delivered=18).ok
    assert not LoadResult(config, planned=10, sent=10, receivers_per_line=2, delivered=19).ok
    reordered = LoadResult(config, planned=10, sent=10, receivers_per_line=2, delivered=20)
    reordered.out_of_order = 1
    assert not reordered.ok
    data = good.to_dict()
    assert "latencies_ms" not in data and data["ok"] is True and data["expected"] == 20
    json.dumps(data)  # the JSON report is plain data


def test_summary_mentions_the_slow_client_only_in_a_slow_run() -> None:
    plain = dict(summary_rows(LoadResult(LoadConfig())))
    slow = LoadResult(LoadConfig(slow=True), slow_dropped=True, slow_leave_notice_s=1.5)
    rows = dict(summary_rows(slow))
    assert "never-reading client" not in plain
    assert rows["never-reading client"] == "dropped, notice at 1.50 s"


# -------------------------------------------------------------------- end to end


def test_slowpoke_alone_gets_the_small_buffer_and_a_server_closing_joins_ends_the_join() -> None:
    """A server that reads each nickname and closes the connection: the engine says so as
    soon as it sees the close, instead of waiting out its join timeout for a sync line."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(100)

    threading.Thread(target=serve, daemon=True).start()
    options: list[tuple[int, int, int]] = []

    class Recording(socket.socket):
        def setsockopt(self, *args):  # type: ignore[no-untyped-def]
            options.append(args)
            super().setsockopt(*args)

    config = LoadConfig(clients=3, rate=10, duration=1, slow=True, slow_rcvbuf=4096)
    try:
        result = run_load(listener.getsockname(), config, socket_factory=Recording)
    finally:
        listener.close()
    assert any("closed" in e and "while they were joining" in e for e in result.errors), result
    # Lesson 05's checks report it in Russian too.
    assert "пока они входили" in in_russian(result.errors[0])
    buffers = [o for o in options if o[1] == socket.SO_RCVBUF]
    assert buffers == [(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)]  # slowpoke's only


def queue_chat_server() -> socket.socket:
    """A correct little chat in this process: a thread and an unbounded queue per client,
    every line (the nickname too) to everyone else."""
    listener = socket.create_server(("127.0.0.1", 0))
    queues: dict[socket.socket, queue.Queue[bytes]] = {}
    lock = threading.Lock()

    def write(conn: socket.socket, q: queue.Queue[bytes]) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn.sendall(q.get())

    def serve(conn: socket.socket) -> None:
        q: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=write, args=(conn, q), daemon=True).start()
        with lock:
            queues[conn] = q
        with contextlib.suppress(OSError):
            for line in conn.makefile("rb"):
                with lock:
                    others = [o for c, o in queues.items() if c is not conn]
                for other in others:
                    other.put(line)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener


def test_the_reader_that_pauses_gets_every_line_and_its_lateness_is_not_latency() -> None:
    """With `pause_lines`, one reader stops reading for a while and reads on: it must
    still get every line, once and in order, and its late lines stay out of the latency."""
    listener = queue_chat_server()
    config = LoadConfig(clients=4, rate=50, duration=1, message_bytes=1000, pause_lines=10)
    try:
        result = run_load(listener.getsockname(), config)
    finally:
        listener.close()
    assert result.ok, result
    assert result.pause_s is not None and result.pause_s > 0  # it did pause, and read on
    # Every line reaches the 3 others; the pauser's third of them has no latency figure.
    assert result.delivered == 50 * 3
    assert len(result.latencies_ms) == 50 * 2


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "load", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_load_command_on_the_reference_server() -> None:
    proc = run_cli("solutions/04", "--clients", "20", "--rate", "50", "--duration", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "delivered" in proc.stdout and "1900 / 1900" in proc.stdout


@pytest.mark.slow
def test_load_command_json_report() -> None:
    proc = run_cli(
        "solutions/04", "--clients", "20", "--rate", "50", "--duration", "2", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    (run,) = report["runs"]
    assert run["ok"] is True
    assert run["joined"] == 20
    assert run["planned"] == run["sent"] == 100
    assert run["delivered"] == run["expected"] == 100 * 19
    assert run["lost"] == run["duplicated"] == run["out_of_order"] == 0
    assert set(run["latency_ms"]) == {"p50", "p95", "p99", "max"}
    assert run["server"]["peak_threads"] >= 20  # a thread per client
    assert run["server"]["peak_rss_mb"] > 0


def test_load_command_without_a_server_cannot_run(tmp_path) -> None:
    proc = run_cli(str(tmp_path))
    assert proc.returncode == 2
    assert "server.py" in proc.stderr
