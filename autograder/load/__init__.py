"""Load on a chat server that speaks the course protocol: delivery and latency.

`protocol` (the wire format) and `statistics` (what is counted) are pure; `engine` runs
one load over sockets; `cli` is `python -m autograder load`, the server in the grader's
sandbox. The names below are the package's face for benchmarks and tests.
"""

from autograder.load.cli import (
    build_parser,
    load_limits,
    main,
    plot_latencies,
    raise_open_files_limit,
    run_in_sandbox,
    summary_rows,
)
from autograder.load.engine import LoadError, run_load
from autograder.load.protocol import make_message, parse_marker, split_lines
from autograder.load.statistics import DeliveryLog, LoadConfig, LoadResult, percentile

__all__ = [
    "DeliveryLog",
    "LoadConfig",
    "LoadError",
    "LoadResult",
    "build_parser",
    "load_limits",
    "main",
    "make_message",
    "parse_marker",
    "percentile",
    "plot_latencies",
    "raise_open_files_limit",
    "run_in_sandbox",
    "run_load",
    "split_lines",
    "summary_rows",
]
