"""The README's Python examples, run in order as one reader would run them, against the local
server: each topic's example must work as printed, not just read well."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

import pytest
from llama_cloud_batch.testing import BatchServer

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
KEY = "readme-key"


def examples() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


@pytest.fixture
def quiet_logger() -> object:
    """The logging example turns the client's logger up; the tests after it should not see it."""
    logger = logging.getLogger("llama_cloud_batch")
    level, handlers = logger.level, list(logging.getLogger().handlers)
    yield
    logger.setLevel(level)
    logging.getLogger().handlers[:] = handlers


def test_every_python_example_of_the_readme_runs_in_order(
    monkeypatch: pytest.MonkeyPatch, quiet_logger: object
) -> None:
    blocks = examples()
    assert len(blocks) >= 8, "the README's topics each show an example"
    # Batches move along by themselves, as the real API's do.
    with BatchServer(api_key=KEY, auto_tick=0.01) as server:
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", KEY)
        monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)
        namespace: dict[str, object] = {"__name__": "__readme__"}
        shown = io.StringIO()
        for number, block in enumerate(blocks, 1):
            with contextlib.redirect_stdout(shown):
                try:
                    exec(compile(block, f"README.md example {number}", "exec"), namespace)
                except Exception as error:  # one line naming the example, then the error
                    pytest.fail(f"README example {number} failed: {error!r}\n{block}")
        assert server.violations == []
    out = shown.getvalue()
    # The quick start's batch ends COMPLETED with a job per file; the error example meets a 404;
    # the local server's example sees its batch move, then completed despite two 429s.
    assert re.search(r"^COMPLETED$", out, re.MULTILINE), out
    assert re.search(r"^file-\S+ \S+$", out, re.MULTILINE), out
    assert re.search(r"^404 ", out, re.MULTILINE), out
    assert out.rstrip().endswith("THROTTLED\nCOMPLETED"), out
