#!/usr/bin/env bash
# Grade the lessons a pull request changes, with a grader that does not come from it.
#
# Environment (see .github/workflows/grade.yml; ci/gitlab/grade.gitlab-ci.yml sets the same):
#   SUBMISSION   the pull request's head, checked out with history: only read, never run
#                as the grader (the student's programs in it run in the grader's sandbox)
#   BASE_SHA     the commit the pull request is compared with
#   GRADER_VENV  the venv install-grader.sh made from the trusted source
#   RESULTS      where the reports go (default: results)
#   AUTOGRADER_LANG   report language (default ru)
#
# For each lesson folder (lessons/NN/) the pull request changes and the grader has checks
# for, it writes results/lessonNN.{json,xml,md}, prints the text report to the log, and
# (through the grader) appends the Markdown report to $GITHUB_STEP_SUMMARY. It sets the
# step outputs `lessons` and `score_NN` in $GITHUB_OUTPUT. Exit code: 0 every graded
# lesson reaches its passing score (or no lesson changed), 1 one does not, 2 one could
# not be graded.
#
# On a runner where this user may use sudo without a password (GitHub's), the grader runs
# as root, so the student's programs run as an unprivileged user of their own in private
# network namespaces and cannot touch the runner's files (its step summary, its outputs).
# AUTOGRADER_SUDO=0 turns that off.
set -euo pipefail

: "${SUBMISSION:?}" "${BASE_SHA:?}" "${GRADER_VENV:?}"
results_dir=${RESULTS:-results}
lang=${AUTOGRADER_LANG:-ru}
python="$GRADER_VENV/bin/python"
mkdir -p "$results_dir"
results=$(cd "$results_dir" && pwd)
submission=$(cd "$SUBMISSION" && pwd)

summary() { if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"; fi; }
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s\n' "$@" >>"$GITHUB_OUTPUT"; fi; }

as_root=()
if [ "$(id -u)" != 0 ] && [ "${AUTOGRADER_SUDO:-1}" != 0 ] && sudo -n true 2>/dev/null; then
  as_root=(sudo -n "--preserve-env=GITHUB_STEP_SUMMARY,GITHUB_SERVER_URL,GITHUB_REPOSITORY,GITHUB_SHA,AUTOGRADER_DOCS_URL")
fi

# The base commit may be missing from a shallow or fork checkout: fetch it.
if ! git -C "$submission" cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
  git -C "$submission" fetch --quiet --no-tags origin "$BASE_SHA"
fi
changed_lessons=$(git -C "$submission" diff --name-only "$BASE_SHA...HEAD" |
  sed -n 's#^lessons/\([0-9][0-9]\)/.*#\1#p' | sort -u)
with_checks=" $("$python" -I -c 'from autograder.rubric import available_lessons; print(*available_lessons())') "

status=0
graded=()
for lesson in $changed_lessons; do
  if [[ "$with_checks" != *" $lesson "* ]]; then
    echo "lesson $lesson changed: it has no automatic checks yet"
    summary "- lesson $lesson changed: no automatic checks yet, check it by hand as its README describes" ""
    continue
  fi
  echo "::group::lesson $lesson"
  set +e
  # -I: the grader is the installed one; the current folder and PYTHONPATH are ignored.
  # --within: a lessons/NN that is a link out of the checkout is refused, not followed.
  (cd "$results" && "${as_root[@]}" "$python" -I -m autograder "$submission/lessons/$lesson" \
    --lesson "$lesson" --within "$submission" --lang "$lang" --format text \
    --format "json=lesson$lesson.json" --format "junit=lesson$lesson.xml" \
    --format "markdown=lesson$lesson.md")
  code=$?
  set -e
  echo "::endgroup::"
  graded+=("$lesson")
  if [ -f "$results/lesson$lesson.json" ]; then
    score=$("$python" -I -c 'import json, sys; print(json.load(open(sys.argv[1]))["score"])' \
      "$results/lesson$lesson.json")
    output "score_$lesson=$score"
    echo "lesson $lesson: $score (grader exit $code)"
  fi
  if [ "$code" -ge 2 ]; then
    echo "::error::lesson $lesson could not be graded (exit $code)"
    summary "- lesson $lesson: could not be graded (exit $code), see the job log" ""
    status=2
  elif [ "$code" -eq 1 ] && [ "$status" -eq 0 ]; then
    echo "::error::lesson $lesson is below its passing score"
    status=1
  fi
done

output "lessons=${graded[*]:-}"
if [ "${#graded[@]}" -eq 0 ]; then
  echo "no lesson with automatic checks changed: nothing to grade"
  summary "No lesson with automatic checks changed in this pull request: nothing to grade." ""
fi
exit "$status"
