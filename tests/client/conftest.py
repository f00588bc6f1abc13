from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from scripted_server import ScriptedServer
from virtual_clock import Clock


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_ambient_config(no_ambient_config: None) -> None:
    """No key, base URL, header, log level or proxy from the environment (tests/conftest.py)."""


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Sleeps recorded, not slept (virtual_clock.Clock)."""
    recorded = Clock()
    monkeypatch.setattr(time, "sleep", recorded.sleep)
    monkeypatch.setattr(time, "monotonic", recorded.monotonic)
    monkeypatch.setattr(asyncio, "sleep", recorded.async_sleep)
    return recorded
