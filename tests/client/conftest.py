from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_ambient_config(no_ambient_config: None) -> None:
    """No key, base URL, header, log level or proxy from the environment (tests/conftest.py)."""
