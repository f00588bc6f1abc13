"""Each test module that asks for `index` gets its own empty pypiserver."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from release_support import Index, package_index

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    with package_index(tmp_path_factory.mktemp("index")) as running:
        yield running
