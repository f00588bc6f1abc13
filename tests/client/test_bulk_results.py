"""iter_results (sync and async): every item's processing results, in listing order, fetched a
bounded number at a time, with the single calls' retries and errors."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import httpx
import pytest
from factories import API_KEY, item
from llama_cloud_batch import AsyncLlamaCloud, InternalServerError, LlamaCloud, NotFoundError
from llama_cloud_batch.testing import BatchServer, Fault

RESULTS = "/api/v1/beta/batch-processing/items/*/processing-results*"


@pytest.fixture
def batch_server() -> Iterator[BatchServer]:
    with BatchServer(api_key=API_KEY) as server:
        yield server
    server.assert_no_violations()


def _finished_job(server: BatchServer, items: int = 6, failed: int = 0) -> str:
    job_id = server.add_job(items=items, failed_items=failed)
    server.run_until_idle()
    return job_id


def _results_path(item_id: str) -> str:
    return f"/api/v1/beta/batch-processing/items/{item_id}/processing-results*"


def test_pairs_every_item_with_its_results_in_listing_order(batch_server):
    job_id = _finished_job(batch_server, items=7, failed=2)
    listed = [entry["item_id"] for entry in batch_server.items(job_id)]
    # The first item's results come last: the order must still be the listing's.
    batch_server.inject(Fault.hang(0.5), path=_results_path(listed[0]))
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        pairs = list(client.beta.batch.iter_results(job_id, concurrency=4))
    assert [item.item_id for item, _ in pairs] == listed
    assert all(results.item_id == item.item_id for item, results in pairs)
    outcomes = {
        item.item_id: (str(item.status), len(results.processing_results or []))
        for item, results in pairs
    }
    assert sorted(outcomes.values()) == [("completed", 1)] * 5 + [("failed", 0)] * 2


def test_status_filters_the_listing_and_skip_avoids_fetching(batch_server):
    job_id = _finished_job(batch_server, items=6, failed=2)
    failed = [e["item_id"] for e in batch_server.items(job_id) if e["status"] == "failed"]
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        only_failed = [
            i.item_id for i, _ in client.beta.batch.iter_results(job_id, status="failed")
        ]
        batch_server.clear_requests()
        skipped = set(failed)
        rest = [
            i.item_id
            for i, _ in client.beta.batch.iter_results(job_id, skip=lambda i: i.item_id in skipped)
        ]
    assert only_failed == failed
    assert len(rest) == 4
    assert not skipped & set(rest)
    fetched = {r.path.split("/")[-2] for r in batch_server.requests_for("getItemProcessingResults")}
    assert fetched == set(rest)  # nothing was asked about a skipped item


def test_retries_as_single_calls_do(batch_server):
    job_id = _finished_job(batch_server, items=3)
    batch_server.inject(Fault.error(503, retry_after="0"), times=2, path=RESULTS)
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url, max_retries=2) as client:
        pairs = list(client.beta.batch.iter_results(job_id, concurrency=1))
    assert len(pairs) == 3


def test_an_error_surfaces_after_every_item_before_it(batch_server):
    job_id = _finished_job(batch_server, items=5)
    listed = [entry["item_id"] for entry in batch_server.items(job_id)]
    batch_server.inject(Fault.error(500), times=10, path=_results_path(listed[2]))
    seen: list[str] = []
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url, max_retries=0) as client:
        with pytest.raises(InternalServerError):
            for found, _ in client.beta.batch.iter_results(job_id, concurrency=3):
                seen.append(found.item_id)
    assert seen == listed[:2]


def test_an_unknown_job_raises_not_found(batch_server):
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        with pytest.raises(NotFoundError):
            list(client.beta.batch.iter_results("bjb-nope"))


def test_stopping_early_fetches_no_more_than_the_window(batch_server):
    job_id = _finished_job(batch_server, items=12)
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        results = client.beta.batch.iter_results(job_id, concurrency=2)
        first = next(results)
        results.close()
    assert first[0].item_id == batch_server.items(job_id)[0]["item_id"]
    assert len(batch_server.requests_for("getItemProcessingResults")) <= 2


@pytest.mark.parametrize(("job_id", "concurrency"), [("", 2), ("bjb-1", 0), ("bjb-1", -3)])
def test_bad_arguments_raise_at_the_call(job_id, concurrency):
    with LlamaCloud(api_key=API_KEY, base_url="http://127.0.0.1:9") as client:
        with pytest.raises(ValueError, match=r"job_id|concurrency"):
            client.beta.batch.iter_results(job_id, concurrency=concurrency)


# ----- concurrency, seen from the transport ------------------------------------------------


class Recorder:
    """Answers the listing and the results of `count` items, counting results in flight."""

    def __init__(self, count: int, concurrency: int) -> None:
        self.items = [item(n, status="completed") for n in range(count)]
        self.in_flight = 0
        self.most = 0
        self.results_asked = 0
        self.lock = threading.Lock()
        self.concurrency = concurrency

    def listing(self, request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", 0))
        limit = int(request.url.params.get("limit", 5))
        page = {"items": self.items[offset : offset + limit], "total_size": len(self.items)}
        return httpx.Response(200, json=page)

    def enter(self) -> bool:
        """Counts a results request in; True for the first `concurrency` of them."""
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.results_asked += 1
            return self.results_asked <= self.concurrency

    def leave(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.in_flight -= 1
        item_id = request.url.path.split("/")[-2]
        body = {"item_id": item_id, "item_name": f"{item_id}.pdf", "processing_results": []}
        return httpx.Response(200, content=json.dumps(body).encode())


def test_fetches_exactly_concurrency_results_at_once():
    recorder = Recorder(count=11, concurrency=3)
    # The first three fetches wait for each other: they can only all finish if they overlap.
    together = threading.Barrier(3, timeout=10)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/items"):
            return recorder.listing(request)
        if recorder.enter():
            together.wait()
        return recorder.leave(request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with LlamaCloud(api_key=API_KEY, base_url="http://127.0.0.1:9", http_client=http) as client:
        pairs = list(client.beta.batch.iter_results("bjb-1", concurrency=3, page_size=5))
    assert [i.item_id for i, _ in pairs] == [entry["item_id"] for entry in recorder.items]
    assert recorder.most == 3


async def test_async_fetches_exactly_concurrency_results_at_once_in_order():
    recorder = Recorder(count=9, concurrency=4)
    released = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/items"):
            return recorder.listing(request)
        if recorder.enter():
            if recorder.results_asked == recorder.concurrency:
                released.set()
            await asyncio.wait_for(released.wait(), timeout=10)
        # Later items answer first, to show the order is the listing's, not the answers'.
        await asyncio.sleep(0.001 * (9 - int(request.url.path.split("/")[-2].split("-")[1])))
        return recorder.leave(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AsyncLlamaCloud(
        api_key=API_KEY, base_url="http://127.0.0.1:9", http_client=http
    ) as client:
        pairs = [
            pair
            async for pair in client.beta.batch.iter_results("bjb-1", concurrency=4, page_size=5)
        ]
    await http.aclose()
    assert [i.item_id for i, _ in pairs] == [entry["item_id"] for entry in recorder.items]
    assert all(results.item_id == i.item_id for i, results in pairs)
    assert recorder.most == 4


async def test_async_error_after_the_items_before_it(batch_server):
    job_id = _finished_job(batch_server, items=4)
    listed = [entry["item_id"] for entry in batch_server.items(job_id)]
    batch_server.inject(Fault.error(500), times=10, path=_results_path(listed[1]))
    seen: list[str] = []
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=batch_server.url, max_retries=0) as client:
        with pytest.raises(InternalServerError):
            async for found, _ in client.beta.batch.iter_results(job_id, concurrency=2):
                seen.append(found.item_id)
    assert seen == listed[:1]


async def test_async_status_filter(batch_server):
    job_id = _finished_job(batch_server, items=5, failed=1)
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        pairs = [p async for p in client.beta.batch.iter_results(job_id, status="completed")]
    assert [i.item_id for i, _ in pairs] == [
        e["item_id"] for e in batch_server.items(job_id) if e["status"] == "completed"
    ]
    assert all(len(r.processing_results or []) == 1 for _, r in pairs)
