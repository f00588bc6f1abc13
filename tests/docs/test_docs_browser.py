"""The built site in a real headless browser: it loads cleanly, and its search finds
`wait_for_completion` and leads to where the reference documents it.

Chromium is Debian's (`apt-get install chromium`), driven by Playwright's Python package; no
browser is downloaded. Without Chromium the test is skipped, with the reason.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

# The site does not depend on the interpreter: built and checked on the first Python only.

# Headless, and nothing that reaches beyond 127.0.0.1 (updates, sync, first-run pages).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000  # a bound for each wait on a busy machine, not a measured duration
# Material's search says "Initializing search" until its worker has indexed the site.
SEARCH_READY = """() => {
    const meta = document.querySelector(".md-search-result__meta");
    return meta !== null && !meta.textContent.includes("Initializing");
}"""


def chromium() -> str | None:
    """CHROMIUM if set, else Debian's `chromium` (or `chromium-browser`) on PATH."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


class _Recorder(SimpleHTTPRequestHandler):
    failures: list[str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.failures.append(f"{code} {self.path}")
        super().send_error(code, message, explain)


@pytest.fixture
def served(site: Path) -> Iterator[tuple[str, list[str]]]:
    """The site over http on 127.0.0.1, and the requests it could not answer."""
    failures: list[str] = []
    handler = functools.partial(
        type("Handler", (_Recorder,), {"failures": failures}), directory=str(site)
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", failures
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_search_finds_wait_for_completion(served: tuple[str, list[str]]) -> None:
    browser_path = chromium()
    if browser_path is None:
        pytest.skip(
            "no Chromium installed (Debian: apt-get install chromium): browser test skipped"
        )
    url, failures = served
    errors: list[str] = []
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", lambda request: requested.append(request.url))
            page.goto(url, wait_until="load", timeout=WAIT_MS)
            assert "llama-cloud-batch" in page.title()

            # The search worker indexes the site first; a query typed before then is dropped.
            page.wait_for_function(SEARCH_READY, timeout=WAIT_MS)
            search = page.get_by_role("textbox", name="Search")
            search.click()
            search.press_sequentially("wait_for_completion")  # key by key, as a reader types
            hits = page.locator(".md-search-result__item a[href*='.wait_for_completion']")
            hits.first.wait_for(timeout=WAIT_MS)
            href = hits.first.get_attribute("href")
            assert href is not None
            anchor = href.rsplit("#", 1)[1]
            hits.first.click()
            page.wait_for_url(f"**#{anchor}", timeout=WAIT_MS)
            target = page.locator(f"[id='{anchor}']")
            target.wait_for(state="visible", timeout=WAIT_MS)
            assert "wait_for_completion" in target.inner_text()
        finally:
            browser.close()
    assert errors == [], f"JavaScript errors on the site: {errors}"
    assert failures == [], f"the site asked for files it does not have: {failures}"
    elsewhere = [request for request in requested if not request.startswith(url)]
    assert elsewhere == [], f"the site reached beyond itself: {elsewhere}"
