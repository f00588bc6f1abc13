"""docs/cli_picture.py, which draws the README's picture of `jobs wait` (docs/cli-wait.svg)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from site_build import ROOT

PICTURE_SCRIPT = ROOT / "docs" / "cli_picture.py"


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
    # Drawn at 100 columns: the counts of failed and skipped items show, the rate gives way.
    assert "failed" in text
    assert "skipped" in text
    assert "━" in text
