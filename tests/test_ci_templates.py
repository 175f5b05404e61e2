"""The CI templates a course copies: validated against their schemas, and really run.

* `.github/workflows/grade.yml` is checked against GitHub's workflow schema and GitLab's
  job against GitLab's (check-jsonschema's built-in copies: no network), then the
  workflow is *executed*: its `run:` steps run with bash, in order, in a simulated runner
  (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, RUNNER_TEMP...), after its checkouts are done by
  hand from a temporary git repository that holds the course (the base commit) and a
  student's pull request. The pull request also edits the rubric, the checks and the
  grading script: the score must not move.
* The Gradescope pair (`setup.sh`, `run_autograder`) runs in a temporary folder shaped
  like /autograder, from the zip that `make-autograder.sh` builds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "grade.yml"
GITLAB_JOB = ROOT / "ci" / "gitlab" / "grade.gitlab-ci.yml"
GRADESCOPE_SCHEMA = json.loads(
    (ROOT / "tests" / "schemas" / "gradescope-results.schema.json").read_text(encoding="utf-8")
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Student",
    "GIT_AUTHOR_EMAIL": "student@example.org",
    "GIT_COMMITTER_NAME": "Student",
    "GIT_COMMITTER_EMAIL": "student@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",  # no user git config
}


def load_workflow() -> dict:
    return YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- static checks -------------------------------------------------------------------------
def test_workflow_is_valid_against_githubs_workflow_schema() -> None:
    proc = check_jsonschema("vendor.github-workflows", WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gitlab_job_is_valid_against_gitlabs_schema() -> None:
    proc = check_jsonschema("vendor.gitlab-ci", GITLAB_JOB)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schema_check_is_not_vacuous(tmp_path: Path) -> None:
    broken = tmp_path / "grade.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:"))
    assert check_jsonschema("vendor.github-workflows", broken).returncode != 0


def test_workflow_takes_nothing_but_data_from_the_pull_request() -> None:
    """pull_request_target (this file as on the base branch), read-only token, no
    credentials kept, the grader checked out from the base commit, every script run from
    that checkout, and no ${{ }} expression inside a script (no injection)."""
    workflow = load_workflow()
    triggers = workflow.get("on") or workflow.get(True)  # YAML 1.1 reads `on` as true
    assert set(triggers) == {"pull_request_target"}
    assert workflow["permissions"] == {"contents": "read"}
    steps = workflow["jobs"]["grade"]["steps"]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    refs = {s["with"]["path"]: s["with"]["ref"] for s in checkouts}
    assert refs == {
        "trusted": "${{ github.event.pull_request.base.sha }}",
        "submission": "${{ github.event.pull_request.head.sha }}",
    }
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)
    runs = [s["run"] for s in steps if "run" in s]
    assert runs and all(r.startswith("bash trusted/.github/scripts/") for r in runs)
    assert not any("${{" in r for r in runs)
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert uploads and uploads[0]["with"]["path"] == "results/"


# --- the workflow, executed ------------------------------------------------------------------
def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    ).stdout.strip()


def course_files() -> list[str]:
    """The course as a student's repository holds it (tracked and new files, not ignored)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [f for f in listed if (ROOT / f).is_file() and not f.startswith("tests/")]


def make_repository(origin: Path) -> str:
    """A git repository with the course as its first commit; returns that commit."""
    for name in course_files():
        target = origin / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git(origin, "init", "-q", "-b", "main")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "course")
    return git(origin, "rev-parse", "HEAD")


def commit(origin: Path, message: str) -> str:
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", message)
    return git(origin, "rev-parse", "HEAD")


