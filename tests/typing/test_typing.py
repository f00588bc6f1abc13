"""The public API under mypy --strict and pyright: the README's usage type-checks (optional
properties are plain `X | None`, job_config takes a typed dict or a model), and mistakes in a
job configuration are type errors. Each sample marks the lines a checker must reject."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"
ACCEPTED = SAMPLES / "readme_usage.py"
REJECTED = SAMPLES / "rejected_job_config.py"


def marked_lines(path: Path) -> set[int]:
    """1-based numbers of the lines marked `# rejected`."""
    lines = path.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if line.rstrip().endswith("# rejected")}


def mypy_errors(path: Path, cache: Path) -> set[int]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(cache),
            "--show-error-codes",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    pattern = re.compile(rf"^\S*{re.escape(path.name)}:(\d+): error:", re.MULTILINE)
    found = {int(number) for number in pattern.findall(completed.stdout)}
    assert completed.returncode == (1 if found else 0), completed.stdout + completed.stderr
    return found


def pyright_errors(path: Path) -> set[int]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--pythonpath",
            sys.executable,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(completed.stdout)
    return {
        diagnostic["range"]["start"]["line"] + 1
        for diagnostic in report["generalDiagnostics"]
        if diagnostic["severity"] == "error"
    }


def test_the_samples_mark_what_they_expect() -> None:
    assert marked_lines(ACCEPTED) == set()
    assert len(marked_lines(REJECTED)) >= 5


@pytest.mark.parametrize("sample", [ACCEPTED, REJECTED], ids=["readme", "mistakes"])
def test_mypy_strict(sample: Path, tmp_path: Path) -> None:
    assert mypy_errors(sample, tmp_path) == marked_lines(sample)


@pytest.mark.parametrize("sample", [ACCEPTED, REJECTED], ids=["readme", "mistakes"])
def test_pyright(sample: Path) -> None:
    assert pyright_errors(sample) == marked_lines(sample)
