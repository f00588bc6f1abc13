"""The hostile suite runs with no ambient configuration: no key, base URL or proxy from the
environment unless a test sets one."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ambient_config(no_ambient_config: None) -> None:
    """See tests/conftest.py."""
