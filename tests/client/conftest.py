from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "LLAMA_CLOUD_API_KEY",
        "LLAMA_PARSE_API_KEY",
        "LLAMA_CLOUD_BASE_URL",
        "LLAMA_CLOUD_CUSTOM_HEADERS",
        "LLAMA_CLOUD_LOG",
        # A proxy from the environment would carry the tests' requests to 127.0.0.1 elsewhere.
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
