"""The public API under mypy --strict and pyright: the README's examples, as one module, type-check
(optional properties are plain `X | None`, nested objects take a typed dict or a model), and
mistakes in a request are type errors. Each sample marks the lines a checker must reject."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"
REJECTED = SAMPLES / "rejected_job_config.py"
README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def readme_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The README's examples, in order, as the one module a reader running them would have."""
    path = tmp_path_factory.mktemp("readme") / "readme_examples.py"
    path.write_text("\n".join(BLOCK.findall(README.read_text(encoding="utf-8"))))
    return path


@pytest.fixture(params=["readme", "mistakes"])
def sample(request: pytest.FixtureRequest, readme_module: Path) -> Path:
    return readme_module if request.param == "readme" else REJECTED


def marked_lines(path: Path) -> set[int]:
    """1-based numbers of the lines marked `# rejected`."""
    lines = path.read_text().splitlines()
    return {number for number, line in enumerate(lines, 1) if line.rstrip().endswith("# rejected")}


def mypy_errors(path: Path, cache: Path) -> set[int]:
    # Run as a user's project would: the installed package, none of this repository's settings
    # (its mypy_path points at the sources).
    config = cache / "mypy.ini"
    config.write_text("[mypy]\n")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
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
        cwd=cache,
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


def test_the_samples_mark_what_they_expect(readme_module: Path) -> None:
    assert readme_module.read_text().count("client.batches.") >= 5
    assert marked_lines(readme_module) == set()
    assert len(marked_lines(REJECTED)) >= 5


def test_mypy_strict(sample: Path, tmp_path: Path) -> None:
    assert mypy_errors(sample, tmp_path) == marked_lines(sample)


def test_pyright(sample: Path) -> None:
    assert pyright_errors(sample) == marked_lines(sample)
