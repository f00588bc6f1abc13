"""`publish` refuses, before anything is uploaded, on each of its preconditions.

Each case runs generator/publish.py (what `nox -s publish` runs) in its own copy of the
repository, against an empty pypiserver that would accept the upload if it got that far.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import publish
import pytest
from release_support import Index, commit_all, free_port, python_env, replace_suite, snapshot

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    return snapshot(tmp_path / "repo")


def upload(
    repository: Path, index: Index, *args: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    credentials = {"TWINE_USERNAME": index.username, "TWINE_PASSWORD": password or index.password}
    completed = subprocess.run(
        [sys.executable, "generator/publish.py", "upload", "--repository-url", index.url, *args],
        cwd=repository,
        env=python_env(**credentials),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert index.files() == set()  # whatever happened, nothing reached the index
    assert index.password not in completed.stdout + completed.stderr
    return completed


def refusal(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 1, completed.stdout + completed.stderr
    (line,) = [line for line in completed.stderr.splitlines() if line.startswith("upload refused:")]
    return line


def test_a_dirty_working_tree_is_refused(repository: Path, index: Index) -> None:
    (repository / "notes.txt").write_text("not committed\n")
    completed = upload(repository, index)
    assert "the working tree is not clean" in refusal(completed)
    assert "?? notes.txt" in completed.stderr


def test_missing_credentials_are_refused(repository: Path, index: Index) -> None:
    completed = subprocess.run(
        [sys.executable, "generator/publish.py", "upload", "--repository-url", index.url],
        cwd=repository,
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "no credentials: set TWINE_PASSWORD" in refusal(completed)


def test_an_index_that_cannot_be_asked_is_refused(repository: Path, index: Index) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/simple/"
    line = refusal(upload(repository, index, "--index-url", nowhere))
    assert f"cannot ask {nowhere}llama-cloud-batch/ whether" in line


def test_stale_generated_code_is_refused(repository: Path, index: Index) -> None:
    # The package's __init__: every generation writes one, whatever the spec holds.
    edited = repository / "generated" / "_llama_cloud_batch_generated" / "__init__.py"
    edited.write_text(edited.read_text() + "# edited by hand\n")
    commit_all(repository, "A hand edit inside generated/")
    completed = upload(repository, index)
    assert "generated/ is stale" in refusal(completed)
    assert "differs: generated/_llama_cloud_batch_generated/__init__.py" in completed.stdout


def test_a_failing_test_suite_is_refused(repository: Path, index: Index) -> None:
    replace_suite(repository, "def test_that_fails() -> None:\n    assert 1 + 1 == 3\n")
    completed = upload(repository, index)
    assert "the test suite failed" in refusal(completed)
    assert "1 failed" in completed.stdout


# --- the pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload_url", "simple_url"),
    [
        ("https://upload.pypi.org/legacy/", "https://pypi.org/simple/"),
        ("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/"),
        ("https://pkgs.example.com/repo/legacy", "https://pkgs.example.com/repo/simple/"),
    ],
)
def test_simple_index_url(upload_url: str, simple_url: str) -> None:
    assert publish.simple_index_url(upload_url) == simple_url


def test_redact_drops_credentials_from_urls() -> None:
    assert publish.redact("https://user:s3cret@pkgs.example.com:8443/simple/") == (
        "https://pkgs.example.com:8443/simple/"
    )
    assert publish.redact("http://127.0.0.1:9/x/") == "http://127.0.0.1:9/x/"


def test_third_party_imports_are_what_runs() -> None:
    source = textwrap.dedent(
        """\
        from __future__ import annotations
        import json, os.path
        import attr
        from httpx import Client
        from . import _sibling
        from llama_cloud_batch import types
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import typing_extensions
        def later() -> None:
            import jsonschema.validators
        """
    ).encode()
    assert publish.third_party_imports(source) == {"attrs", "httpx", "jsonschema"}
