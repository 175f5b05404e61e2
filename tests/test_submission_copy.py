"""The grader's copy of a submission holds only what lies inside it (submission_copy.py).

Pure file handling, no program runs: a link out of the submission, a FIFO, a device is
left out and named; a link inside it works; the content of what is left out is never read.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from autograder import submission_copy
from autograder.submission_copy import copy_submission, program_problem

SECRET = "the instructor's secret, not for students"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file next to the submission that only its owner may read."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    return secret


def make(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def all_text(folder: Path) -> str:
    return "".join(p.read_text() for p in folder.rglob("*") if p.is_file())


def test_regular_files_and_folders_are_copied_as_they_are(tmp_path: Path) -> None:
    source = make(tmp_path / "sub", {"server.py": "print(1)\n", "lib/util.py": "X = 2\n"})
    copy = copy_submission(source, tmp_path / "copy")
    assert (tmp_path / "copy" / "server.py").read_text() == "print(1)\n"
    assert (tmp_path / "copy" / "lib" / "util.py").read_text() == "X = 2\n"
    assert copy.refused == {}


@pytest.mark.parametrize(
    "target",
    ["absolute", "dotdot", "/proc/self/environ", "/etc"],
)
def test_a_link_out_of_the_submission_is_refused_and_never_read(
    tmp_path: Path, outside: Path, target: str
) -> None:
    source = make(tmp_path / "class" / "alice", {"client.py": "pass\n"})
    link = {"absolute": str(outside), "dotdot": "../../secret.txt"}.get(target, target)
    (source / "server.py").symlink_to(link)
    copy = copy_submission(source, tmp_path / "copy")
    assert not (tmp_path / "copy" / "server.py").exists()
    assert copy.refused["server.py"].reason == "outside"
    assert copy.refused["server.py"].target == link  # what the link says, not what it names
    assert SECRET not in all_text(tmp_path / "copy")
    message = program_problem(tmp_path / "copy", "server.py", copy.refused)
    assert message is not None
    assert "server.py is a link to a file outside the submission" in message.en
    assert "submit the file itself" in message.en
    assert SECRET not in message.en + message.ru


def test_a_link_to_another_students_file_is_refused(tmp_path: Path) -> None:
    make(tmp_path / "class" / "bob", {"server.py": "print('bob wrote this')\n"})
    alice = make(tmp_path / "class" / "alice", {})
    (alice / "server.py").symlink_to("../bob/server.py")
    copy = copy_submission(alice, tmp_path / "copy")
    assert copy.refused["server.py"].reason == "outside"
    assert "bob wrote this" not in all_text(tmp_path / "copy")


def test_links_inside_the_submission_work_as_the_student_meant(tmp_path: Path) -> None:
    source = make(tmp_path / "sub", {"src/chat_server.py": "print('chat')\n"})
    (source / "server.py").symlink_to("src/chat_server.py")
    (source / "code").symlink_to("src")
    (source / "src" / "loop").symlink_to("..")  # a cycle back to the top: copied once
    copy = copy_submission(source, tmp_path / "copy")
    assert (tmp_path / "copy" / "server.py").read_text() == "print('chat')\n"
    assert not (tmp_path / "copy" / "server.py").is_symlink()
    assert (tmp_path / "copy" / "code" / "chat_server.py").read_text() == "print('chat')\n"
    assert copy.refused == {}


def test_a_link_that_leads_nowhere_is_named(tmp_path: Path) -> None:
    source = make(tmp_path / "sub", {})
    (source / "server.py").symlink_to("missing.py")
    (source / "a.py").symlink_to("b.py")
    (source / "b.py").symlink_to("a.py")
    copy = copy_submission(source, tmp_path / "copy")
    assert {name: r.reason for name, r in copy.refused.items()} == {
        "server.py": "loop",
        "a.py": "loop",
        "b.py": "loop",
    }
    message = program_problem(tmp_path / "copy", "server.py", copy.refused)
    assert message is not None and "leads nowhere" in message.en


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    source = make(tmp_path / "sub", {})
    os.mkfifo(source / "server.py")
    result: list[object] = []
    worker = threading.Thread(
        target=lambda: result.append(copy_submission(source, tmp_path / "copy")), daemon=True
    )
    worker.start()
    worker.join(10)
    assert result, "copying a FIFO blocked: it was opened as a file"
    copy = result[0]
    assert isinstance(copy, submission_copy.SubmissionCopy)
    assert copy.refused["server.py"].reason == "special"
    message = program_problem(tmp_path / "copy", "server.py", copy.refused)
    assert message is not None and "not a regular file" in message.en


def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    source = make(tmp_path / "sub", {})
    os.symlink("/dev/zero", source / "server.py")  # outside anyway; never read forever
    copy = copy_submission(source, tmp_path / "copy")
    assert copy.refused["server.py"].reason == "outside"


def test_a_program_that_is_a_folder_is_named(tmp_path: Path) -> None:
    source = make(tmp_path / "sub", {"server.py/__main__.py": "print('a folder ran')\n"})
    copy = copy_submission(source, tmp_path / "copy")
    message = program_problem(tmp_path / "copy", "server.py", copy.refused)
    assert message is not None and "server.py is a folder, not a file" in message.en


def test_tool_folders_are_left_out(tmp_path: Path) -> None:
    source = make(
        tmp_path / "sub",
        {"server.py": "", ".git/config": "", ".venv/x.py": "", "__pycache__/s.pyc": ""},
    )
    copy_submission(source, tmp_path / "copy")
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["server.py"]


def test_a_huge_submission_is_cut_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submission_copy, "MAX_FILES", 3)
    source = make(tmp_path / "sub", {f"f{n}.py": "x\n" for n in range(5)})
    copy = copy_submission(source, tmp_path / "copy")
    assert len(list((tmp_path / "copy").iterdir())) == 3
    assert {r.reason for r in copy.refused.values()} == {"too-big"}


def test_the_folder_given_to_the_grader_may_itself_be_a_link(tmp_path: Path) -> None:
    """The top folder is the instructor's choice: trusted, links and all."""
    real = make(tmp_path / "real", {"server.py": "print(1)\n"})
    (tmp_path / "alias").symlink_to(real)
    copy = copy_submission(tmp_path / "alias", tmp_path / "copy")
    assert (tmp_path / "copy" / "server.py").exists() and copy.refused == {}
