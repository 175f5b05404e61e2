#!/usr/bin/env bash
# Install the grader a pull request is graded with, from a trusted source, into its own venv.
#
#   TRUSTED=trusted GRADER_VENV=/tmp/grader bash trusted/.github/scripts/install-grader.sh
#
# The source is the course checked out at the pull request's *base* ($TRUSTED), or, when
# AUTOGRADER_PIN is set (a pip requirement such as
# "socket-chat-course @ git+https://github.com/COURSE/REPO@v1.2"), that pinned release.
# Never the pull request's own files: it is a regular (not editable) install into a venv
# of its own, and the grader then runs with `python -I`, which ignores the current folder
# and PYTHONPATH, so nothing a student commits can be imported as the grader.
set -euo pipefail

: "${GRADER_VENV:?set GRADER_VENV to the folder for the grader venv}"
python=${PYTHON:-python3}

if [ -n "${AUTOGRADER_PIN:-}" ]; then
  source_spec=$AUTOGRADER_PIN
else
  : "${TRUSTED:?set TRUSTED to the trusted checkout (or AUTOGRADER_PIN)}"
  source_spec=$(cd "$TRUSTED" && pwd)
fi

"$python" -m venv "$GRADER_VENV"
"$GRADER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$source_spec"
installed=$("$GRADER_VENV/bin/python" -I -c 'import autograder, os; print(os.path.dirname(autograder.__file__))')
lessons=$("$GRADER_VENV/bin/python" -I -c 'from autograder.lessons import available_lessons; print(*available_lessons())')
echo "grader installed from ${AUTOGRADER_PIN:-the base checkout} into $installed (lessons with checks: $lessons)"
