"""The Migrating page's promise: code written for the official llama-cloud SDK runs with only its
imports changed, and does the same. The script runs twice against one local server, with the
official SDK (as written) and with this package (imports swapped); both outputs must match."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from llama_cloud_batch.testing import BatchServer

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "official_sdk_script.py"
KEY = "migrating-key"
PROJECT = "prj-migrating"


def swap_imports(source: str) -> str:
    """Only the import lines change: `llama_cloud` becomes `llama_cloud_batch`."""
    lines = source.splitlines(keepends=True)
    swapped = [
        line.replace("llama_cloud", "llama_cloud_batch", 1)
        if line.startswith(("from llama_cloud", "import llama_cloud"))
        else line
        for line in lines
    ]
    assert sum(a != b for a, b in zip(lines, swapped, strict=True)) == 2
    return "".join(swapped)


def run(source: str, url: str) -> str:
    env = {**os.environ, "LLAMA_CLOUD_API_KEY": KEY, "LLAMA_CLOUD_BASE_URL": url}
    env["PROJECT_ID"] = PROJECT
    completed = subprocess.run(
        [sys.executable, "-c", source],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cloud") is None,
    reason="the official SDK is installed by the docs session (docs-check group)",
)
def test_code_written_for_the_official_sdk_runs_the_same_with_its_imports_changed() -> None:
    source = SCRIPT.read_text()
    outputs = []
    for script in (source, swap_imports(source)):
        with BatchServer(api_key=KEY) as server:
            server.seed_batches(5)
            outputs.append(run(script, server.url))
            assert server.violations == []
            # default_query reached every request, each page of the walk included.
            assert [r.query.get("project_id") for r in server.requests] == [
                [PROJECT] for _ in server.requests
            ]
    official, ours = outputs
    assert ours == official
    assert official.startswith("PENDING True\n")
