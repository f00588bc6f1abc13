"""The hostile suite runs with no ambient configuration: no key, base URL or proxy from the
environment unless a test sets one."""

from __future__ import annotations

import pytest

AMBIENT = (
    "LLAMA_CLOUD_API_KEY",
    "LLAMA_CLOUD_BASE_URL",
    "LLAMA_CLOUD_LOG",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
