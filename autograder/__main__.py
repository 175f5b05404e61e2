"""Entry point: `python -m autograder PATH`."""

import sys

from autograder.cli import main

sys.exit(main())
