"""Real screens of the student's loop for the docs: watch mode and the course overview.

    python docs/hooks/watch_screens.py [OUT_DIR] [--svg DIR]   (default: build/docs-generated)

Nothing here is drawn by hand. In a temporary copy of the course (lessons/ and a
pyproject.toml that names it), for each language:

1. `python -m autograder lessons/04 --watch` runs in a pseudo-terminal (the standard
   library's pty), as a student runs it. lessons/04 first holds a chat with a syntax
   error (tests/submissions/04-syntax-error); once its report is on the screen, the
   folder is saved with the chat of tests/submissions/04-recv-is-message (the syntax
   fixed, one `recv()` still taken for one message), and the screen the watcher draws for
   that second grading is kept, escape codes and all;
2. before that, lessons 01 and 02 are graded with their reference solutions and lesson
   03 with a chat that sends each message back to its sender only (`python -m
   autograder lessons/NN`); afterwards `python -m autograder` with no folder draws the
   overview (the watcher recorded lesson 04 itself).

Each screen is turned back into coloured text (rich's ANSI decoder) and exported with
the same theme and frame as the report on the grader page: `watch.{ru,en}.html` and
`overview.{ru,en}.html`; with `--svg DIR` also SVG pictures of each. docs/hooks/
generated.py runs this at build time (only when the grader or these submissions
changed); nothing generated is committed.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "build" / "docs-generated"
BEFORE = ROOT / "tests" / "submissions" / "04-syntax-error"
AFTER = ROOT / "tests" / "submissions" / "04-recv-is-message"
# Where the student stands before the watch session: 01 and 02 done, 03 begun (its
# server sends each message back to its sender only).
LESSONS_BEFORE = {
    "01": ROOT / "solutions" / "01",
    "02": ROOT / "solutions" / "02",
    "03": ROOT / "tests" / "submissions" / "03-echo-only",
}
LANGUAGES = ("ru", "en")
WIDTH, HEIGHT = 110, 60
TIMEOUT = 240.0  # seconds for one screen; a grading takes a few
CLEAR = "\x1b[2J"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
FOOTER = {"ru": "Слежу за", "en": "Watching"}
HINT_LINK = re.compile(
    r"(?P<shown>(?:docs/common-bugs(?:\.en)?\.md|\S*/common-bugs/)#(?P<anchor>[a-z0-9-]+))"
)


class Terminal:
    """A program in a pseudo-terminal of WIDTH x HEIGHT, and what it has written."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        self.proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        os.close(slave)
        self.raw = ""

    def read_until(self, pattern: str) -> None:
        regex = re.compile(pattern)
        deadline = time.monotonic() + TIMEOUT
        while not regex.search(ESCAPES.sub("", self.raw)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pattern!r} not on the screen: {self.raw[-3000:]!r}")
            if (
                not self._read(min(1.0, deadline - time.monotonic()))
                and self.proc.poll() is not None
            ):
                raise RuntimeError(f"ended ({self.proc.returncode}): {self.raw[-3000:]!r}")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the program closed the terminal
            return False
        self.raw += data.decode("utf-8", errors="replace")
        return bool(data)

    def finish(self, interrupt: bool = True) -> int:
        """Everything up to its end (after Ctrl-C when `interrupt`)."""
        if interrupt and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + TIMEOUT
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0):
            pass
        os.close(self.master)
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()


def make_course(base: Path) -> Path:
    root = base / "course"
    (root / "lessons").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "socket-chat-course"\n')
    return root


def fill(folder: Path, source: Path) -> None:
    folder.mkdir(exist_ok=True)
    for file in sorted(source.glob("*.py")):
        (folder / file.name).write_bytes(file.read_bytes())


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_DOCS_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # A student's machine: the gradings are recorded (that is what the overview shows),
    # also when this runs under CI.
    for name in ("CI", "AUTOGRADER_NO_RECORD", "NO_COLOR"):
        env.pop(name, None)
    env.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(WIDTH))
    return env


