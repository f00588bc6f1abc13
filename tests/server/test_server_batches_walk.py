"""client.batches.list() walks the local server's cursor pages: 10,000 batches in order, each
once, sync and async; a server that loops or stalls makes the walk raise PaginationError."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud, PaginationError
from llama_cloud_batch.testing import BatchServer, Fault

from .conftest import KEY

MANY = 10_000


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[BatchServer, list[str]]]:
    """One server with MANY batches (seeding costs well under a second), and their IDs newest
    first: the order the listing promises."""
    with BatchServer(api_key=KEY) as started:
        ids = started.seed_batches(MANY)
        yield started, ids[::-1]
    started.assert_no_violations()


def test_the_sync_walk_yields_every_batch_once_in_order(seeded):
    server, newest_first = seeded
    server.clear_requests()
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as client:
        first = client.batches.list()
        walked = [batch.id for batch in first]
    assert walked == newest_first
    pages = server.requests_for("listBatches")
    assert len(pages) == -(-MANY // len(first.items))  # one request per page, none repeated
    assert len({request.raw_path for request in pages}) == len(pages)


async def test_the_async_walk_yields_every_batch_once_in_order(seeded):
    server, newest_first = seeded
    client = AsyncLlamaCloud(api_key=KEY, base_url=server.url, max_retries=0)
    try:
        first = await client.batches.list()
        walked = [batch.id async for batch in first]
    finally:
        await client.close()
    assert walked == newest_first


@pytest.fixture
def small(server: BatchServer) -> list[str]:
    return server.seed_batches(9)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.repeat_page_token(), "page token it gave before"),
        (Fault.ignore_page_token(), "no progress"),
    ],
    ids=["repeated-token", "nothing-new"],
)
def test_a_looping_or_stalling_listing_raises_pagination_error(server, small, fault, message):
    scheduled = server.inject(fault, operation="list_batches")
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(PaginationError, match=message):
            list(client.batches.list(page_size=3))
    # The first page carries no token: the fault waited for the second.
    assert [request.fault for request in server.requests_for("listBatches")] == [None, fault.kind]
    assert scheduled.hits == 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.repeat_page_token(), "page token it gave before"),
        (Fault.ignore_page_token(), "no progress"),
    ],
    ids=["repeated-token", "nothing-new"],
)
async def test_the_async_walk_raises_too(server, small, fault, message):
    server.inject(fault, operation="listBatches")
    client = AsyncLlamaCloud(api_key=KEY, base_url=server.url, max_retries=0)
    try:
        first = await client.batches.list(page_size=3)
        with pytest.raises(PaginationError, match=message):
            [batch async for batch in first]
    finally:
        await client.close()


def test_the_page_token_faults_shape_the_answer_as_they_say(server, small, http):
    first = http.get("/api/v2/batches", params={"page_size": 4}).json()
    token = first["next_page_token"]
    server.inject(Fault.repeat_page_token())
    looped = http.get("/api/v2/batches", params={"page_size": 4, "page_token": token}).json()
    assert looped["next_page_token"] == token
    assert [b["id"] for b in looped["items"]] == small[::-1][4:8]  # the real page otherwise
    server.inject(Fault.ignore_page_token())
    stalled = http.get("/api/v2/batches", params={"page_size": 4, "page_token": token}).json()
    assert stalled == first
    # Recorded as sent: the token is still there.
    assert server.requests[-1].query["page_token"] == [token]
