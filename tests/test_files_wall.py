"""A student's program sees only its own files, and the grader never reads through a link.

Tried the way an attacker would, in every isolation mode this machine supports:

* what a program sees from inside its private root (jail.py): its copy, a read-only
  runtime, its own /proc and /tmp; no /home, no course, no grader, no other submission;
* a server that walks the disk for other submissions, the course's solutions and an
  instructor's file, graded in a batch beside another student: nothing of theirs appears
  in any record;
* links to a root-only file, to /proc/self/environ and to ../other-student/server.py, a
  FIFO and a folder named server.py: a clear message, score 0 for what needs the file,
  never an internal error, never the target's text;
* a program that writes outside its folder: nothing outside changes;
* a grader run by an ordinary user (user namespaces): the same files wall;
* the fallback mode (no namespaces): the report says which walls were down; each grading
  has its own uid and a copy only that uid can read; lock files cannot be planted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_hostile import CANARIES, assert_nothing_left, grading_tmp, run_grader  # noqa: F401

from autograder.sandbox import (
    GRADING_UIDS,
    ROOT_LOCKS,
    Limits,
    SandboxFactory,
    namespaces_available,
    open_lock_file,
)

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
NAMESPACES = namespaces_available()
MODES = [
    pytest.param("netns", marks=pytest.mark.skipif(not NAMESPACES, reason="no namespaces here")),
    "ports",
]
MARKER = "INSTRUCTOR-MARKER-7f41"
SECRET = "root only secret 2718"  # a line with spaces: as "source" it is a syntax error
TAG = "written-by-04-hostile-writes-outside"
PROBE = """\
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def can_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return True
    except OSError:
        return False
