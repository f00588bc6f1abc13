"""Walking listings: every item once, the right offsets, no silent short ends, no loops; against
a scripted server (exact pages and offsets), then servers that lie (listing_server.py): a walk
never loops, never ends short in silence, and fetching pages ahead (sync threads, async tasks)
keeps every guarantee of a sequential walk."""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from factories import API_KEY, item, job, page, paged
from listing_server import ListingServer, job_ids
from llama_cloud_batch import (
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    LlamaCloudError,
    PaginationError,
)
from llama_cloud_batch import _pagination as pagination
from scripted_server import Received, Reply, ScriptedServer

JOBS = [job(i) for i in range(250)]
KINDS = ["sync", "async"]


def serve_jobs(jobs: list[dict], total: int | None = None):
    def script(request: Received) -> Reply:
        return Reply(200, paged(jobs, request.query, total))

    return script


def test_seed_page_shape(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, page([job(1)], total_size=1, token="next"))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        first = client.beta.batch.list()
    assert [j.id for j in first.items] == ["bjb-00000001"]
    assert first.total_size == 1
    assert first.next_page_token == "next"
    assert not first.has_next_page()


def test_250_jobs_in_pages_of_100_take_3_overlapping_requests(server: ScriptedServer) -> None:
    # Each later page is asked for from the previous page's last job, which it must repeat.
    server.script = serve_jobs(JOBS)
    with LlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=1) as client:
        ids = [j.id for j in client.beta.batch.list(limit=100)]
    assert ids == [j["id"] for j in JOBS]
    assert [r.query.get("offset", "0") for r in server.received] == ["0", "99", "198"]
    assert all(r.query["limit"] == "100" for r in server.received)


async def test_250_jobs_async_in_pages_of_100_take_3_requests(server: ScriptedServer) -> None:
    server.script = serve_jobs(JOBS)
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        ids = [j.id async for j in client.beta.batch.list(limit=100)]
    assert ids == [j["id"] for j in JOBS]
    assert sorted(int(r.query.get("offset", "0")) for r in server.received) == [0, 99, 198]


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_async_concurrent_pages_keep_server_order(
    server: ScriptedServer, concurrency: int
) -> None:
    server.script = serve_jobs(JOBS)
    async with AsyncLlamaCloud(
        api_key=API_KEY, base_url=server.url, page_concurrency=concurrency
    ) as client:
        ids = [j.id async for j in client.beta.batch.list(limit=20)]
    assert ids == [j["id"] for j in JOBS]
    assert len(server.received) == 14  # 20 jobs, then 19 new ones a page (one overlaps)


def test_a_walk_from_an_offset_starts_there(server: ScriptedServer) -> None:
    server.script = serve_jobs(JOBS)
    with LlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=1) as client:
        ids = [j.id for j in client.beta.batch.list(limit=50, offset=100)]
    assert ids == [j["id"] for j in JOBS[100:]]
    assert [r.query["offset"] for r in server.received] == ["100", "149", "198", "247"]


def test_iter_pages_and_next_page(server: ScriptedServer) -> None:
    server.script = serve_jobs(JOBS)
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        first = client.beta.batch.list(limit=100)
        assert first.has_next_page()
        second = first.get_next_page()
        assert second.items[0].id == JOBS[100]["id"]
        sizes = [len(p.items) for p in first.iter_pages()]
        last = second.get_next_page()
        assert not last.has_next_page()
        with pytest.raises(PaginationError):
            last.get_next_page()
    assert sizes == [100, 100, 50]


def _inserting(jobs: list[dict], inserted: int):
    """Serves jobs newest first; after the first page, `inserted` new jobs appear at the front."""
    state = {"served": 0}

    def script(request: Received) -> Reply:
        current = jobs
        if state["served"] >= 1:
            current = [job(10_000 + i) for i in range(inserted)] + jobs
        state["served"] += 1
        return Reply(200, paged(current, request.query))

    return script


def test_jobs_pushed_to_the_next_page_are_yielded_once(server: ScriptedServer) -> None:
    server.script = _inserting(JOBS, 5)
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        ids = [j.id for j in client.beta.batch.list(limit=100)]
    assert len(ids) == len(set(ids))
    assert set(ids) == {j["id"] for j in JOBS}


async def test_async_jobs_pushed_to_the_next_page_are_yielded_once(server: ScriptedServer) -> None:
    server.script = _inserting(JOBS, 5)
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=1) as client:
        ids = [j.id async for j in client.beta.batch.list(limit=100)]
    assert len(ids) == len(set(ids))
    assert set(ids) == {j["id"] for j in JOBS}