INSTALL, GRADE = "Install the grader", "Grade the lessons this pull request changes"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def run_workflow(
    origin: Path, base: str, head: str, workspace: Path, temp: Path, skip: tuple[str, ...] = ()
) -> dict:
    """Run grade.yml's steps as a GitHub runner would, for a pull request base..head.

    `temp` is RUNNER_TEMP (where the grader's venv goes); steps named in `skip` do not run
    (the install step, once the module's fixture has run it into the same RUNNER_TEMP).
    """
    workspace.mkdir()
    summary, outputs = workspace / "step_summary.md", workspace / "github_output.txt"
    summary.touch()
    outputs.touch()
    values = {
        "github.event.pull_request.base.sha": base,
        "github.event.pull_request.head.sha": head,
        "github.event.pull_request.number": "7",
        "runner.temp": str(temp),
        "vars.AUTOGRADER_PIN": "",
        "vars.AUTOGRADER_LANG || 'ru'": "en",  # as if the course set AUTOGRADER_LANG=en
        "vars.AUTOGRADER_DOCS_URL": "",
        "!cancelled()": "true",
    }

    def expand(text: str) -> str:
        return EXPRESSION.sub(lambda m: values[m.group(1)], str(text))

    runner_env = {key: value for key, value in os.environ.items() if not key.startswith("GITHUB_")}
    runner_env.pop("PYTHONPATH", None)
    runner_env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request_target",
            "GITHUB_BASE_REF": "main",
            "GITHUB_HEAD_REF": "student",
            "GITHUB_SHA": base,
            "GITHUB_REPOSITORY": "course/chat",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(outputs),
            "RUNNER_TEMP": str(temp),
        }
    )
    steps = load_workflow()["jobs"]["grade"]["steps"]
    codes = {}
    for step in steps:
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/checkout@"):
            ref, path = expand(step["with"]["ref"]), workspace / step["with"]["path"]
            subprocess.run(["git", "clone", "-q", str(origin), str(path)], check=True)
            git(path, "checkout", "-q", "--detach", ref)
        elif uses.startswith("actions/upload-artifact@"):
            codes["upload"] = sorted(p.name for p in (workspace / step["with"]["path"]).iterdir())
        elif "run" in step and step["name"] not in skip:
            env = {**runner_env, **{k: expand(v) for k, v in step.get("env", {}).items()}}
            script = workspace / "step.sh"
            script.write_text(step["run"])
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            codes[step["name"]] = proc.returncode
            codes[step["name"] + ": log"] = proc.stdout + proc.stderr
            if proc.returncode != 0:
                break  # a failed step ends the job; `if: !cancelled()` steps still run
    for step in steps:  # the artifact upload runs after a failure too
        if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
            results = workspace / step["with"]["path"]
            codes["upload"] = sorted(p.name for p in results.iterdir()) if results.exists() else []
    codes["summary"] = summary.read_text(encoding="utf-8")
    codes["outputs"] = dict(
        line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if line
    )
    codes["results"] = workspace / "results"
    return codes


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """The course's repository, its base commit, and a RUNNER_TEMP in which the workflow's
    install step has run (once for the module: it takes a pip install)."""
    origin = tmp_path_factory.mktemp("origin")
    origin.chmod(0o755)
    base = make_repository(origin)
    temp = tmp_path_factory.mktemp("runner-temp")
    job = run_workflow(origin, base, base, tmp_path_factory.mktemp("w") / "install", temp)
    assert job[INSTALL] == 0, job[INSTALL + ": log"]
    assert "grader installed from the base checkout" in job[INSTALL + ": log"]
    return origin, base, temp


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_pull_request_that_edits_the_checks_gets_the_trusted_grade(
    course: tuple[Path, str, Path], tmp_path: Path
) -> None:
    origin, base, temp = course
    git(origin, "checkout", "-q", "-b", "cheat", base)
    server = origin / "lessons" / "04" / "server.py"  # work in progress, with a syntax error
    server.write_text(server.read_text(encoding="utf-8") + "\nif ready\n    serve()\n")
    (origin / "lessons" / "09").mkdir()
    (origin / "lessons" / "09" / "notes.md").write_text("a lesson nobody grades\n")
    commit(origin, "work on lesson 04")
    # The cheat: a rubric that passes everything, checks that pass whatever happens, a
    # grading script that always succeeds.
    rubric = origin / "autograder" / "rubrics" / "04.toml"
    rubric.write_text(rubric.read_text().replace("passing_score = 60", "passing_score = 0"))
    checks = origin / "autograder" / "checks" / "lesson04.py"
    checks.write_text(
        checks.read_text() + "\nimport dataclasses\nfor _id, _c in list(CHECKS.checks.items()):\n"
        "    CHECKS.checks[_id] = dataclasses.replace(_c, function=lambda ctx: None)\n"
    )  # with this grader every check passes (100/100, passing score 0)
    script = origin / ".github" / "scripts" / "grade-pull-request.sh"
    script.write_text("#!/bin/sh\necho all good; exit 0\n")
    head = commit(origin, "make grading easier")
    git(origin, "checkout", "-q", "main")

    job = run_workflow(origin, base, head, tmp_path / "workspace", temp, skip=(INSTALL,))
    log = job[GRADE + ": log"]
    assert job[GRADE] == 1, log  # below the passing score: the job fails
    report = json.loads((job["results"] / "lesson04.json").read_text(encoding="utf-8"))
    assert report["passing_score"] == 60 and report["score"] < 60
    assert len(report["checks"]) == 15 and report["passed"] is False
    # Only the lesson the pull request changed was graded; lesson 09 has no checks.
    assert job["upload"] == ["lesson04.json", "lesson04.md", "lesson04.xml"]
    assert job["outputs"]["lessons"] == "04"
    assert float(job["outputs"]["score_04"]) == report["score"]
    assert "lesson 09 changed: no automatic checks yet" in job["summary"]
    assert "### ❌ Lesson 04" in job["summary"] and "<details>" in job["summary"]
    assert "all good" not in log


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_passing_pull_request_passes_and_writes_its_summary(
    course: tuple[Path, str, Path], tmp_path: Path
) -> None:
    origin, base, temp = course
    git(origin, "checkout", "-q", "-b", "solved", base)
    for name in ("server.py", "client.py"):
        shutil.copy(ROOT / "solutions" / "04" / name, origin / "lessons" / "04" / name)
    head = commit(origin, "lesson 04 done")
    git(origin, "checkout", "-q", "main")

    job = run_workflow(origin, base, head, tmp_path / "workspace", temp, skip=(INSTALL,))
    assert job[GRADE] == 0, job[GRADE + ": log"]
    assert job["outputs"] == {"score_04": "100", "lessons": "04"}
    assert job["summary"].startswith("### ✅ Lesson 04")
    assert "https://github.com/course/chat/blob/" not in job["summary"]  # no failure, no link
    assert "Total: 100/100" in job[GRADE + ": log"]  # the text report in the job log


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_pull_request_that_changes_no_lesson_grades_nothing(
    course: tuple[Path, str, Path], tmp_path: Path
) -> None:
    origin, base, temp = course
    git(origin, "checkout", "-q", "-b", "typo", base)
    (origin / "README.md").write_text((origin / "README.md").read_text() + "\ntypo fixed\n")
    head = commit(origin, "fix a typo")
    git(origin, "checkout", "-q", "main")
    job = run_workflow(origin, base, head, tmp_path / "workspace", temp, skip=(INSTALL,))
    assert job[GRADE] == 0, job[GRADE + ": log"]
    assert job["outputs"] == {"lessons": ""} and job["upload"] == []
    assert "nothing to grade" in job["summary"]


