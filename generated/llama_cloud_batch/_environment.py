# Copied by generator/generate.py from overrides/llama_cloud_batch/_environment.py. Edit it there.
"""Settings read from the environment, as the official llama-cloud SDK reads them."""

from __future__ import annotations

import os

from ._config import check_headers

CUSTOM_HEADERS = "LLAMA_CLOUD_CUSTOM_HEADERS"


def headers_from_environment() -> dict[str, str]:
    """LLAMA_CLOUD_CUSTOM_HEADERS: one `Name: value` header per line (split at the first colon,
    both sides trimmed; blank lines skipped). A line that is not a header, or a name or value
    HTTP cannot carry, raises rather than being dropped or sent; the error never shows a value
    (it may hold a secret)."""
    raw = os.environ.get(CUSTOM_HEADERS)
    if not raw:
        return {}
    headers: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"{CUSTOM_HEADERS}: line {number} is not a `Name: value` header")
        headers[name.strip()] = value.strip()
    # The same checks as default_headers: a value HTTP cannot carry fails here, naming the
    # header, rather than in h11 with an error quoting the value.
    check_headers(headers, CUSTOM_HEADERS)
    return headers
