from __future__ import annotations

from pathlib import Path

import pytest
from site_build import ROOT, build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `nox -s docs` builds it, from the working tree, into a temporary folder."""
    target = tmp_path_factory.mktemp("docs") / "site"
    completed = build(ROOT, target)
    assert completed.returncode == 0, f"mkdocs build --strict failed:\n{completed.stderr}"
    return target