def watch_screen(root: Path, lang: str, env: dict[str, str]) -> str:
    """The watcher's screen after a save that fixed a syntax error (ANSI text)."""
    lesson = root / "lessons" / "04"
    fill(lesson, BEFORE)
    terminal = Terminal(
        [sys.executable, "-m", "autograder", "lessons/04", "--watch", "--lang", lang], root, env
    )
    try:
        terminal.read_until(rf"(?s)#1 · \d\d:\d\d:\d\d.*{FOOTER[lang]}")
        fill(lesson, AFTER)
        terminal.read_until(rf"(?s)#2 · \d\d:\d\d:\d\d.*{FOOTER[lang]}")
    finally:
        status = terminal.finish()
    if status != 0:
        raise RuntimeError(f"the watcher ended with {status}: {terminal.raw[-2000:]!r}")
    screens = terminal.raw.split(CLEAR)
    screen = next(s for s in reversed(screens) if re.search(r"#2 · \d\d:\d\d:\d\d", s))
    end = screen.find("\n", screen.index(FOOTER[lang]))  # not the "stopped" after Ctrl-C
    return screen[:end] if end >= 0 else screen


def overview_screen(root: Path, lang: str, env: dict[str, str]) -> str:
    terminal = Terminal([sys.executable, "-m", "autograder", "--lang", lang], root, env)
    status = terminal.finish(interrupt=False)
    if status != 0:
        raise RuntimeError(f"the overview ended with {status}: {terminal.raw[-2000:]!r}")
    return terminal.raw


def clickable(html: str) -> str:
    """Hint links as links to this site's page (relative: /grader/ and /en/grader/ alike)."""
    return HINT_LINK.sub(
        lambda m: f'<a href="../common-bugs/#{m["anchor"]}">{m["shown"]}</a>', html
    )


def export(ansi: str, title: str) -> tuple[str, str]:
    """(HTML, SVG) of a terminal screen, in the theme of the report on the grader page."""
    from rich.console import Console
    from rich.terminal_theme import MONOKAI
    from rich.text import Text

    console = Console(
        record=True,
        file=io.StringIO(),
        width=WIDTH,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        soft_wrap=True,
    )
    text = ansi.replace("\r\n", "\n").replace("\r", "")
    # Wrapped at the terminal's width, as the terminal showed it.
    console.print(Text.from_ansi(text.strip("\n")), soft_wrap=False)
    html = console.export_html(
        theme=MONOKAI,
        inline_styles=True,
        clear=False,
        code_format='<pre class="grader-report"><code>{code}</code></pre>',
    )
    svg = console.export_svg(title=title, theme=MONOKAI)
    return html, svg


def generate(out_dir: Path = DEFAULT_OUT, svg_dir: Path | None = None) -> list[Path]:
    env = environment()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="watch-screens-") as base:
        root = make_course(Path(base))
        for lesson, source in LESSONS_BEFORE.items():
            fill(root / "lessons" / lesson, source)
            subprocess.run(
                [sys.executable, "-m", "autograder", f"lessons/{lesson}", "--format", "json"],
                cwd=root,
                env=env,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
            )
        for lang in LANGUAGES:
            screens = {
                "watch": (watch_screen(root, lang, env), "python -m autograder lessons/04 --watch"),
                "overview": (overview_screen(root, lang, env), "python -m autograder"),
            }
            for name, (ansi, title) in screens.items():
                if not ESCAPES.sub("", ansi).strip():
                    raise RuntimeError(f"the {name} screen is empty")
                html, svg = export(ansi, title)
                path = out_dir / f"{name}.{lang}.html"
                path.write_text(clickable(html) + "\n", encoding="utf-8")
                written.append(path)
                if svg_dir is not None:
                    svg_dir.mkdir(parents=True, exist_ok=True)
                    picture = svg_dir / f"{name}.{lang}.svg"
                    picture.write_text(svg, encoding="utf-8")
                    written.append(picture)
        shutil.rmtree(root, ignore_errors=True)
    return written


if __name__ == "__main__":
    args = sys.argv[1:]
    svg = None
    if "--svg" in args:
        at = args.index("--svg")
        svg = Path(args[at + 1])
        del args[at : at + 2]
    out = Path(args[0]) if args else DEFAULT_OUT
    for path in generate(out, svg):
        print(path)
