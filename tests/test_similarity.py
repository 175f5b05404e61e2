"""`python -m autograder similar`: which submissions of a class share code.

The class in tests/similarity/ is small and built for this: `bob` is `alice` with every
name and comment changed (the test below proves that nothing else differs), `carol` and
`dave` each filled in the lesson 04 starter on their own (they share the starter and
nothing else), `erin` is last year's `2025-frank` renamed (found against the archive,
where `2025-ivan` copied `2025-frank` too: archive entries are never compared with each
other), `grace` and `heidi` wrote theirs from scratch.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from autograder import similarity
from autograder.batch import Job, Record, gradebook_rows, record_path
from autograder.similarity import Request, read_python_files

ROOT = Path(__file__).resolve().parent.parent
CLASS = ROOT / "tests" / "similarity" / "class"
ARCHIVE = ROOT / "tests" / "similarity" / "archive"
STARTER = ROOT / "lessons" / "04"


def similar(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", "similar", *args, "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture(scope="module")
def comparison() -> similarity.Comparison:
    [result] = similarity.run(Request([CLASS], "04", None, [ARCHIVE]))
    return result


def pair_names(pair: similarity.Pair) -> frozenset[str]:
    return frozenset((pair.a.name, pair.b.name))


def rank_of(comparison: similarity.Comparison, a: str, b: str) -> int | None:
    for n, pair in enumerate(comparison.pairs, start=1):
        if pair_names(pair) == {a, b}:
            return n
    return None


# --- the fixture class is what it claims to be --------------------------------------------------
def code_without_names_and_comments(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE}
    return [
        (t.type, "NAME" if t.type == tokenize.NAME and not _keyword(t.string) else t.string)
        for t in tokens
        if t.type not in skipped
    ]


def _keyword(word: str) -> bool:
    import keyword

    return keyword.iskeyword(word)


@pytest.mark.parametrize("program", ["server.py", "client.py"])
def test_bob_differs_from_alice_only_in_names_and_comments(program: str) -> None:
    alice, bob = CLASS / "alice" / program, CLASS / "bob" / program
    assert alice.read_text() != bob.read_text()
    assert code_without_names_and_comments(alice) == code_without_names_and_comments(bob)


# --- the ranking ------------------------------------------------------------------------------------
def test_a_copy_with_other_names_and_comments_ranks_first(
    comparison: similarity.Comparison,
) -> None:
    first = comparison.pairs[0]
    assert pair_names(first) == {"alice", "bob"}
    assert first.score == pytest.approx(1.0)
    assert comparison.closest["alice"].name == "bob"
    assert comparison.closest["bob"].name == "alice"


def test_two_submissions_that_share_only_the_starter_do_not_rank_high(
    comparison: similarity.Comparison, tmp_path: Path
) -> None:
    rank = rank_of(comparison, "carol", "dave")
    pair = next((p for p in comparison.pairs if pair_names(p) == {"carol", "dave"}), None)
    assert pair is None or pair.score < 0.1, pair and pair.score
    assert rank is None or rank > 10
    # Without the starter left out, the same two would be near the top: the exclusion is
    # what keeps them down.
    [plain] = similarity.run(Request([CLASS], "04", tmp_path, []))  # an empty starter
    together = next(p for p in plain.pairs if pair_names(p) == {"carol", "dave"})
    assert together.score > 0.5
    assert (rank_of(plain, "carol", "dave") or 99) <= 6


def test_a_copy_of_an_archive_entry_is_found_against_the_archive(
    comparison: similarity.Comparison,
) -> None:
    closest = comparison.closest["erin"]
    assert closest.name in {"archive/2025-frank", "archive/2025-ivan"}
    assert closest.share > 0.9
    assert rank_of(comparison, "erin", "archive/2025-frank") in (2, 3)
    # Archive entries are compared with the class, never with each other (ivan copied frank).
    assert rank_of(comparison, "archive/2025-frank", "archive/2025-ivan") is None
    assert all(not pair.a.archive for pair in comparison.pairs)
    assert "archive/2025-frank" not in comparison.closest


def test_the_ranking_is_the_same_on_every_run(tmp_path: Path) -> None:
    """All k-grams are kept (no winnowing window), so Python's per-process string hashing
    cannot change which fingerprints are compared."""
    rankings = []
    for seed in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "-m", "autograder", "similar", str(CLASS), "--lesson", "04"]
            + [
                "--archive",
                str(ARCHIVE),
                "--top",
                "50",
                "-o",
                str(tmp_path / f"report-{seed}.html"),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        rankings.append(run.stdout.splitlines()[:-1])  # the last line has the time
    assert rankings[0] == rankings[1]
    assert len(rankings[0]) > 10


# --- reading untrusted folders ----------------------------------------------------------------------
def test_the_reader_never_follows_a_link_and_skips_special_and_huge_files(tmp_path: Path) -> None:
    secret = tmp_path / "instructor" / "answers.py"
    secret.parent.mkdir()
    secret.write_text("SECRET = 'the instructor answer key'\n")
    student = tmp_path / "student"
    (student / "pkg").mkdir(parents=True)
    (student / "server.py").write_text("print('mine')\n")
    (student / "pkg" / "util.py").write_text("X = 1\n")
    (student / "stolen.py").symlink_to(secret)
    (student / "linked").symlink_to(secret.parent, target_is_directory=True)
    os.mkfifo(student / "pipe.py")  # reading it would block forever
    (student / "huge.py").write_bytes(b"#" * (similarity.MAX_FILE_BYTES + 1))
    (student / ".git").mkdir()
    (student / ".git" / "hook.py").write_text("hidden = True\n")
    (student / "notes.txt").write_text("not Python\n")

    contents = read_python_files(student)

    assert [f.path for f in contents.files] == ["server.py", "pkg/util.py"]
    assert all("SECRET" not in f.text for f in contents.files)
    notes = "\n".join(contents.skipped)
    assert "stolen.py: a link, not followed" in notes
    assert "linked/: a link, not followed" in notes
    assert "pipe.py: not a regular file" in notes
    assert "huge.py: larger than" in notes


def test_a_submission_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    with pytest.raises(similarity.SimilarityError, match="link"):
        read_python_files(tmp_path / "link")


def test_the_reader_stops_at_the_limit_of_one_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(similarity.reading, "MAX_FILES", 3)
    for n in range(5):
        (tmp_path / f"m{n}.py").write_text(f"X{n} = {n}\n")
    contents = read_python_files(tmp_path)
    assert len(contents.files) == 3
    assert sum("over the limit" in note for note in contents.skipped) == 2


# --- the report -------------------------------------------------------------------------------------
HOSTILE = '"""</pre><script>alert("pwned")</script><img src="http://evil.example/x.png">"""\n'


def test_the_report_escapes_everything_and_loads_nothing(tmp_path: Path) -> None:
    klass, archive = tmp_path / "class", tmp_path / "<b onclick='x()'>old"
    for folder in (klass / "one", klass / "two", archive / "three"):
        shutil.copytree(CLASS / "alice", folder)
        (folder / "server.py").write_text(
            HOSTILE + (CLASS / "alice" / "server.py").read_text(encoding="utf-8"),
            encoding="utf-8",
        )
    out = tmp_path / "report.html"
    run = similar(
        str(klass), "--lesson", "04", "--archive", str(archive), "-o", str(out), cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page and "<b onclick" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert "&lt;b onclick=&#x27;x()&#x27;&gt;old/three" in page  # an archive's folder name
    assert page.count("<script>") == 1  # the report's own, inline
    for attribute in ("src=", 'href="http', "href='http", "@import", "url("):
        assert attribute not in page.replace("&lt;img src=", ""), attribute


def test_the_report_shows_the_pairs_with_their_shared_code(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    run = similar(
        str(CLASS), "--lesson", "04", "--archive", str(ARCHIVE), "-o", str(out), cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("lesson 04: 7 submissions, 2 archived")
    assert lines[1].split()[1:4] == ["100%", "alice", "bob"]
    page = out.read_text(encoding="utf-8")
    assert 'id="pair-04-1"' in page and "alice ↔ bob" in page
    # bob's renamed generator is highlighted as found in alice, starter code is greyed
    assert '<mark data-side="b"' in page and "get_lines" in page
    assert '<span class="starter">' in page


# --- the batch gradebook ----------------------------------------------------------------------------
def test_gradebook_appends_the_closest_match_after_every_other_column() -> None:
    jobs = [Job("a", Path("/x/a"), "04"), Job("b", Path("/x/b"), "04")]
    records = {
        job.key: Record(job.key, str(job.path), "04", "graded", 0, 1.0, report={"score": 50})
        for job in jobs
    }
    plain, _ = gradebook_rows(jobs, records, ["join"])
    extra = (["closest_match", "closest_match_score"], {"a": {"closest_match": "b"}})
    header, rows = gradebook_rows(jobs, records, ["join"], extra)
    assert header == [*plain, "closest_match", "closest_match_score"]
    assert rows[0]["closest_match"] == "b" and rows[1]["closest_match"] == ""


def test_batch_with_similarity_writes_the_report_and_the_columns(tmp_path: Path) -> None:
    """A real `batch --similarity` on a class whose gradings are already recorded (a resumed
    batch grades nothing again), so only the comparison runs."""
    klass = tmp_path / "class"
    shutil.copytree(CLASS, klass)
    gradebook = tmp_path / "g.csv"
    for folder in sorted(klass.iterdir()):
        job = Job(folder.name, folder.resolve(), "04")
        record = Record(job.key, str(job.path), "04", "graded", 1, 2.0, report={"score": 40})
        path = record_path(gradebook, job)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(record.as_dict()), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", str(klass), "--lesson", "04", "-o"]
        + [str(gradebook), "--similarity", "--archive", str(ARCHIVE), "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr
    assert "7 already done, 0 to grade" in run.stdout
    assert (tmp_path / "g-similarity.html").is_file()
    with gradebook.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = {row["submission"]: row for row in reader}
        header = reader.fieldnames or []
    assert header[-2:] == ["closest_match", "closest_match_score"]
    assert header[:2] == ["submission", "lesson"]
    assert (rows["alice"]["closest_match"], rows["alice"]["closest_match_score"]) == ("bob", "100")
    assert rows["erin"]["closest_match"].startswith("archive/2025-")
    assert int(rows["carol"]["closest_match_score"]) < 30


def test_batch_with_similarity_refuses_a_missing_archive_before_grading(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", str(CLASS), "--lesson", "04", "-o"]
        + [str(tmp_path / "g.csv"), "--similarity", "--archive", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 2
    assert "archive is not a folder" in run.stderr
    assert not (tmp_path / "g-reports").exists()  # nothing was graded


# --- bad input: a clear message and exit code 2 --------------------------------------------------
def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    run = similar(str(tmp_path / "nowhere"), "--lesson", "04", cwd=tmp_path)
    assert run.returncode == 2
    assert "not a folder" in run.stderr and "nowhere" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "similarity.html").exists()


def test_an_empty_class_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    run = similar(str(tmp_path / "class"), "--lesson", "04", cwd=tmp_path)
    assert run.returncode == 2
    assert "no submission in" in run.stderr
    (tmp_path / "class" / "student1").mkdir()
    (tmp_path / "class" / "student2").mkdir()
    (tmp_path / "class" / "student2" / "README.md").write_text("nothing here\n")
    run = similar(str(tmp_path / "class"), "--lesson", "04", cwd=tmp_path)
    assert run.returncode == 2
    assert "no Python code in any submission" in run.stderr


def test_one_submission_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(CLASS / "alice", tmp_path / "class" / "alice")
    run = similar(str(tmp_path / "class"), "--lesson", "04", cwd=tmp_path)
    assert run.returncode == 2
    assert "only one submission (alice)" in run.stderr
    # ... unless there is an archive to compare it with.
    run = similar(
        str(tmp_path / "class"), "--lesson", "04", "--archive", str(ARCHIVE), cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr


def test_an_unknown_lesson_or_a_missing_starter_is_an_error(tmp_path: Path) -> None:
    run = similar(str(CLASS), cwd=tmp_path)
    assert run.returncode == 2
    assert "cannot tell the lesson" in run.stderr and "--lesson" in run.stderr
    run = similar(
        str(CLASS), "--starter", str(tmp_path / "no-starter"), "--lesson", "04", cwd=tmp_path
    )
    assert run.returncode == 2
    assert "no starter code" in run.stderr