def _nothing_after_200(request: Received) -> Reply:
    offset = int(request.query.get("offset", 0))
    end = min(offset + 100, 200)
    return Reply(200, page([job(i) for i in range(offset, end)], total_size=10_000))


def test_empty_page_before_total_size_raises_after_one_more_try(server: ScriptedServer) -> None:
    # Past job 199 only the overlapping job comes back: nothing new while 10,000 are promised.
    server.script = _nothing_after_200
    with LlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=1) as client:
        seen = []
        with pytest.raises(PaginationError, match="200 of 10000"):
            for j in client.beta.batch.list(limit=100):
                seen.append(j.id)
    assert len(seen) == 200
    offsets = [r.query.get("offset", "0") for r in server.received]
    assert offsets == ["0", "99", "198", "199", "199"]


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_async_empty_page_raises_the_same_error(
    server: ScriptedServer, concurrency: int
) -> None:
    server.script = _nothing_after_200
    async with AsyncLlamaCloud(
        api_key=API_KEY, base_url=server.url, page_concurrency=concurrency
    ) as client:
        seen = []
        with pytest.raises(PaginationError, match="200 of 10000"):
            async for j in client.beta.batch.list(limit=100):
                seen.append(j.id)
    assert len(seen) == 200


def test_job_items_listing_walks_pages(server: ScriptedServer) -> None:
    items = [item(i) for i in range(25)]
    server.script = lambda r: Reply(200, paged(items, r.query))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        names = [i.item_name for i in client.beta.batch.job_items.list("bjb-1", limit=10)]
    assert names == [i["item_name"] for i in items]
    assert {r.path for r in server.received} == {"/api/v1/beta/batch-processing/bjb-1/items"}


async def test_async_job_items_first_page(server: ScriptedServer) -> None:
    items = [item(i) for i in range(5)]
    server.script = lambda r: Reply(200, paged(items, r.query))
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        first = await client.beta.batch.job_items.list("bjb-1", limit=2)
        assert [i.item_id for i in first.items] == ["itm-0", "itm-1"]
        following = await first.get_next_page()
        assert [i.item_id for i in following.items] == ["itm-2", "itm-3"]
        pages = [len(p.items) async for p in first.iter_pages()]
    assert pages == [2, 2, 1]


def _empty_from_offset_200(request: Received) -> Reply:
    offset = int(request.query.get("offset", 0))
    if offset >= 200:
        return Reply(200, page([], total_size=10_000))
    return Reply(200, page([job(i) for i in range(offset, offset + 100)], total_size=10_000))


def test_an_empty_page_is_checked_from_a_step_back_then_raises(server: ScriptedServer) -> None:
    # The empty page at 297 cannot show that the walk's place still holds; asked again from
    # the last page's start (twice: a glitch gets one more chance), nothing comes past job 297.
    server.script = _empty_from_offset_200
    with LlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=1) as client:
        seen = []
        with pytest.raises(PaginationError, match=r"ended early.*298 of 10000"):
            for j in client.beta.batch.list(limit=100):
                seen.append(j.id)
    assert len(seen) == 298
    offsets = [r.query.get("offset", "0") for r in server.received]
    assert offsets == ["0", "99", "198", "297", "198", "198"]


