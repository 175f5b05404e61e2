"""`python -m autograder load PATH`: a chat server under load, in the grader's sandbox.

    python -m autograder load PATH [--clients N] [--rate R] [--duration S] [--slow] [--plot FILE]

The server starts in the grader's sandbox (`sandboxed_server`, found listening the way the
grader finds it: `launch.listening_sockets`), the engine (engine.py) runs one load on it,
or two with `--slow`: then one more client joins and never reads, with big messages (20 KB
by default), as a user on a bad line would: a good server drops it and keeps everyone
else going, a naive one stalls. The report: delivery, latency, the sender's stalls, and
the server's peak memory (RSS), threads and CPU time, as a table, JSON or a plot.

Exit code: 0 every line reached every reader once and in order, 1 the server lost,
duplicated, reordered or could not take the lines, 2 the load could not be run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import socket
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from autograder.launch import listening_sockets
from autograder.load.engine import LoadError, Progress, run_load
from autograder.load.statistics import LoadConfig, LoadResult
from autograder.sandbox import Limits, Sandbox, SandboxError, SandboxFactory, minimal_environment


@dataclass
class RunningServer:
    box: Sandbox
    address: tuple[str, int]

    def alive(self) -> bool:
        return not self.box.exited.is_set()

    def socket(self, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
        return self.box.socket(family, kind)


def server_script(path: Path) -> tuple[Path, str]:
    """(folder to copy, script to run) for a folder with server.py or a .py file."""
    if path.is_dir():
        if not (path / "server.py").is_file():
            raise LoadError(f"{path} has no server.py")
        return path, "server.py"
    if path.is_file() and path.suffix == ".py":
        return path.parent, path.name
    raise LoadError(f"{path}: not a folder with server.py, nor a .py file")


def load_limits(clients: int) -> Limits:
    """The grader's limits, widened so that a thread-per-client server can hold `clients`."""
    base = Limits()
    return Limits(
        cpu_seconds=max(base.cpu_seconds, 600),
        # Each thread reserves its stack (8 MB) of address space, not of memory.
        memory_bytes=base.memory_bytes + clients * (24 << 20),
        processes=max(base.processes, 3 * clients + 512),
        file_bytes=base.file_bytes,
        open_files=max(base.open_files, 2 * clients + 256),
    )


def _connectable(ip: str, port: int) -> tuple[str, int]:
    if ip in ("0.0.0.0", ""):
        return "127.0.0.1", port
    if ip == "::":
        return "::1", port
    return ip, port


@contextlib.contextmanager
def sandboxed_server(
    path: Path, isolation: str = "auto", limits: Limits | None = None, timeout: float = 10.0
) -> Iterator[RunningServer]:
    """Start the server at `path` in the grader's sandbox and wait until it listens."""
    source, script = server_script(path)
    try:
        factory = SandboxFactory(source, isolation, limits or Limits())
    except SandboxError as exc:
        raise LoadError(str(exc)) from exc
    try:
        box = factory.create()
        argv = [factory.python, "-u", script]
        if box.isolation == "ports":
            argv += ["--port", str(box.port)]
        box.start(argv, minimal_environment(box.home))
        deadline = time.monotonic() + timeout
        while True:
            entries = [(e.local_ip, e.local_port) for e in listening_sockets(box, "tcp")]
            if entries:
                # Prefer IPv4 and the expected port; any listening socket will do.
                entries.sort(key=lambda e: (":" in e[0], e[1] not in (box.port, 9090)))
                yield RunningServer(box, _connectable(*entries[0]))
                return
            if box.exited.is_set():
                raise LoadError(
                    f"the server exited while starting (status {box.exit_status}):\n"
                    + box.stderr_text()[-2000:]
                )
            if time.monotonic() > deadline:
                raise LoadError(f"the server did not listen within {timeout:.0f}s")
            time.sleep(0.02)
    except SandboxError as exc:
        raise LoadError(str(exc)) from exc
    finally:
        factory.close()


