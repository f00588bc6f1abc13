"""Failures inside the hand-written modules name their overrides/ file, the one to edit.

The tests import the package as it ships, generated/llama_cloud_batch, where the pipeline copied
overrides/llama_cloud_batch around the generated `_generated` subpackage (generator/source_map.py
maps a place in a copy back to its original).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from source_map import to_overrides


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[Any]:
    outcome = yield
    report = outcome.get_result()
    for traceback, crash, _ in getattr(report.longrepr, "chain", ()):
        for entry in traceback.reprentries:
            location = getattr(entry, "reprfileloc", None)
            if location is not None:
                location.path, location.lineno = to_overrides(location.path, location.lineno)
        if crash is not None:
            crash.path, crash.lineno = to_overrides(crash.path, crash.lineno)
