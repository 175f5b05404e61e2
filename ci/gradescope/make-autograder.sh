#!/usr/bin/env bash
# Build the zip to upload to Gradescope for one lesson:
#
#   bash ci/gradescope/make-autograder.sh 04 autograder-04.zip
#
# The zip holds, at its root, what Gradescope needs (setup.sh, run_autograder) and what
# they install: the grader package (pyproject.toml, README.md, autograder/) and lesson.txt.
set -euo pipefail

lesson=${1:?usage: make-autograder.sh LESSON [OUT.zip]}
out=$(realpath -m "${2:-autograder-$lesson.zip}")
course=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-python3}

if [ ! -f "$course/autograder/rubrics/$lesson.toml" ]; then
  echo "no rubric for lesson $lesson in $course/autograder/rubrics" >&2
  exit 2
fi
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp "$course/ci/gradescope/setup.sh" "$course/ci/gradescope/run_autograder" "$staging/"
chmod +x "$staging/setup.sh" "$staging/run_autograder"
cp "$course/pyproject.toml" "$course/README.md" "$staging/"
(cd "$course" && tar --exclude='__pycache__' -cf - autograder) | tar -xf - -C "$staging"
printf '%s\n' "$lesson" >"$staging/lesson.txt"
rm -f "$out"
(cd "$staging" && "$python" -m zipfile -c "$out" setup.sh run_autograder pyproject.toml README.md lesson.txt autograder)
echo "$out"
