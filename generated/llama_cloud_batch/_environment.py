# Copied by generator/generate.py from overrides/llama_cloud_batch/_environment.py. Edit it there.
"""Settings read from the environment, as the official llama-cloud SDK reads them."""

from __future__ import annotations

import os

CUSTOM_HEADERS = "LLAMA_CLOUD_CUSTOM_HEADERS"


def headers_from_environment() -> dict[str, str]:
    """LLAMA_CLOUD_CUSTOM_HEADERS: one `Name: value` header per line (split at the first colon,
    both sides trimmed; blank lines skipped). A line that is not a header raises rather than
    being dropped; the error names the line's number, never its text (it may hold a secret)."""
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
    return headers