class TestPace:
    """The prefetch window, from the wall, CPU and run-queue time a walk spends per page."""

    @staticmethod
    def run(concurrency: int, pages: list[tuple[float, ...]]) -> list[int]:
        """Feeds (wall, cpu[, waiting for a CPU]) milliseconds per page; the window after each."""
        wall = cpu = queued = 0.0
        pace = pagination._Pace(concurrency, wall, cpu, snapshot=lambda: (queued, wall))
        windows = []
        for page_wall, page_cpu, *page_queued in pages:
            wall, cpu = wall + page_wall / 1000, cpu + page_cpu / 1000
            queued += sum(page_queued) / 1000
            pace.tick(wall, cpu)
            windows.append(pace.window)
        return windows

    def test_a_busy_walk_fetches_nothing_ahead(self) -> None:
        assert self.run(8, [(2, 1.5)] * 20) == [0] * 20  # answers come faster than parsing

    def test_one_slow_answer_is_not_enough(self) -> None:
        assert self.run(8, [(2, 1.5), (30, 1.5)] * 10) == [0] * 20

    def test_waiting_for_answers_opens_the_window_while_it_pays(self) -> None:
        # 20 ms of latency: two idle pages open the window as wide as allowed; the page after
        # was asked for before it opened, the two after that come at once: kept.
        assert self.run(8, [(22, 2)] * 2 + [(22, 2), (2, 2), (2, 2)]) == [0, 7, 7, 7, 7]
        assert self.run(4, [(22, 2)] * 2) == [0, 3]  # at most page_concurrency - 1 ahead
        assert self.run(8, [(6, 2)] * 2) == [0, 3]  # idle twice the busy time: 3 ahead

    def test_waiting_for_a_cpu_is_not_network_latency(self) -> None:
        # A crowded machine: each page takes 2 ms of CPU and waits 5 ms for one. The clocks
        # alone would read that as 5 ms of latency a page; the run queue explains all of it.
        assert self.run(8, [(7, 2, 5)] * 100) == [0] * 100
        # Mostly explained: 1 ms of the 6 idle was the network, less than the work (7 ms).
        assert self.run(8, [(8, 2, 5)] * 100) == [0] * 100

    def test_latency_on_a_crowded_machine_still_opens_the_window(self) -> None:
        # 22 ms of network a page besides 2 ms of CPU and 2 ms waiting for one: the window
        # covers the wait with pages of work (22 / 4, rounded down), plus the page asked for.
        assert self.run(8, [(26, 2, 2)] * 2) == [0, 6]

    def test_a_window_that_does_not_pay_is_closed_for_a_while(self) -> None:
        # Idle time the system does not explain, yet pages take three times their CPU whatever
        # is fetched ahead (a server starved of CPU, or a system that does not report its run
        # queue): the trial closes the window.
        windows = self.run(8, [(6, 2)] * 40)
        assert windows[:5] == [0, 3, 3, 3, 0]  # opened, judged on two pages, closed
        assert windows[5 : 5 + pagination._Pace.REST] == [0] * pagination._Pace.REST
        assert 3 in windows[5 + pagination._Pace.REST :]  # tried again after the rest

    def test_a_wait_for_a_cpu_while_reading_the_run_queue_stays_with_its_page(self) -> None:
        # Reading the run queue is a system call, where a crowded machine often takes the CPU
        # away: here for 5 ms on every other page, after the page's clocks and before the
        # reading. The page ends at the reading, so those 5 ms are in both its wall time and its
        # run-queue wait, and its 8 ms on the network are seen as they are. (Had the next page
        # started at the clocks, it would carry 5 ms its reading cannot explain, and this one
        # 5 ms of run-queue wait its wall time does not hold: neither would look right.)
        wall = cpu = queued = 0.0
        pace = pagination._Pace(8, wall, cpu, snapshot=lambda: (queued, wall))
        windows = []
        for lost in [0.005, 0.0]:
            wall, cpu = wall + 0.010, cpu + 0.002  # 2 ms of work, 8 ms waiting on the server
            clocks = wall
            wall, queued = wall + lost, queued + lost  # the reading waits for a CPU
            pace.tick(clocks, cpu)
            windows.append(pace.window)
        assert windows == [0, 5]  # 8 ms waiting over 2 of work: 4 pages ahead, and one more

    def test_without_the_run_queue_idle_time_counts_as_network(self) -> None:
        wall = 0.0
        pace = pagination._Pace(8, wall, 0.0, snapshot=lambda: (None, wall))
        wall = 0.006
        pace.tick(wall, 0.002)
        wall = 0.012
        pace.tick(wall, 0.004)
        assert pace.window == 3

    def test_the_run_queue_is_read_only_on_pages_that_look_idle(self) -> None:
        readings = []

        def snapshot() -> tuple[float, float]:
            readings.append(1)
            return 0.0, 0.0

        pace = pagination._Pace(8, 0.0, 0.0, snapshot=snapshot)
        assert len(readings) == 1  # where the walk starts
        for count in range(1, 51):
            pace.tick(count * 0.002, count * 0.0015)  # busy: answers come faster than parsing
        assert len(readings) == 1
        pace.tick(0.2, 0.076)
        assert len(readings) == 2

    def test_page_concurrency_1_never_fetches_ahead(self) -> None:
        assert self.run(1, [(22, 2)] * 5) == [0] * 5

    def test_the_run_queue_wait_is_read_where_the_system_reports_it(self) -> None:
        waited = pagination.run_queue_wait()
        if sys.platform == "linux" and Path("/proc/thread-self/schedstat").exists():
            assert waited is not None
            assert waited >= 0
        else:
            assert waited is None


