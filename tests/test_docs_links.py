"""Where a hint's "read more" link points: the site when one is configured, else the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import docs_links
from autograder.docs_links import docs_link, site_url


@pytest.fixture(autouse=True)
def no_site(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AUTOGRADER_DOCS_URL and a mkdocs.yml without site_url, unless a test sets them."""
    monkeypatch.delenv("AUTOGRADER_DOCS_URL", raising=False)
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: Course\n# site_url: https://commented.out/\n")
    monkeypatch.setattr(docs_links, "MKDOCS_YML", config)
    return config


def test_without_a_site_links_name_the_markdown_file_in_the_reports_language() -> None:
    assert docs_link("split-utf8", "ru") == "docs/common-bugs.md#split-utf8"
    assert docs_link("split-utf8", "en") == "docs/common-bugs.en.md#split-utf8"


def test_the_environment_variable_points_links_at_the_site(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTOGRADER_DOCS_URL", "http://127.0.0.1:8000/")
    assert docs_link("port", "ru") == "http://127.0.0.1:8000/common-bugs/#port"
    assert docs_link("port", "en") == "http://127.0.0.1:8000/en/common-bugs/#port"


def test_site_url_of_mkdocs_yml_is_used_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, no_site: Path
) -> None:
    no_site.write_text(
        "site_name: Course\nsite_url: 'https://course.example.edu/sockets/'  # published\n"
        "theme:\n  site_url: https://not.top.level/\n"
    )
    assert site_url() == "https://course.example.edu/sockets/"
    assert docs_link("udp", "en") == "https://course.example.edu/sockets/en/common-bugs/#udp"
    monkeypatch.setenv("AUTOGRADER_DOCS_URL", "https://other.example/")
    assert docs_link("udp", "ru") == "https://other.example/common-bugs/#udp"


def test_an_unreadable_or_missing_mkdocs_yml_falls_back_to_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(docs_links, "MKDOCS_YML", tmp_path / "missing.yml")
    assert site_url() == ""
    assert docs_link("listen", "ru") == "docs/common-bugs.md#listen"
    (tmp_path / "binary.yml").write_bytes(b"\xff\xfe\x00site_url")
    monkeypatch.setattr(docs_links, "MKDOCS_YML", tmp_path / "binary.yml")
    assert docs_link("listen", "en") == "docs/common-bugs.en.md#listen"
