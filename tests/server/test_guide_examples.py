"""The Python examples the docs' guide pages write out themselves (the README's come in as
snippets and are run by test_readme_examples), each run against the local server, with its
receiver URL pointed at a real receiver on a free port."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .receivers import Receiver, serving

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide"
PYTHON = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# The receiver the examples name: a port a reader may have, which a test cannot count on.
EXAMPLE_URL = "http://127.0.0.1:8080/hooks"
EXAMPLE_SECRET = "s3cret"


def blocks(page: str) -> list[str]:
    """The page's python blocks that are code of its own (not a file included by snippet)."""
    found = PYTHON.findall((GUIDE / page).read_text(encoding="utf-8"))
    return [block for block in found if "--8<--" not in block and EXAMPLE_URL in block]


@pytest.mark.parametrize(
    ("page", "index"),
    [(page, index) for page in ("testing.md", "webhooks.md") for index in range(len(blocks(page)))],
)
def test_a_guide_example_delivers_to_its_receiver(page: str, index: int) -> None:
    receiver = Receiver(secret=EXAMPLE_SECRET)
    with serving(receiver):
        code = blocks(page)[index].replace(EXAMPLE_URL, receiver.url)
        exec(compile(code, f"docs/guide/{page} example {index + 1}", "exec"), {"__name__": "ex"})
    # The example's secret is the receiver's: every delivery verifies, and one at least came.
    assert receiver.received, "the example delivered nothing"
    assert [r.refused for r in receiver.received if r.refused is not None] == []


def test_each_guide_page_with_a_receiver_has_an_example() -> None:
    assert blocks("testing.md")
    assert blocks("webhooks.md")