# --- Gradescope ----------------------------------------------------------------------------------
def unzip_keeping_modes(archive: Path, target: Path) -> None:
    """Extract as `unzip` does on Linux: executable bits included."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            z.extract(info, target)
            mode = info.external_attr >> 16
            if mode and not info.is_dir():
                (target / info.filename).chmod(mode & 0o777)


@pytest.fixture(scope="module")
def gradescope_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/autograder as Gradescope builds it: the zip in source/, setup.sh run once, and
    run_autograder copied to the root."""
    root = tmp_path_factory.mktemp("autograder")
    root.chmod(0o755)
    archive = root / "autograder.zip"
    subprocess.run(
        ["bash", str(ROOT / "ci" / "gradescope" / "make-autograder.sh"), "04", str(archive)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    names = set(zipfile.ZipFile(archive).namelist())
    assert {"setup.sh", "run_autograder", "pyproject.toml", "lesson.txt"} <= names
    unzip_keeping_modes(archive, root / "source")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        env={**env, "AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(root: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env={**base, "AUTOGRADER_ROOT": str(root), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    return proc, results


def submit(root: Path, files: dict[str, Path | str]) -> None:
    folder = root / "submission"
    shutil.rmtree(folder, ignore_errors=True)
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_gradescope_run_autograder_grades_without_namespaces(gradescope_root: Path) -> None:
    """A repository-shaped submission (lessons/04/ inside), graded the way a container
    without namespaces must: --isolation ports."""
    submit(
        gradescope_root,
        {
            "README.md": "my course repo\n",
            "lessons/04/server.py": ROOT / "solutions" / "04" / "server.py",
            "lessons/04/client.py": ROOT / "solutions" / "04" / "client.py",
        },
    )
    proc, results = run_autograder(gradescope_root, AUTOGRADER_ISOLATION="ports")
    assert proc.returncode == 0, proc.stderr
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    failed = [
        f"{t['name']}: {t.get('output', '')}" for t in results["tests"] if t["status"] != "passed"
    ]
    assert results["score"] == 100, "\n".join(failed) + "\n--- the report:\n" + proc.stdout
    assert results["extra_data"]["isolation"] == "ports"
    assert len(results["tests"]) == 15
    assert "100/100" in proc.stdout  # the text report, for the instructor


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_gradescope_submission_that_cannot_be_graded_still_gets_results(
    gradescope_root: Path,
) -> None:
    submit(gradescope_root, {"chat.txt": "I forgot the code\n"})
    proc, results = run_autograder(gradescope_root)
    assert proc.returncode == 0
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == 0 and "no server file" in results["output"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_gradescope_never_grades_a_lesson_folder_that_links_out_of_the_submission(
    gradescope_root: Path, tmp_path: Path
) -> None:
    """An upload whose lessons/04 is a link to somebody else's folder (here a copy of the
    reference solution elsewhere on the machine): refused, score 0, nothing of it run."""
    elsewhere = tmp_path / "another-students-work"
    shutil.copytree(ROOT / "solutions" / "04", elsewhere)
    submit(gradescope_root, {"README.md": "my repo\n"})
    (gradescope_root / "submission" / "lessons").mkdir()
    (gradescope_root / "submission" / "lessons" / "04").symlink_to(elsewhere)
    proc, results = run_autograder(gradescope_root)
    assert proc.returncode == 0
    jsonschema.validate(results, GRADESCOPE_SCHEMA)
    assert results["score"] == 0 and "outside" in results["output"], results
    assert results["tests"] == []


# --- the instructor's pages -----------------------------------------------------------------------
@pytest.mark.parametrize("page", ["ci.md", "ci.en.md"])
def test_instructor_page_links_only_to_what_exists(page: str) -> None:
    docs = ROOT / "docs"
    text = (docs / page).read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links
    for link in links:
        if re.match(r"^[a-z]+://", link):
            continue
        target, _, anchor = link.partition("#")
        if not target:
            assert anchor in anchors, f"{page}: no anchor #{anchor}"
            continue
        assert (docs / target).exists(), f"{page}: {link} does not exist"
    for name in ("grade.yml", "run_autograder", "setup.sh", "grade.gitlab-ci.yml"):
        assert name in text
