"""Listings against servers that lie: a walk never loops, never ends short in silence, and
fetching pages ahead (sync threads, async tasks) keeps every guarantee of a sequential walk."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from listing_servers import KEY, ListingServer, job_ids
from llama_cloud_batch import (
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    LlamaCloudError,
    PaginationError,
)
from llama_cloud_batch import _pagination as pagination
from servers import HostileServer, reply

KINDS = ["sync", "async"]


@dataclass
class Walked:
    ids: list[str]
    error: LlamaCloudError | None


def walk(
    kind: str,
    server: ListingServer,
    *,
    concurrency: int = 1,
    items_of: str | None = None,
    **params: Any,
) -> Walked:
    """Iterates a listing to its end or its first error, keeping what it yielded."""
    options: dict[str, Any] = {
        "api_key": KEY,
        "base_url": server.url,
        "max_retries": 0,
        "page_concurrency": concurrency,
    }
    ids: list[str] = []
    if kind == "sync":
        with LlamaCloud(**options) as client:
            batch = client.beta.batch
            try:
                if items_of is None:
                    ids.extend(job.id for job in batch.list(**params))
                else:
                    ids.extend(item.item_id for item in batch.job_items.list(items_of, **params))
            except LlamaCloudError as error:
                return Walked(ids, error)
        return Walked(ids, None)

    async def run() -> Walked:
        async with AsyncLlamaCloud(**options) as client:
            batch = client.beta.batch
            try:
                if items_of is None:
                    async for job in batch.list(**params):
                        ids.append(job.id)
                else:
                    async for item in batch.job_items.list(items_of, **params):
                        ids.append(item.item_id)
            except LlamaCloudError as error:
                return Walked(ids, error)
        return Walked(ids, None)

    return asyncio.run(run())


# Never loop: a page with nothing new raises.


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("total", [None, 10**12], ids=["no-total", "huge-total"])
def test_the_same_full_page_forever_raises_at_once(kind: str, total: int | None) -> None:
    with ListingServer(job_ids(10), total=total, ignore_offset=True) as server:
        walked = walk(kind, server, concurrency=4, limit=10)
    assert isinstance(walked.error, PaginationError)
    assert "no progress" in str(walked.error)
    assert "10 entries from offsets 0 to 10" in str(walked.error)
    assert walked.ids == job_ids(10)
    assert len(server.offsets) == 2


# Never end short in silence.


@pytest.mark.parametrize("kind", KINDS)
def test_a_server_ignoring_offset_raises_instead_of_ending_short(kind: str) -> None:
    with ListingServer(job_ids(10), total=35, ignore_offset=True) as server:
        walked = walk(kind, server, concurrency=4, limit=10)
    assert isinstance(walked.error, PaginationError)
    assert walked.ids == job_ids(10)


@pytest.mark.parametrize("kind", KINDS)
def test_pages_capped_below_limit_without_total_are_walked_to_the_end(kind: str) -> None:
    ids = job_ids(350)
    with ListingServer(ids, total=None, cap=100) as server:
        walked = walk(kind, server, concurrency=4, limit=1000)
    assert walked.error is None
    assert walked.ids == ids
    assert server.offsets == [0, 99, 198, 297, 349]  # the last page holds only job 349


def _remove_front(count: int, after_answers: int) -> Callable[[ListingServer, int], None]:
    def on_answer(server: ListingServer, offset: int) -> None:
        if server.answered == after_answers:
            del server.ids[:count]

    return on_answer


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("removed", [1, 5, 9])
def test_jobs_leaving_the_front_mid_walk_skip_no_job_that_stayed(kind: str, removed: int) -> None:
    ids = job_ids(35)
    with ListingServer(ids, on_answer=_remove_front(removed, after_answers=2)) as server:
        walked = walk(kind, server, limit=10)
    assert walked.error is None
    assert walked.ids == ids  # the removed ones came before they left, the rest once each


@pytest.mark.parametrize("kind", KINDS)
def test_more_than_a_page_leaving_ahead_raises_rather_than_skip(kind: str) -> None:
    ids = job_ids(35)
    with ListingServer(ids, on_answer=_remove_front(15, after_answers=2)) as server:
        walked = walk(kind, server, limit=10)
    assert isinstance(walked.error, PaginationError)
    assert "moved toward its front" in str(walked.error)
    assert walked.ids == ids[:19]  # what came before the gap, and nothing after it


@pytest.mark.parametrize("kind", KINDS)
def test_a_listing_shrinking_past_the_walk_raises_rather_than_end(kind: str) -> None:
    # 30 of 35 jobs leave from the front: the 5 left are past the walk's place, which an
    # empty page alone cannot tell from the end.
    ids = job_ids(35)
    with ListingServer(ids, on_answer=_remove_front(30, after_answers=2)) as server:
        walked = walk(kind, server, limit=10)
    assert isinstance(walked.error, PaginationError)
    assert walked.ids == ids[:19]


@pytest.mark.parametrize("kind", KINDS)
def test_one_job_leaving_behind_the_walk_and_one_entering_ahead(kind: str) -> None:
    # A status filter churns like this: total_size stays the same, the walk's place moves back.
    ids = job_ids(40)

    def churn(server: ListingServer, offset: int) -> None:
        if server.answered == 2:
            server.ids.remove(ids[3])
            server.ids.insert(30, "bjb-new")

    with ListingServer(ids, on_answer=churn) as server:
        walked = walk(kind, server, limit=10)
    assert walked.error is None
    assert walked.ids == [*ids[:31], "bjb-new", *ids[31:]]


# Fetching ahead keeps the sequential walk's guarantees.


def _reverse_in_fours(offset: int) -> float:
    """Holds answers so that of four pages asked for at once, the last comes back first."""
    return 0.005 + 0.01 * (3 - (offset // 9) % 4)


@pytest.mark.parametrize("kind", KINDS)
def test_inserts_while_pages_come_back_out_of_order_lose_nothing(kind: str) -> None:
    ids = job_ids(200)
    inserted = iter(job_ids(30, prefix="bjb-new-"))

    def insert(server: ListingServer, offset: int) -> None:
        if server.answered % 5 == 0:  # three newer jobs every fifth answer
            server.ids[:0] = [next(inserted) for _ in range(3)]

    with ListingServer(ids, delay=_reverse_in_fours, on_answer=insert) as server:
        walked = walk(kind, server, concurrency=4, limit=10)
    assert server.most_in_flight >= 2  # pages were fetched ahead
    assert walked.error is None
    assert [i for i in walked.ids if not i.startswith("bjb-new-")] == ids
    assert len(walked.ids) == len(set(walked.ids))


@pytest.mark.parametrize("kind", KINDS)
def test_removals_while_pages_come_back_out_of_order_skip_nothing(kind: str) -> None:
    ids = job_ids(100)
    removed: set[str] = set()

    def remove(server: ListingServer, offset: int) -> None:
        if server.answered % 4 == 0:  # the newest job leaves every fourth answer
            removed.add(server.ids.pop(0))

    with ListingServer(ids, delay=_reverse_in_fours, on_answer=remove) as server:
        walked = walk(kind, server, concurrency=4, limit=10)
    assert server.most_in_flight >= 2
    assert walked.error is None
    assert len(walked.ids) == len(set(walked.ids))
    assert set(ids) - removed <= set(walked.ids)


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_fetched_ahead_that_fails_raises_in_its_turn(kind: str) -> None:
    ids = job_ids(200)
    with ListingServer(ids, delay=lambda offset: 0.02, fail=lambda offset: offset == 90) as server:
        walked = walk(kind, server, concurrency=4, limit=10)
    assert server.most_in_flight >= 2
    assert isinstance(walked.error, InternalServerError)
    assert walked.ids == ids[:91]  # every job of the pages before it, in order


class ShortPageAt45(ListingServer):
    """Pages of 10, but the one at offset 45 holds 5 jobs (a passing cap), so every page
    fetched ahead of it sits at offsets the walk no longer asks for: those answer 500."""

    def _page(self, path: str, offset: int, limit: int) -> dict[str, Any]:
        return super()._page(path, offset, 5 if offset == 45 else limit)


@pytest.mark.parametrize("kind", KINDS)
def test_failed_pages_fetched_ahead_that_the_walk_does_not_use_do_not_matter(kind: str) -> None:
    ids = job_ids(200)
    with ShortPageAt45(
        ids, delay=lambda offset: 0.02, fail=lambda offset: offset > 45 and offset % 9 == 0
    ) as server:
        walked = walk(kind, server, concurrency=8, limit=10)
    assert any(offset > 45 and offset % 9 == 0 for offset in server.offsets)  # fetched ahead
    assert walked.error is None
    assert walked.ids == ids


def test_stopping_a_sync_walk_does_not_wait_for_pages_fetched_ahead() -> None:
    ids = job_ids(200)
    # 100 ms a page: far above the hiccups of a crowded machine, so prefetch stays on.
    with ListingServer(ids, delay=lambda offset: 0.1, hold_from=100) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url, page_concurrency=8) as client:
            for job in client.beta.batch.list(limit=10):
                if job.id == ids[90]:
                    for _ in range(500):  # bounded: until a page fetched ahead is held
                        if server.held:
                            break
                        time.sleep(0.01)
                    break
            assert server.held > 0  # the loop ended while they were still held
            server.release.set()


@pytest.mark.parametrize("kind", KINDS)
def test_page_concurrency_1_fetches_one_page_at_a_time(kind: str) -> None:
    ids = job_ids(100)
    with ListingServer(ids, delay=lambda offset: 0.02) as server:
        walked = walk(kind, server, concurrency=1, limit=10)
    assert walked.ids == ids
    assert server.most_in_flight == 1


@pytest.mark.parametrize("kind", KINDS)
def test_page_concurrency_set_after_the_resources_are_made_is_the_one_used(kind: str) -> None:
    """Both clients read page_concurrency when a walk starts, not when client.beta was made."""
    ids = job_ids(100)
    options: dict[str, Any] = {"api_key": KEY, "max_retries": 0, "page_concurrency": 8}
    with ListingServer(ids, delay=lambda offset: 0.02) as server:
        if kind == "sync":
            with LlamaCloud(base_url=server.url, **options) as client:
                batch = client.beta.batch
                client.page_concurrency = 1
                walked = [job.id for job in batch.list(limit=10)]
        else:

            async def run() -> list[str]:
                async with AsyncLlamaCloud(base_url=server.url, **options) as client:
                    batch = client.beta.batch
                    client.page_concurrency = 1
                    return [job.id async for job in batch.list(limit=10)]

            walked = asyncio.run(run())
    assert walked == ids
    assert server.most_in_flight == 1


# Caller mistakes: refused before any request.


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"limit": 0}, ValueError),
        ({"limit": -5}, ValueError),
        ({"offset": -1}, ValueError),
        ({"offset": "0"}, TypeError),
        ({"limit": "10"}, TypeError),
        ({"limit": True}, TypeError),
        ({"offset": False}, TypeError),
        ({"limit": 2.5}, TypeError),
    ],
)
def test_bad_limit_or_offset_is_refused_before_any_request(
    kind: str, params: dict[str, Any], error: type[Exception]
) -> None:
    with ListingServer(job_ids(5)) as server:
        with pytest.raises(error, match=r"limit|offset"):
            walk(kind, server, **params)
        with pytest.raises(error, match=r"limit|offset"):
            walk(kind, server, items_of="bjb-1", **params)
    assert server.offsets == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("form", ["with_raw_response", "with_streaming_response"])
@pytest.mark.parametrize(
    ("params", "error"),
    [({"limit": 0}, ValueError), ({"offset": -1}, ValueError), ({"limit": "10"}, TypeError)],
)
def test_bad_limit_or_offset_in_raw_and_streaming_forms_is_refused_before_any_request(
    kind: str, form: str, params: dict[str, Any], error: type[Exception]
) -> None:
    """The raw forms send on the call and check only when parse() is asked for; a server that
    would answer anything (here a 500) must not be reached at all."""
    with HostileServer(lambda seen: reply(500, {"detail": "should not be asked"})) as server:
        options: dict[str, Any] = {"api_key": KEY, "base_url": server.url, "max_retries": 0}
        if kind == "sync":
            with LlamaCloud(**options) as client:
                for listing in (
                    getattr(client.beta.batch, form).list,
                    functools.partial(getattr(client.beta.batch.job_items, form).list, "bjb-1"),
                ):
                    with pytest.raises(error, match=r"limit|offset"):
                        if form == "with_raw_response":
                            listing(**params).parse()
                        else:
                            with listing(**params) as response:
                                response.parse()
        else:

            async def run() -> None:
                async with AsyncLlamaCloud(**options) as client:
                    for listing in (
                        getattr(client.beta.batch, form).list,
                        functools.partial(getattr(client.beta.batch.job_items, form).list, "bjb-1"),
                    ):
                        with pytest.raises(error, match=r"limit|offset"):
                            if form == "with_raw_response":
                                await (await listing(**params)).parse()
                            else:
                                async with listing(**params) as response:
                                    await response.parse()

            asyncio.run(run())
    assert server.seen == []


@pytest.mark.parametrize("client", [LlamaCloud, AsyncLlamaCloud])
@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-1, ValueError), (True, TypeError), ("4", TypeError)]
)
def test_bad_page_concurrency_is_refused(
    client: type, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="page_concurrency"):
        client(api_key=KEY, base_url="http://127.0.0.1:9", page_concurrency=value)


# Flat streaming memory.


@pytest.mark.parametrize("kind", KINDS)
def test_streaming_remembers_one_page_of_ids(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    remembered: list[int] = []
    accept = pagination._Walk.accept

    def recording(self: Any, page: Any) -> Any:
        fresh = accept(self, page)
        remembered.append(self.remembered)
        return fresh

    monkeypatch.setattr(pagination._Walk, "accept", recording)
    ids = job_ids(10_000, prefix="itm-")
    with ListingServer(ids) as server:
        walked = walk(kind, server, concurrency=4, items_of="bjb-1", limit=100)
    assert walked.error is None
    assert walked.ids == ids
    assert len(remembered) == len(server.offsets) > 100
    assert max(remembered) <= 100  # one page of ids, however long the listing
