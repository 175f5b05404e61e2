"""The course autograder: runs a student's real chat programs and says what is wrong.

`python -m autograder lessons/04` grades a folder; see `cli.py` for the options,
`runner.py` for how a grading proceeds and `checks/` for what is checked.
"""

__version__ = "0.1.0"
