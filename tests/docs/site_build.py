"""Building the documentation site the way `nox -s docs` does, for the tests of tests/docs."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` of `project` (its mkdocs.yml) into `site`; output captured.

    The build runs in `project`: README snippets and the griffe extension are found from there.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


class _Page(HTMLParser):
    """The element ids and the visible text (whitespace collapsed) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self._text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._text.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self._text).split())


def _read(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def anchors_of(page: Path) -> set[str]:
    """The element ids of one HTML page."""
    return _read(page).ids


def text_of(page: Path) -> str:
    """The visible text of one HTML page, whitespace collapsed."""
    return _read(page).text


def anchors(pages: Path) -> set[str]:
    """Every element id of every HTML page under `pages`: mkdocstrings anchors each object by
    its full path (`llama_cloud_batch.types.BatchJob`)."""
    found: set[str] = set()
    for page in sorted(pages.rglob("*.html")):
        found |= anchors_of(page)
    return found
