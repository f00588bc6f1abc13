"""The contenders: each a no-argument callable over one kept-alive client.

A listing contender returns the ids of the jobs it saw, in order, so the harness can check that
it saw every job; a one-call contender returns the number of jobs on the page. Every contender
touches each job's id the way its users would (attribute or key), so none is timed doing less.
The official SDK is optional: official_sdk() is None when `llama_cloud` is not installed, and
so is orjson (the raw orjson contenders are left out without it).

The raw contenders decode with `json.loads(response.content)` (what `response.json()` does, minus
its encoding sniffing) or `orjson.loads`: the loop a user of bare httpx writes.

A base URL names one data shape of the benchmark server (Server.url).
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack
from types import ModuleType
from typing import Any

import httpx

from .data import BATCHES_PATH, LIST_PATH

API_KEY = "bench-key"

OURS = "llama_cloud_batch"
OFFICIAL = "llama-cloud (official SDK)"
RAW = "raw httpx + json.loads"
RAW_ORJSON = "raw httpx + orjson.loads"

Listing = Callable[[], list[str]]
OneCall = Callable[[], int]


def official_sdk() -> ModuleType | None:
    """The official SDK's module, or None when it is not installed here."""
    try:
        return importlib.import_module("llama_cloud")
    except ImportError:
        return None


def orjson_loads() -> Callable[[bytes], Any] | None:
    """orjson.loads, or None when orjson is not installed here."""
    try:
        return importlib.import_module("orjson").loads  # type: ignore[no-any-return]
    except ImportError:
        return None


def _run_on(loop: asyncio.AbstractEventLoop, make: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return loop.run_until_complete(make())


# --- one list call -------------------------------------------------------------------------


def ours_one_call(stack: ExitStack, base_url: str, limit: int) -> OneCall:
    from llama_cloud_batch import LlamaCloud

    client = stack.enter_context(LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0))

    def call() -> int:
        return len(client.beta.batch.list(limit=limit).items)

    return call


def official_one_call(stack: ExitStack, sdk: ModuleType, base_url: str, limit: int) -> OneCall:
    client = sdk.LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0)
    stack.callback(client.close)

    def call() -> int:
        return len(client.beta.batch.list(limit=limit).items)

    return call


def _raw_client(stack: ExitStack, base_url: str) -> httpx.Client:
    return stack.enter_context(
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"})
    )


def raw_one_call(
    stack: ExitStack, base_url: str, limit: int, loads: Callable[[bytes], Any] = json.loads
) -> OneCall:
    http = _raw_client(stack, base_url)

    def call() -> int:
        return len(loads(http.get(LIST_PATH, params={"limit": limit}).content)["items"])

    return call


# --- whole listings ------------------------------------------------------------------------


def ours_sync_listing(
    stack: ExitStack, base_url: str, limit: int, page_concurrency: int | None = None
) -> Listing:
    """Our sync client; page_concurrency None keeps the client's default (and is the only
    choice when the sync client has no such parameter)."""
    from llama_cloud_batch import LlamaCloud

    options: dict[str, Any] = {}
    if page_concurrency is not None:
        options["page_concurrency"] = page_concurrency
    client = stack.enter_context(
        LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0, **options)
    )

    def walk() -> list[str]:
        return [job.id for job in client.beta.batch.list(limit=limit)]

    return walk


def ours_async_listing(
    stack: ExitStack,
    loop: asyncio.AbstractEventLoop,
    base_url: str,
    limit: int,
    page_concurrency: int | None = None,
) -> Listing:
    """Our async client; page_concurrency None keeps the client's default."""
    from llama_cloud_batch import AsyncLlamaCloud

    options: dict[str, Any] = {}
    if page_concurrency is not None:
        options["page_concurrency"] = page_concurrency
    client = AsyncLlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0, **options)
    stack.callback(_run_on, loop, client.close)

    async def walk() -> list[str]:
        return [job.id async for job in client.beta.batch.list(limit=limit)]

    return lambda: _run_on(loop, walk)


