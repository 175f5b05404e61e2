"""The course site, built once per test session with `mkdocs build --strict`.

Shared by tests/test_site.py (the build, the links, the hint anchors) and
tests/test_site_browser.py (the site in a real browser). The site goes to a temporary
directory, never to the repository's site/; the generated report and reference tables go
where the docs build always puts them (build/docs-generated/, git-ignored).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "build" / "docs-generated"
BUILD_TIMEOUT = 600  # seconds: a deadline, not an expectation (a build takes ~10-30 s)


@dataclass(frozen=True)
class BuiltSite:
    path: Path
    seconds: float
    log: str


_built: BuiltSite | None = None


def build_site() -> BuiltSite:
    """Build the site once (strict); raise AssertionError with mkdocs' output on failure."""
    global _built
    if _built is not None:
        return _built
    out = Path(tempfile.mkdtemp(prefix="course-site-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_DOCS_URL"}
    env["NO_MKDOCS_2_WARNING"] = "1"  # material's banner about MkDocs 2.0, not ours
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
        + ["-d", str(out / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise AssertionError(
            f"mkdocs build --strict failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    _built = BuiltSite(out / "site", seconds, proc.stderr)
    return _built
