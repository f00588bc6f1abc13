"""generator/ is a folder of scripts, not a package: its modules import each other by plain name,
and so do these tests. Each test module that asks for `index` gets its own empty pypiserver."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

GENERATOR = Path(__file__).resolve().parents[2] / "generator"
if str(GENERATOR) not in sys.path:
    sys.path.insert(0, str(GENERATOR))

from release_support import Index, package_index  # noqa: E402 -- after the path it may need

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with package_index(tmp_path_factory.mktemp("index")) as running:
        yield running
