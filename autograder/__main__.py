"""Entry point: `python -m autograder PATH`."""

import importlib
import sys

# A student who runs the grader with an interpreter the course was not installed into
# gets a sentence to act on, not an ImportError traceback (exit 2: could not grade).
_missing = []
for _name in ("rich", "psutil"):
    try:
        importlib.import_module(_name)
    except ImportError:
        _missing.append(_name)
if _missing:
    sys.stderr.write(
        f"autograder: missing {', '.join(_missing)} for {sys.executable}.\n"
        "Install the course first (README, step 1):\n"
        '  python3 -m venv .venv && .venv/bin/pip install -e ".[dev]"\n'
        "then run .venv/bin/python -m autograder ... (or activate .venv).\n"
        "Не хватает зависимостей: установите курс (README, шаг 1) и запускайте через .venv.\n"
    )
    sys.exit(2)

from autograder.cli import main  # noqa: E402 - only once the dependencies are known present

sys.exit(main())