def official_sync_listing(stack: ExitStack, sdk: ModuleType, base_url: str, limit: int) -> Listing:
    """The official SDK's own auto-pagination (iterating the first page walks them all)."""
    client = sdk.LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0)
    stack.callback(client.close)

    def walk() -> list[str]:
        return [job.id for job in client.beta.batch.list(limit=limit)]

    return walk


def official_async_listing(
    stack: ExitStack, loop: asyncio.AbstractEventLoop, sdk: ModuleType, base_url: str, limit: int
) -> Listing:
    """The official async client's auto-pagination (`async for` over list())."""
    client = sdk.AsyncLlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0)
    stack.callback(_run_on, loop, client.close)

    async def walk() -> list[str]:
        return [job.id async for job in client.beta.batch.list(limit=limit)]

    return lambda: _run_on(loop, walk)


def raw_pages(
    http: httpx.Client, limit: int, loads: Callable[[bytes], Any] = json.loads
) -> Iterator[list[dict[str, Any]]]:
    """The jobs of each page as plain dicts: the offset loop a user of bare httpx writes."""
    offset = 0
    while True:
        page = loads(http.get(LIST_PATH, params={"limit": limit, "offset": offset}).content)
        items: list[dict[str, Any]] = page["items"]
        yield items
        offset += len(items)
        if not items or offset >= page["total_size"]:
            return


def raw_sync_listing(
    stack: ExitStack, base_url: str, limit: int, loads: Callable[[bytes], Any] = json.loads
) -> Listing:
    http = _raw_client(stack, base_url)

    def walk() -> list[str]:
        # Page by page, like the clients' iterators: no contender keeps the jobs it has seen
        # (10,000 live dicts would make the cyclic GC rescan them and slow this loop down).
        return [job["id"] for items in raw_pages(http, limit, loads) for job in items]

    return walk


def raw_async_listing(
    stack: ExitStack, loop: asyncio.AbstractEventLoop, base_url: str, limit: int
) -> Listing:
    """The same offset loop over httpx.AsyncClient: what our async client adds to bare async."""
    http = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"})
    stack.callback(_run_on, loop, http.aclose)

    async def walk() -> list[str]:
        ids: list[str] = []
        offset = 0
        while True:
            response = await http.get(LIST_PATH, params={"limit": limit, "offset": offset})
            page = json.loads(response.content)
            items = page["items"]
            ids += [job["id"] for job in items]
            offset += len(items)
            if not items or offset >= page["total_size"]:
                return ids

    return lambda: _run_on(loop, walk)


# --- the v2 batch listing (cursor pages) -------------------------------------------------------


def ours_batches_listing(stack: ExitStack, base_url: str, limit: int) -> Listing:
    """Our sync client over GET /api/v2/batches (a cursor listing: nothing fetched ahead)."""
    from llama_cloud_batch import LlamaCloud

    client = stack.enter_context(LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0))

    def walk() -> list[str]:
        return [batch.id for batch in client.batches.list(page_size=limit)]

    return walk


def official_batches_listing(
    stack: ExitStack, sdk: ModuleType, base_url: str, limit: int
) -> Listing:
    """The official SDK's v2 cursor auto-pagination (llama-cloud has client.batches from 2.10)."""
    client = sdk.LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0)
    stack.callback(client.close)

    def walk() -> list[str]:
        return [batch.id for batch in client.batches.list(page_size=limit)]

    return walk


def raw_batches_listing(
    stack: ExitStack, base_url: str, limit: int, loads: Callable[[bytes], Any] = json.loads
) -> Listing:
    """The cursor loop a user of bare httpx writes: page_token from each page's next_page_token."""
    http = _raw_client(stack, base_url)

    def walk() -> list[str]:
        ids: list[str] = []
        params: dict[str, Any] = {"page_size": limit}
        while True:
            page = loads(http.get(BATCHES_PATH, params=params).content)
            ids += [batch["id"] for batch in page["items"]]
            token = page.get("next_page_token")
            if not token:
                return ids
            params["page_token"] = token

    return walk
