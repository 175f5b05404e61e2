"""Four chat servers side by side, in one run: latency, delivery, stalls, memory, threads.

    python benchmarks/server_compare.py                 # every scenario, once
    python benchmarks/server_compare.py --repeats 3     # medians of 3 interleaved runs
    python benchmarks/server_compare.py --only 200      # scenarios whose name contains 200
    python benchmarks/server_compare.py --plot          # also a latency plot (matplotlib)
    python benchmarks/server_compare.py --server mine=path/to/server.py   # a fourth one

Servers: the naive baseline (one recv = one message, `sendall` to everyone from the
sender's thread), lesson 04's reference `solutions/04/server.py` (a bounded queue and a
writer thread per client), and lesson 05's two: `solutions/05/server.py` (SendQ: a thread
per client, non-blocking sends, a bounded per-client tail) and
`solutions/05/server_asyncio.py` (the same protocol and drop policy in one thread). Every
measurement starts a fresh server in its own private network namespace through the
grader's sandbox (`--isolation ports` where namespaces are not available), and puts it
under load with `autograder.load.run_load`. Servers take turns inside each scenario, and
the order rotates between repeats, so all of them see the same machine at (nearly) the
same moment; compare ratios within one run.

Scenarios (one sender, the others read; latency: from the moment the server's socket held
the whole line to its arrival; stall: how late past its due time the server took a line):
  all read    50, 200 clients at 200 lines/s; 1000 clients at 40 lines/s (the same
              40 000 deliveries per second as 200 clients: 1000 x 200/s would be beyond
              two cores for any Python server and for the load generator alike)
  slow        one more client joins and never reads; 20 KB lines at 100/s (50 clients),
              25/s (200) and 5/s (1000): about 100 MB/s of deliveries in each, so the
              never-reading client fills up at 2 MB/s, 0.5 MB/s and 0.1 MB/s

Prints a Markdown table (absolute figures and ratios to the naive server) and writes every
figure to benchmarks/results/server_compare-<UTC time>.json (not committed). Nothing is
asserted: this measures, it does not test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.load import (  # noqa: E402 - after the path tweak, so it runs from a clone
    LoadConfig,
    LoadError,
    LoadResult,
    load_limits,
    plot_latencies,
    raise_open_files_limit,
    run_in_sandbox,
)

HERE = Path(__file__).resolve().parent
SERVERS = {
    "naive": HERE / "baselines" / "naive_server.py",
    "solutions/04": ROOT / "solutions" / "04" / "server.py",
    "solutions/05": ROOT / "solutions" / "05" / "server.py",
    "05 asyncio": ROOT / "solutions" / "05" / "server_asyncio.py",
}
BASELINE = "naive"


@dataclass(frozen=True)
class Scenario:
    name: str
    config: LoadConfig


SCENARIOS = [
    Scenario("50 all read", LoadConfig(clients=50, rate=200, duration=5)),
    Scenario("200 all read", LoadConfig(clients=200, rate=200, duration=5)),
    Scenario("1000 all read", LoadConfig(clients=1000, rate=40, duration=5, join_timeout=120)),
    Scenario(
        "50 + slow, 20 KB",
        LoadConfig(clients=50, rate=100, duration=5, message_bytes=20000, slow=True),
    ),
    Scenario(
        "200 + slow, 20 KB",
        LoadConfig(clients=200, rate=25, duration=10, message_bytes=20000, slow=True),
    ),
    Scenario(
        "1000 + slow, 20 KB",
        LoadConfig(
            clients=1000, rate=5, duration=10, message_bytes=20000, slow=True, join_timeout=120
        ),
    ),
]

# (column, key in a figures dict, ratio to naive?)
COLUMNS = [
    ("p50 ms", "p50", True),
    ("p99 ms", "p99", True),
    ("delivered %", "delivered_pct", False),
    ("stall ms", "stall_max", False),
    ("CPU µs/delivery", "cpu_us", True),
    ("RSS MB", "rss_mb", True),
    ("threads", "threads", True),
    ("slow client", "slow", False),
]


def figures(result: LoadResult) -> dict[str, object]:
    return {
        "p50": result.latency_ms.get("p50"),
        "p99": result.latency_ms.get("p99"),
        "delivered_pct": None if result.delivered_pct is None else round(result.delivered_pct, 2),
        "stall_max": result.sender_stall_ms.get("max"),
        # The server's CPU time per delivered line: what the design costs, and a figure
        # that a busy machine disturbs far less than latency.
        "cpu_us": round(1e6 * float(result.server.get("cpu_seconds") or 0) / result.delivered, 2)
        if result.delivered
        else None,
        "rss_mb": result.server.get("peak_rss_mb"),
        "threads": result.server.get("peak_threads"),
        "slow": (
            None
            if not result.config.slow
            else ("dropped" if result.slow_dropped else "connected")
            + (
                f" (notice {result.slow_leave_notice_s:.1f}s)"
                if result.slow_leave_notice_s is not None
                else ""
            )
        ),
        "generator_cpu_share": round(result.load_generator_cpu_s / result.elapsed_s, 2)
        if result.elapsed_s
        else None,
    }


def median_figures(runs: list[dict[str, object]]) -> dict[str, object]:
    """Median of each numeric figure over repeats; the last run's text figures."""
    merged: dict[str, object] = {}
    for key in runs[0]:
        values = [r[key] for r in runs if isinstance(r[key], (int, float))]
        if not values:
            merged[key] = runs[-1][key]
        elif all(isinstance(v, int) for v in values):
            merged[key] = int(statistics.median_low(values))
        else:
            merged[key] = round(statistics.median(values), 2)
    return merged


def fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return str(value)


def ratio(value: object, base: object) -> str:
    if not isinstance(value, (int, float)) or not isinstance(base, (int, float)) or not base:
        return ""
    return f" (×{value / base:.2f})"


def markdown(table: dict[str, dict[str, dict[str, object]]]) -> str:
    header = "| scenario | server | " + " | ".join(c for c, _, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 2)]
    for scenario, by_server in table.items():
        base = by_server.get(BASELINE, {})
        for server, figs in by_server.items():
            cells = []
            for _, key, relative in COLUMNS:
                cell = fmt(figs.get(key))
                if relative and server != BASELINE:
                    cell += ratio(figs.get(key), base.get(key))
                cells.append(cell)
            lines.append(f"| {scenario} | {server} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=1, help="interleaved runs (medians)")
    parser.add_argument("--only", action="append", help="scenarios whose name contains this")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset")
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="one more server to compare (a folder with server.py or a .py file); repeatable",
    )
    parser.add_argument("--isolation", default="netns", choices=("auto", "netns", "ports"))
    parser.add_argument("--plot", action="store_true", help="save a latency plot (matplotlib)")
    args = parser.parse_args(argv)
    servers = [s.strip() for s in args.servers.split(",")]
    for extra in args.server:
        name, _, path = extra.partition("=")
        if not path:
            parser.error(f"--server wants NAME=PATH, not {extra!r}")
        SERVERS[name] = Path(path).resolve()
        servers.append(name)
    scenarios = [s for s in SCENARIOS if not args.only or any(o in s.name for o in args.only)]
    raise_open_files_limit(max(s.config.clients for s in scenarios) + 1)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    raw: list[dict[str, object]] = []
    collected: dict[str, dict[str, list[dict[str, object]]]] = {}
    plots: dict[str, list[tuple[str, LoadResult]]] = {}
    print(f"{len(scenarios)} scenario(s) x {len(servers)} servers x {args.repeats} repeat(s)")
    for repeat in range(args.repeats):
        for scenario in scenarios:
            shift = repeat % len(servers)
            for server in servers[shift:] + servers[:shift]:
                load_before = os.getloadavg()[0]
                try:
                    result, isolation = run_in_sandbox(
                        SERVERS[server],
                        scenario.config,
                        args.isolation,
                        load_limits(scenario.config.clients + 1),
                    )
                except LoadError as exc:
                    print(f"  {scenario.name:<20} {server:<13} could not run: {exc}")
                    raw.append({"scenario": scenario.name, "server": server, "error": str(exc)})
                    continue
                figs = figures(result)
                collected.setdefault(scenario.name, {}).setdefault(server, []).append(figs)
                if repeat == 0:
                    plots.setdefault(scenario.name, []).append((server, result))
                raw.append(
                    {
                        "scenario": scenario.name,
                        "server": server,
                        "repeat": repeat,
                        "isolation": isolation,
                        "load_average_before": round(load_before, 2),
                        **result.to_dict(),
                    }
                )
                state = "ok" if result.ok else "NOT ok"
                errors = f" {result.errors}" if result.errors else ""
                print(
                    f"  {scenario.name:<20} {server:<13} p50 {fmt(figs['p50']):>7} "
                    f"p99 {fmt(figs['p99']):>7} ms  delivered {fmt(figs['delivered_pct']):>6}%  "
                    f"stall {fmt(figs['stall_max']):>7} ms  CPU {fmt(figs['cpu_us'])} µs  "
                    f"RSS {fmt(figs['rss_mb'])} MB  "
                    f"threads {fmt(figs['threads'])}  {state}{errors}",
                    flush=True,
                )
    table = {
        scenario: {
            server: median_figures(by_server[server]) for server in servers if server in by_server
        }
        for scenario, by_server in collected.items()
    }
    print()
    print(markdown(table))
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"server_compare-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "server_compare",
                "when": stamp,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "repeats": args.repeats,
                "table": table,
                "runs": raw,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"\nwritten to {out.relative_to(ROOT)}")
    if args.plot:
        for scenario, results in plots.items():
            slug = scenario.split()[0] + ("-slow" if "slow" in scenario else "-read")
            path = out_dir / f"server_compare-{stamp}-{slug}.png"
            try:
                plot_latencies(results, path, scenario)
            except ImportError:
                print("--plot needs matplotlib: pip install -e '.[plot]'")
                break
            print(f"plot: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