print("ROOT", sorted(os.listdir("/")))
print("PIDS", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
print("UID", os.getuid())
print("CWD", os.getcwd())
print("WRITES", can_write("/submission/w"), can_write("/tmp/w"), can_write("/usr/w"), can_write("/w"))
print("MOUNT", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
print("COURSE", os.path.exists(os.environ["COURSE"]))
"""


def probe_lines(output: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in output.splitlines() if " " in line)


@pytest.mark.skipif(not NAMESPACES, reason="needs namespaces (unshare) on this system")
def test_a_program_sees_only_its_copy_a_read_only_runtime_and_its_own_proc(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE)
    factory = SandboxFactory(folder, "netns", Limits())
    runs = []
    try:
        # The grading's first sandbox tries the private root out; the second is built from
        # what the first learned (no trial build, no address lookup): both walls the same.
        for _ in range(2):
            box = factory.create()
            box.start([factory.python, "probe.py"], {"PATH": "/usr/bin:/bin", "COURSE": str(ROOT)})
            assert box.exited.wait(30), "the probe did not finish"
            runs.append((probe_lines(box.stdout_text()), box.stderr_text()))
            factory.release(box)
        learned = factory._learned
    finally:
        factory.close()
    assert learned["root_known_good"] is True and learned["host_addresses"] is not None
    (seen, stderr), (second, _) = runs
    assert seen, stderr
    assert {k: v for k, v in second.items() if k != "PIDS"} == {
        k: v for k, v in seen.items() if k != "PIDS"
    }
    top = set(eval(seen["ROOT"]))  # noqa: S307 - our own probe's repr of a list
    assert {"submission", "tmp", "usr", "proc", "dev", "etc"} <= top
    assert not top & {"home", "root", "srv", "opt", "work", "var", "run", "mnt", "media"}
    assert 1 not in eval(seen["PIDS"])  # noqa: S307 - the jail is hidden from it
    assert 1 not in eval(second["PIDS"])  # noqa: S307
    assert seen["CWD"] == "/submission"
    assert seen["WRITES"] == "True True False False"  # its copy and /tmp only
    assert seen["MOUNT"] == "-1"
    assert seen["COURSE"] == "False"
    if os.geteuid() == 0:
        assert int(seen["UID"]) in GRADING_UIDS  # this grading's own uid
    assert factory.walls.as_dict() == {
        "network": True,
        "processes": True,
        "files": True,
        "user": os.geteuid() == 0,
    }


@pytest.fixture
def course_class() -> Iterator[Path]:
    """A class folder as an instructor keeps it: two students, and the instructor's own
    file next to the folder (world-readable, as files often are)."""
    base = Path(tempfile.mkdtemp(prefix="files-wall-"))
    base.chmod(0o755)
    (base / "instructor-marker.txt").write_text(MARKER + "\n")
    shutil.copytree(SUBMISSIONS / "04-hostile-searches-disk", base / "class" / "alice")
    shutil.copytree(SUBMISSIONS / "04-classic", base / "class" / "bob")
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(not NAMESPACES, reason="needs namespaces (unshare) on this system")
def test_a_disk_search_in_a_batch_finds_nothing_of_anyone_else(course_class: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", "class", "--lesson", "04", "-j", "2"]
        + ["-o", "gradebook.csv", "--lang", "en"],
        cwd=course_class,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    records = {p.stem: p.read_text() for p in (course_class / "gradebook-reports").glob("*.json")}
    assert sorted(records) == ["alice", "bob"]
    # What the programs said, in every record (a record's own path and metadata aside).
    said = "\n".join(
        json.dumps(check, ensure_ascii=False)
        for record in records.values()
        for check in json.loads(record)["report"]["checks"]
    )
    for found in (MARKER, "course solutions", "/class/bob", str(ROOT), "/work/", "04-classic"):
        assert found not in said, f"{found!r} reached a record"
    alice = json.loads(records["alice"])["report"]
    starts = next(c for c in alice["checks"] if c["id"] == "starts")
    assert "found nothing outside my own folder" in starts["stderr_tail"]  # it did look
    assert alice["walls"]["files"] is True


@pytest.mark.slow
def test_without_namespaces_the_report_says_which_walls_were_down(
    grading_tmp: Path,  # noqa: F811 - a fixture
) -> None:
    folder = SUBMISSIONS / "04-hostile-searches-disk"
    proc = run_grader(
        grading_tmp, folder, "-k", "starts", "--isolation", "ports", "--format", "json"
    )
    report = json.loads(proc.stdout)
    walls = report["walls"]
    assert walls["network"] is False and walls["processes"] is False
    assert walls["files"] is False
    assert walls["user"] is (os.geteuid() == 0)
    text = run_grader(grading_tmp, folder, "-k", "starts", "--isolation", "ports")
    assert "Not isolated: network" in text.stdout and "files (student programs can" in text.stdout
    assert_nothing_left(grading_tmp, folder)


def link_cases(base: Path) -> dict[str, tuple[Path, str]]:
    """Submissions whose server.py is not a file of their own, and what must never show."""
    base.mkdir(mode=0o755)
    secret = base / "secret.txt"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    cases: dict[str, tuple[Path, str]] = {}
    root_only = base / "root-only"
    root_only.mkdir()
    (root_only / "server.py").symlink_to(secret)
    shutil.copy(SUBMISSIONS / "04-hostile-reads-grader-env" / "client.py", root_only)
    cases["root-only"] = (root_only, SECRET)
    cases["environ"] = (SUBMISSIONS / "04-hostile-link-environ", CANARIES["GITHUB_TOKEN"])
    classic = (SUBMISSIONS / "04-classic" / "server.py").read_text().splitlines()
    cases["other-student"] = (
        SUBMISSIONS / "04-hostile-link-other-student",
        next(line for line in classic if "def " in line),
    )
    fifo = base / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "server.py")
    cases["fifo"] = (fifo, "")
    folder = base / "folder"
    (folder / "server.py").mkdir(parents=True)
    (folder / "server.py" / "__main__.py").write_text("print('a folder ran')\n")
    cases["folder"] = (folder, "a folder ran")
    return cases


EXPECTED_MESSAGE = {
    "root-only": "server.py is a link to a file outside the submission",
    "environ": "server.py is a link to a file outside the submission (/proc/self/environ)",
    "other-student": "server.py is a link to a file outside the submission (../04-classic/server.py)",
    "fifo": "server.py is not a regular file",
    "folder": "server.py is a folder, not a file",
}


@pytest.mark.slow
@pytest.mark.parametrize("isolation", MODES)
@pytest.mark.parametrize("case", sorted(EXPECTED_MESSAGE))
def test_a_server_py_that_is_not_a_file_of_the_submission_is_named_never_read(
    case: str,
    isolation: str,
    grading_tmp: Path,  # noqa: F811 - a fixture
) -> None:
    folder, never = link_cases(grading_tmp / "cases")[case]
    proc = run_grader(
        grading_tmp,
        folder,
        "--lesson",
        "04",
        "--isolation",
        isolation,
        "--format",
        "json",
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr  # a report, not "could not grade"
    report = json.loads(proc.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    for check_id in ("requirements", "starts"):
        assert checks[check_id]["status"] == "failed"
        assert checks[check_id]["points"] == 0
        assert checks[check_id]["hint_anchor"] == "submission-files"
        assert EXPECTED_MESSAGE[case] in checks[check_id]["message"]
    assert all(c["status"] != "error" for c in report["checks"])
    assert "internal error" not in proc.stdout + proc.stderr
    if never:
        assert never not in proc.stdout + proc.stderr
    assert_nothing_left(grading_tmp, folder)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", MODES)
def test_a_program_that_writes_outside_its_folder_changes_nothing_outside(
    isolation: str,
    grading_tmp: Path,  # noqa: F811 - a fixture
) -> None:
    def planted() -> set[str]:
        """Files of the program's name in the machine's shared folders and the course."""
        found = {str(p) for p in (ROOT / "tests" / "submissions").rglob(TAG)}
        for shared in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
            found |= {str(p) for pattern in (TAG, f"*/{TAG}") for p in shared.glob(pattern)}
        return found

    sources = {p: p.read_bytes() for p in (ROOT / "tests" / "submissions").glob("*/server.py")}
    before = planted()
    folder = SUBMISSIONS / "04-hostile-writes-outside"
    proc = run_grader(
        grading_tmp, folder, "-k", "starts", "--isolation", isolation, "--format", "json"
    )
    report = json.loads(proc.stdout)
    tail = report["checks"][0]["stderr_tail"]
    assert "wrote:" in tail, "the program did not run"
    assert planted() == before, f"written outside its folder: {planted() - before}"
    changed = [p for p, data in sources.items() if p.exists() and p.read_bytes() != data]
    assert changed == []
    assert_nothing_left(grading_tmp, folder)


def unprivileged_python() -> str | None:
    """A system Python that can import the grader's dependencies from this venv."""
    candidate = shutil.which("python3", path="/usr/bin:/bin")
    if not candidate:
        return None
    version = subprocess.run(
        [candidate, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return candidate if version == str(tuple(sys.version_info[:2])) else None


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="becoming another user needs root")
@pytest.mark.skipif(not shutil.which("setpriv"), reason="needs setpriv (util-linux)")
def test_a_grader_run_by_an_ordinary_user_keeps_the_files_wall(tmp_path: Path) -> None:
    """A student grading their own work on their own machine: no root, user namespaces."""
    python = unprivileged_python()
    if python is None:
        pytest.skip("no system Python of the venv's version to run the grader unprivileged")
    allowed = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        + ["unshare", "--user", "--map-root-user", "--net", "--mount", "true"],
        capture_output=True,
        check=False,
    )
    if allowed.returncode != 0:
        pytest.skip("unprivileged user namespaces are not allowed here")
    tmp_path.chmod(0o777)
    site = next(Path(sys.prefix).glob("lib/python3*/site-packages"))
    folder = SUBMISSIONS / "04-hostile-searches-disk"
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", python, "-m"]
        + ["autograder", str(folder), "-k", "starts", "--format", "json", "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TMPDIR": str(tmp_path),
            "PYTHONPATH": f"{ROOT}{os.pathsep}{site}",
        },
        check=False,
    )
    assert proc.stdout.strip(), proc.stderr
    report = json.loads(proc.stdout)
    assert report["isolation"] == "netns"
    assert report["walls"] == {"network": True, "processes": True, "files": True, "user": False}
    tail = report["checks"][0]["stderr_tail"]
    assert "found nothing outside my own folder" in tail


@pytest.mark.skipif(os.geteuid() != 0, reason="the root-only lock folder is for root graders")
def test_a_lock_file_link_is_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep me\n")
    target.chmod(0o600)
    open_lock_file("warm-up.lock").close()  # the folder exists, root's alone
    assert (ROOT_LOCKS.stat().st_mode & 0o777) == 0o700
    planted = ROOT_LOCKS / "planted-by-test.lock"
    planted.unlink(missing_ok=True)
    planted.symlink_to(target)
    try:
        with pytest.raises(OSError):
            open_lock_file("planted-by-test.lock")
    finally:
        planted.unlink()
    assert target.read_text() == "keep me\n" and (target.stat().st_mode & 0o777) == 0o600


PEEK = """\
import os, sys
try:
    print("LISTED", os.listdir(sys.argv[1]))
except OSError as exc:
    print("REFUSED", type(exc).__name__)
try:
    open(os.path.join(os.path.dirname(os.getcwd()), "planted"), "w")
    print("WROTE next to its copy")
except OSError as exc:
    print("NOT WRITTEN", type(exc).__name__)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="a uid per grading needs root")
def test_without_namespaces_each_grading_has_its_own_uid_and_a_copy_only_it_reads(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "peek.py").write_text(PEEK)
    a = SandboxFactory(folder, "ports", Limits())
    b = SandboxFactory(folder, "ports", Limits())
    try:
        assert a.uid != b.uid and {a.uid, b.uid} <= set(GRADING_UIDS)
        box = b.create()
        box.start([b.python, "peek.py", str(a.copy)], {"PATH": "/usr/bin:/bin"})
        assert box.exited.wait(20)
        time.sleep(0.1)
        out = box.stdout_text()
    finally:
        a.close()
        b.close()
    assert "REFUSED PermissionError" in out, out
    assert "NOT WRITTEN PermissionError" in out, out  # the folder around its copy is root's
