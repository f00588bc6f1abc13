"""The command line in the docs: the demo's part, and the README's picture of `jobs wait`."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from llama_cloud_batch.testing import demo

PICTURE_SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "cli_picture.py"


def test_the_demo_shows_the_command_line(capsys):
    assert demo.main(["--jobs", "3", "--auto-tick", "0.05"]) == 0
    out = capsys.readouterr().out
    for command in ("jobs list", "jobs wait", "items list", "results download"):
        assert re.search(rf"^== \$ llama-cloud-batch {command} ", out, re.MULTILINE), command
    assert out.count("(exit status 0)") == 4
    assert re.search(r"^4 files saved to ", out, re.MULTILINE)
    assert demo.DEMO_KEY not in out


def test_the_picture_script_draws_jobs_wait(tmp_path):
    out = tmp_path / "wait.svg"
    completed = subprocess.run(
        [sys.executable, str(PICTURE_SCRIPT), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    svg = out.read_text()
    ET.fromstring(svg)  # well-formed
    text = svg.replace("&#160;", " ")
    job_ids = set(re.findall(r"bjb-[0-9a-f-]{36}", text))
    assert len(job_ids) == 4
    assert "processed" in text
    assert "items/s" in text
    assert "━" in text
