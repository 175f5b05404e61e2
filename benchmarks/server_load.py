"""Load on the reference chat server (solutions/04): latency and throughput on loopback.

    python benchmarks/server_load.py                 # 50 and 200 clients
    python benchmarks/server_load.py --clients 500   # one size

For each number of clients N: N users join; then
  * latency: one user sends 200 timestamped messages, one every 5 ms; every other user
    records when each arrives (p50 / p99 / max over all deliveries);
  * throughput: every user sends M messages at once; we time until all N*(N-1)*M
    deliveries have arrived;
and the server's peak RSS and thread count (psutil) are reported. Loopback only, every
loop bounded in count and time; the server is stopped at the end. Prints a table and
writes JSON to benchmarks/results/. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "solutions" / "04" / "server.py"
DEADLINE = 60.0  # seconds any phase may take before the run is declared failed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class User:
    """A chat user that counts lines and remembers when tagged lines arrived."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.settimeout(None)
        self.lines = 0
        self.bursts = 0  # "burst ..." lines received
        self.arrivals: dict[str, float] = {}  # latency tag -> arrival time
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.sock.sendall(f"{name}\n".encode())

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            with self.cond:
                for line in lines:
                    self.lines += 1
                    if b": burst " in line:
                        self.bursts += 1
                    elif b"lat#" in line:
                        self.arrivals[line.rsplit(b"lat#", 1)[1].decode()] = now
                self.cond.notify_all()

    def wait_until(self, done, timeout: float) -> bool:
        """Wait until done(self) is true (counted under the lock), at most `timeout` s."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not done(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True


def measure(clients: int, burst: int) -> dict[str, object]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    process = psutil.Process(server.pid)
    peak = {"rss": 0, "threads": 0}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.05):
            try:
                peak["rss"] = max(peak["rss"], process.memory_info().rss)
                peak["threads"] = max(peak["threads"], process.num_threads())
            except psutil.Error:
                return

    try:
        deadline = time.monotonic() + 10
        while not any(c.status == psutil.CONN_LISTEN for c in process.net_connections("tcp")):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        threading.Thread(target=sample, daemon=True).start()
        users = [User(f"u{n:04d}", port) for n in range(clients)]
        # Everyone is in once a message from the last one to connect reaches the first.
        users[-1].sock.sendall(b"ready lat#joined\n")
        if not users[0].wait_until(lambda u: "joined" in u.arrivals, DEADLINE):
            raise RuntimeError("the users could not join")

        # Latency: one sender, paced, every other user timestamps each arrival.
        sender, receivers = users[0], users[1:]
        sent: dict[str, float] = {}
        for k in range(200):
            tag = f"{k:04d}"
            sent[tag] = time.perf_counter()
            sender.sock.sendall(f"ping lat#{tag}\n".encode())
            time.sleep(0.005)
        for user in receivers:
            if not user.wait_until(lambda u: all(t in u.arrivals for t in sent), DEADLINE):
                raise RuntimeError("latency messages were lost")
        latencies = sorted((u.arrivals[tag] - sent[tag]) * 1000 for u in receivers for tag in sent)

        # Throughput: everyone at once.
        payload = [b"".join(f"burst {u.name} {k}\n".encode() for k in range(burst)) for u in users]
        started = time.perf_counter()
        senders = [
            threading.Thread(target=u.sock.sendall, args=(data,), daemon=True)
            for u, data in zip(users, payload, strict=True)
        ]
        for t in senders:
            t.start()
        expected_each = (clients - 1) * burst
        for user in users:
            if not user.wait_until(lambda u: u.bursts >= expected_each, DEADLINE):
                raise RuntimeError("burst messages were lost")
        elapsed = time.perf_counter() - started
        deliveries = clients * expected_each
        return {
            "clients": clients,
            "latency_ms_p50": round(statistics.median(latencies), 2),
            "latency_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1], 2),
            "latency_ms_max": round(latencies[-1], 2),
            "burst_per_user": burst,
            "deliveries": deliveries,
            "throughput_deliveries_per_s": round(deliveries / elapsed),
            "server_peak_rss_mb": round(peak["rss"] / 2**20, 1),
            "server_peak_threads": peak["threads"],
        }
    finally:
        sampling.set()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, action="append", help="number of users (repeatable)")
    parser.add_argument("--burst", type=int, default=10, help="messages per user in the burst")
    args = parser.parse_args()
    results = [measure(n, args.burst) for n in (args.clients or [50, 200])]
    header = f"{'clients':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'deliveries/s':>13} {'RSS MB':>7} {'threads':>7}"
    print(header)
    for r in results:
        print(
            f"{r['clients']:>7} {r['latency_ms_p50']:>8} {r['latency_ms_p99']:>8} {r['latency_ms_max']:>8} "
            f"{r['throughput_deliveries_per_s']:>13} {r['server_peak_rss_mb']:>7} {r['server_peak_threads']:>7}"
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"server_load-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    path.write_text(
        json.dumps({"cpus": os.cpu_count(), "load": os.getloadavg(), "results": results}, indent=2)
    )
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
