"""Reading an answer's body: bounded in size and in time, and decoded without RecursionError.

The body is streamed, so a flood stops at the cap with memory bounded by it, and the clock is
checked after every chunk, so a server trickling a byte at a time cannot stretch a call past its
deadline (httpx's own read timeout restarts at each byte).
"""

from __future__ import annotations

import time

import httpx
import orjson

DEFAULT_MAX_RESPONSE_BYTES = 64 << 20
# An error answer is read for its message only.
MAX_ERROR_BODY_BYTES = 1 << 20


class BodyTooLargeError(Exception):
    """Internal: the body passed the limit; the caller turns it into a typed error."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def read(response: httpx.Response, limit: int, deadline: float | None) -> bytes:
    _check_declared_length(response, limit)
    # Chunks joined once at the end: one copy of the body (none for a single chunk), not two.
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        _check_progress(response, size, limit, deadline)
    return _keep(response, chunks)


async def aread(response: httpx.Response, limit: int, deadline: float | None) -> bytes:
    _check_declared_length(response, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        _check_progress(response, size, limit, deadline)
    return _keep(response, chunks)


def loads(content: bytes) -> object:
    """JSON from bytes; ValueError (orjson.JSONDecodeError) for anything else: not UTF-8, NaN or
    Infinity, an integer past 64 bits, nesting deeper than 1024."""
    return orjson.loads(content)


def _keep(response: httpx.Response, chunks: list[bytes]) -> bytes:
    content = b"".join(chunks)
    # What Response.read() keeps, so that error.response.content/.json() and event hooks work
    # on a response read here.
    response._content = content
    return content


def _check_declared_length(response: httpx.Response, limit: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(limit)


def _check_progress(
    response: httpx.Response, size: int, limit: int, deadline: float | None
) -> None:
    if size > limit:
        raise BodyTooLargeError(limit)
    if deadline is not None and time.monotonic() >= deadline:
        raise httpx.ReadTimeout(
            "the call's timeout passed while reading the answer", request=response.request
        )