def test_pages_fetched_ahead_never_exceed_the_window() -> None:
    fetched: list[int] = []

    def fetch(offset: int) -> pagination.SyncPage[str]:
        fetched.append(offset)
        model = _Model([f"j{i}" for i in range(offset, offset + 10)], 1000)
        return pagination.SyncPage(model, offset=offset, key=str, fetch=fetch)

    fetcher = pagination._SyncFetcher(fetch, concurrency=8)
    asked = range(9, 500, 9)
    try:
        for offset in asked:
            fetcher._pace.window = 3  # held open, whatever the clocks say
            assert fetcher.get(offset, iter(range(offset + 9, 1000, 9))).items[0] == f"j{offset}"
            assert len(fetcher._ahead) <= 3
    finally:
        fetcher.close()
    # Nothing past three pages beyond the last one asked for, each page once.
    assert max(fetched) <= asked[-1] + 3 * 9
    assert len(fetched) == len(set(fetched))


@dataclass
class _Model:
    items: list[str]
    total_size: int | None
    next_page_token: str | None = None


def _page_at(offset: int, count: int, total: int | None) -> pagination._PageBase[str]:
    model = _Model([f"j{i}" for i in range(offset, offset + count)], total)
    return pagination._PageBase(model, offset=offset, key=str)


def test_pages_worth_fetching_ahead_are_those_the_walk_asks_for_next() -> None:
    first = _page_at(0, 10, 100)
    walk = pagination._Walk(first, overlap=True)
    assert walk.accept(first) == first.items
    assert walk.next == 9
    assert list(walk.ahead()) == [18, 27, 36, 45, 54, 63, 72, 81, 90]  # 90 holds the last job
    short = _page_at(9, 5, 100)  # a passing cap: the next page is guessed at full length
    assert walk.accept(short) == ["j10", "j11", "j12", "j13"]
    assert walk.next == 13
    assert list(walk.ahead())[:3] == [22, 31, 40]


def test_without_total_size_nothing_is_fetched_ahead() -> None:
    first = _page_at(0, 10, None)
    walk = pagination._Walk(first, overlap=True)
    walk.accept(first)
    assert walk.next == 9
    assert list(walk.ahead()) == []


# ----- servers that lie ----------------------------------------------------------------------


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
        "api_key": API_KEY,
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


# Never loop, never end short in silence: a page with nothing new raises.


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("total", [None, 35, 10**12], ids=["no-total", "total", "huge-total"])
def test_a_server_ignoring_offset_raises_at_once_instead_of_looping_or_ending_short(
    kind: str, total: int | None
) -> None:
    # The same full page whatever the offset: with or without a total_size (one past what was
    # yielded, or one the listing could never reach), the second page's nothing-new raises.
    with ListingServer(job_ids(10), total=total, ignore_offset=True) as server:
        walked = walk(kind, server, concurrency=4, limit=10)
    assert isinstance(walked.error, PaginationError)
    assert "no progress: the page at offset 9" in str(walked.error)
    assert "stopped after 10 entries from offsets 0 to 10" in str(walked.error)
    assert walked.ids == job_ids(10)  # the same ten jobs are not yielded twice
    assert len(server.offsets) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_pages_capped_below_limit_without_total_are_walked_to_the_end(kind: str) -> None:
    # A short page may be the server's cap, so without total_size only a page with nothing
    # after the overlapping job ends the listing: one request more than the pages.
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
        with LlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=8) as client:
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
    options: dict[str, Any] = {"api_key": API_KEY, "max_retries": 0, "page_concurrency": 8}
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
    server: ScriptedServer, kind: str, form: str, params: dict[str, Any], error: type[Exception]
) -> None:
    """The raw forms send on the call and check only when parse() is asked for; a server that
    would answer anything (here a 500) must not be reached at all."""
    server.script = lambda r: Reply(500, {"detail": "should not be asked"})
    options: dict[str, Any] = {"api_key": API_KEY, "base_url": server.url, "max_retries": 0}
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
    assert server.received == []


@pytest.mark.parametrize("client", [LlamaCloud, AsyncLlamaCloud])
@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-1, ValueError), (True, TypeError), ("4", TypeError)]
)
def test_bad_page_concurrency_is_refused(
    client: type, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="page_concurrency"):
        client(api_key=API_KEY, base_url="http://127.0.0.1:9", page_concurrency=value)


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
