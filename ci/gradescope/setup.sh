#!/usr/bin/env bash
# Gradescope: installs the grader while the autograder image is built (Ubuntu, as root).
#
# The autograder zip (made by ci/gradescope/make-autograder.sh) holds this file,
# run_autograder, the grader package (pyproject.toml, autograder/) and lesson.txt; Gradescope
# unpacks it into /autograder/source. The grader goes into a venv of its own,
# /autograder/venv. AUTOGRADER_ROOT moves /autograder (for testing outside Gradescope).
set -euo pipefail

root=${AUTOGRADER_ROOT:-/autograder}
source_dir="$root/source"

# The image's Python 3 if it has venv support, else Ubuntu's.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi

python3 -m venv "$root/venv"
"$root/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$source_dir"
"$root/venv/bin/python" -I -m autograder --list --lesson "$(cat "$source_dir/lesson.txt")"