def run_in_sandbox(
    path: Path,
    config: LoadConfig,
    isolation: str = "auto",
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> tuple[LoadResult, str]:
    """A fresh server in its own sandbox, one load on it. Returns (result, isolation)."""
    with sandboxed_server(path, isolation, limits or load_limits(config.clients)) as server:
        result = run_load(
            server.address,
            config,
            socket_factory=server.socket,
            program=server.box,
            progress=progress,
            alive=server.alive,
        )
        if not server.alive():
            tail = server.box.stderr_text()[-1500:].strip()
            if tail:
                result.errors.append("server stderr:\n" + tail)
        return result, server.box.isolation


def raise_open_files_limit(needed: int) -> None:
    """The load generator itself holds one socket per client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed + 256
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


PLOT_INSTALL_HINT = (
    "--plot needs matplotlib: pip install -e '.[plot]' (or pip install matplotlib)\n"
    "для --plot нужен matplotlib: pip install -e '.[plot]' (или pip install matplotlib)"
)


def plot_latencies(results: list[tuple[str, LoadResult]], path: Path, title: str = "") -> None:
    """Latency of every delivery over time, and its distribution, one colour per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (over_time, spread) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, result in results:
        if not len(result.latencies_ms):
            continue
        step = max(1, len(result.latencies_ms) // 20000)  # keep the file small
        over_time.scatter(
            result.due_s[::step], result.latencies_ms[::step], s=2, alpha=0.4, label=label
        )
        values = sorted(result.latencies_ms)
        spread.plot([100 * (i + 1) / len(values) for i in range(len(values))], values, label=label)
    over_time.set(xlabel="time since the first line (s)", ylabel="latency (ms)", yscale="log")
    over_time.set_title("every delivery")
    spread.set(xlabel="percentile", ylabel="latency (ms)", yscale="log")
    spread.set_title("latency distribution")
    for axes in (over_time, spread):
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(loc="upper left", markerscale=4)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def summary_rows(r: LoadResult) -> list[tuple[str, str]]:
    """The report of one run as (what, value) rows, in reading order."""
    c = r.config
    pct = r.delivered_pct
    lat = r.latency_ms
    rows = [
        ("clients (readers)", f"{c.clients + c.slow} ({c.clients})"),
        ("lines × rate × time", f"{c.senders} × {c.rate:g}/s × {c.duration:g} s"),
        ("line size", f"{c.message_bytes} B"),
        ("sent / due", f"{r.sent} / {r.planned}"),
        ("delivered", f"{r.delivered} / {r.expected}" + ("" if pct is None else f" ({pct:.2f}%)")),
        ("lost · dup · reordered", f"{r.lost} · {r.duplicated} · {r.out_of_order}"),
        *((f"latency {k}, ms", _ms(lat.get(k))) for k in ("p50", "p95", "p99", "max")),
        ("sender stall max, ms", _ms(r.sender_stall_ms.get("max"))),
        ("readers dropped", str(r.readers_disconnected)),
        ("server peak RSS", f"{r.server.get('peak_rss_mb', '—')} MB"),
        ("server peak threads", str(r.server.get("peak_threads", "—"))),
        ("server CPU", f"{r.server.get('cpu_seconds', '—')} s"),
    ]
    if c.slow:
        slow = "dropped" if r.slow_dropped else "connected"
        if r.slow_leave_notice_s is not None:
            slow += f", notice at {r.slow_leave_notice_s:.2f} s"
        rows.append(("never-reading client", slow))
    return rows


def render_table(runs: list[tuple[str, LoadResult]], console: Any) -> None:
    from rich.table import Table

    table = Table(title="chat server under load", title_justify="left")
    table.add_column("")
    for label, result in runs:
        table.add_column(label + ("" if result.ok else " ✗"), justify="right")
    rows = [dict(summary_rows(r)) for _, r in runs]
    for what in dict.fromkeys(what for r in rows for what in r):  # every row, in order
        table.add_row(what, *(r.get(what, "") for r in rows))
    console.print(table)
    for label, r in runs:
        for error in r.errors:
            console.print(f"[bold red]{label}:[/] {error}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder load",
        description="Put a chat server under load in the grader's sandbox: delivery and latency.",
    )
    parser.add_argument("path", type=Path, help="folder with server.py, or a server .py file")
    parser.add_argument("--clients", type=int, default=50, help="reading clients (default 50)")
    parser.add_argument("--rate", type=float, default=100.0, help="lines per second (default 100)")
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds of sending (default 5)"
    )
    parser.add_argument("--size", type=int, default=100, help="bytes per line (default 100)")
    parser.add_argument("--senders", type=int, default=1, help="clients sending (default 1)")
    parser.add_argument(
        "--slow",
        action="store_true",
        help="then run again with one client that never reads, and big lines (--slow-size)",
    )
    parser.add_argument(
        "--slow-size", type=int, default=20000, help="bytes per line in the --slow run (20000)"
    )
    parser.add_argument("--plot", type=Path, help="save a latency plot (.png or .svg)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--output", "-o", type=Path, help="write the report to this file")
    parser.add_argument("--isolation", choices=("auto", "netns", "ports"), default="auto")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    err = Console(stderr=True, highlight=False)
    if args.clients < 2 or not 1 <= args.senders < args.clients or args.rate <= 0:
        err.print(
            "[bold red]autograder load:[/] need --clients >= 2, 1 <= --senders < --clients, --rate > 0"
        )
        return 2
    if args.duration <= 0 or args.size < 32 or args.slow_size < 32:
        err.print(
            "[bold red]autograder load:[/] need --duration > 0 and sizes of at least 32 bytes"
        )
        return 2
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            err.print(f"[bold red]autograder load:[/] {PLOT_INSTALL_HINT}")
            return 2
        if args.plot.suffix.lower() not in (".png", ".svg"):
            err.print("[bold red]autograder load:[/] --plot FILE must end in .png or .svg")
            return 2
    raise_open_files_limit(args.clients + 1)
    base = LoadConfig(
        clients=args.clients,
        rate=args.rate,
        duration=args.duration,
        message_bytes=args.size,
        senders=args.senders,
        join_timeout=max(10.0, 0.05 * args.clients),
    )
    plans = [("all read", base)]
    if args.slow:
        plans.append(
            (
                "one never reads",
                LoadConfig(**{**asdict(base), "slow": True, "message_bytes": args.slow_size}),
            )
        )
    runs: list[tuple[str, LoadResult]] = []
    isolation = args.isolation
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            for label, config in plans:
                task = bar.add_task(label, total=1)

                def progress(what: str, done: float, total: float, task=task, label=label) -> None:
                    bar.update(
                        task, description=f"{label}: {what}", completed=done, total=total or 1
                    )

                result, isolation = run_in_sandbox(
                    args.path, config, args.isolation, progress=progress
                )
                bar.remove_task(task)
                runs.append((label, result))
                if not err.is_terminal:
                    err.print(f"{label}: done in {result.elapsed_s:.1f}s")
    except LoadError as exc:
        err.print(f"[bold red]autograder load:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        err.print("[bold red]autograder load:[/] interrupted")
        return 2

    if args.plot:
        plot_latencies(
            runs, args.plot, f"{args.path}: {args.clients} clients, {args.rate:g} lines/s"
        )
        err.print(f"latency plot: {args.plot}")
    if args.format == "json":
        text = json.dumps(
            {
                "server": str(args.path),
                "isolation": isolation,
                "cpus": os.cpu_count(),
                "runs": [{"run": label, **r.to_dict()} for label, r in runs],
            },
            indent=2,
            ensure_ascii=False,
        )
        if args.output:
            args.output.write_text(text + "\n", encoding="utf-8")
        else:
            print(text)
    else:
        out = (
            Console(file=args.output.open("w", encoding="utf-8"), width=200, no_color=True)
            if args.output
            else Console(highlight=False)
        )
        render_table(runs, out)
        out.print(
            f"isolation: {isolation}; latency: from the moment the sender's line was in the"
            " server's socket to its arrival; stall: how late the server took a line"
        )
        if args.output:
            out.file.close()
    return 0 if all(r.ok for _, r in runs) else 1
