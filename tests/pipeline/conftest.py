"""The pipeline tests import generator/spec_diff.py the way generator/release.py does: from
generator/ on the import path (generator/ is a folder of scripts, not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[2] / "generator"
if str(GENERATOR) not in sys.path:
    sys.path.insert(0, str(GENERATOR))
