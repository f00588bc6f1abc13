"""What the built pages show besides the reference: the README's text, and every image."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

from site_build import ROOT, text_of

# The site does not depend on the interpreter: built and checked on the first Python only.

IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp"}
README_SECTION = re.compile(
    r"<!-- --8<-- \[start:([\w-]+)\] -->\n(.*?)<!-- --8<-- \[end:\1\] -->", re.S
)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(value for name, value in attrs if name == "src" and value)


def shown_images(site: Path) -> set[Path]:
    """Every file of the site that some page shows in an <img>."""
    shown = set()
    for page in site.rglob("*.html"):
        parser = _Images()
        parser.feed(page.read_text(encoding="utf-8"))
        page_url = "/" + page.relative_to(site).as_posix()
        for source in parser.sources:
            resolved = urlparse(urljoin(page_url, source))
            if not resolved.scheme:
                shown.add(site / unquote(resolved.path).lstrip("/"))
    return shown


def test_every_image_in_docs_is_shown_by_a_page(site: Path) -> None:
    """An image put in docs/ (the benchmark plot, say) is on a page, and is served."""
    images = [
        path.relative_to(ROOT / "docs")
        for path in (ROOT / "docs").rglob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    shown = shown_images(site)
    orphans = [str(image) for image in images if site / image not in shown]
    assert orphans == [], f"images in docs/ that no page shows: {orphans}"
    assert all((site / image).is_file() for image in images)


def test_the_guides_carry_the_readme_sections(site: Path) -> None:
    """Each README section marked for the site is on some page, as text."""
    sections = README_SECTION.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sections, "the README marks no section for the site"
    texts = [text_of(page) for page in site.rglob("*.html")]
    for name, body in sections:
        # A plain line of prose from the section: markdown syntax aside (code spans read as
        # their text), it reads the same.
        lines = [line.strip().replace("`", "") for line in body.splitlines()]
        prose = [line for line in lines if re.fullmatch(r"[A-Za-z][\w ,.;:()'/-]{30,}", line)]
        assert prose, f"README section {name!r} has no plain line to look for"
        assert any(prose[0] in text for text in texts), f"README section {name!r} is on no page"
