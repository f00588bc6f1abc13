"""Work over many jobs or many items at once: the logic behind `client.beta.batch.wait_for_many`
and `client.beta.batch.iter_results` (and their asyncio twins).

Everything here goes through the public resource calls (`get_status`, `job_items.list`,
`job_items.get_processing_results`), so each request gets the client's retries, error mapping
and logging. The decisions (what to poll next, how long to sleep, what a failure means) are
made once, in `_Follower`; sync and async only send and sleep.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypedDict

from ._config import check_count
from ._exceptions import (
    LlamaCloudError,
)
from ._retries import asked_wait, is_transient_error

if TYPE_CHECKING:
    from concurrent.futures import Future

    from _llama_cloud_batch_generated.api.batch_job_items.get_item_processing_results import (
        GetItemProcessingResultsParams,
    )
    from _llama_cloud_batch_generated.api.batch_job_items.list_batch_job_items import (
        ListBatchJobItemsParams,
    )
    from _llama_cloud_batch_generated.models import (
        BatchJob,
        BatchJobItem,
        BatchJobProgress,
        ItemProcessingResults,
    )
    from _llama_cloud_batch_generated.resources.batch import AsyncBatch, Batch

    from ._base_client import Timeout

DEFAULT_RESULTS_CONCURRENCY = 8
DEFAULT_POLL_CONCURRENCY = 8


@dataclass(frozen=True, slots=True)
class JobWaitResult:
    """Where one job of `wait_for_many` stands: its last status, and why following it stopped.

    `progress` is the last answer of get_status (None if none came). `error` is the error that
    ended following this job (a job that vanished: NotFoundError) or, while `timed_out`, the
    last transient error seen. A job is settled when `is_final`, `error` or `timed_out` says so.
    """

    job_id: str
    progress: BatchJobProgress | None = None
    error: LlamaCloudError | None = None
    timed_out: bool = False

    @property
    def job(self) -> BatchJob | None:
        return None if self.progress is None else self.progress.job

    @property
    def status(self) -> str | None:
        """The job's last known status as a string (None if it was never seen)."""
        return None if self.progress is None else str(self.progress.job.status)

    @property
    def is_final(self) -> bool:
        """The job reached completed, failed or cancelled."""
        return self.progress is not None and self.progress.job.status.is_final

    @property
    def succeeded(self) -> bool:
        return self.status == "completed"


class WaitForManyOptions(TypedDict, total=False):
    """Keyword arguments of wait_for_many (see `wait_for_many` for their meaning)."""

    poll_interval: float
    max_poll_interval: float
    timeout: float | None
    on_update: Callable[[JobWaitResult], None] | None
    request_timeout: Timeout


class AsyncWaitForManyOptions(WaitForManyOptions, total=False):
    """Keyword arguments of the asyncio wait_for_many: also how many jobs are polled at once."""

    concurrency: int


class _Follower:
    """The state of one wait_for_many call: which jobs to poll, with what timeout, and how long
    to sleep. The timing is wait_for_completion's (resources._waiting.Schedule): each poll gets
    the time left, and a status the client does not know is warned about once."""

    def __init__(
        self,
        job_ids: Iterable[str],
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        timeout: float | None = 3600.0,
        on_update: Callable[[JobWaitResult], None] | None = None,
    ) -> None:
        from .resources._waiting import Schedule

        if isinstance(job_ids, str):
            raise TypeError("job_ids is a list of job IDs, not one string")
        ids = list(job_ids)
        for job_id in ids:
            if not isinstance(job_id, str) or not job_id:
                raise ValueError(f"job ids are non-empty strings, got {job_id!r}")
        duplicates = sorted(job_id for job_id, n in Counter(ids).items() if n > 1)
        if duplicates:
            raise ValueError(f"job ids given more than once: {', '.join(duplicates)}")
        self._schedule = Schedule(poll_interval, max_poll_interval, timeout)
        # timeout=0 asks for one look at every job: its polls cannot be given "the time left".
        self._snapshot = timeout == 0
        self._results = {job_id: JobWaitResult(job_id) for job_id in ids}
        self._order = ids
        self._on_update = on_update
        self._asked = 0.0

    def pending(self) -> list[str]:
        """The jobs to poll this round, in the order they were given."""
        return [job_id for job_id in self._order if not self._settled(self._results[job_id])]

    @staticmethod
    def _settled(result: JobWaitResult) -> bool:
        return (
            result.is_final
            or result.timed_out
            or (result.error is not None and not is_transient_error(result.error))
        )

    def expired(self) -> bool:
        """The deadline has passed: no more polls (the round ends early)."""
        return not self._snapshot and self._schedule.expired()

    def poll_timeout(self, request_timeout: Timeout) -> Timeout:
        """The next poll's timeout: the time left, or less if request_timeout says so."""
        if self._snapshot:
            return request_timeout
        return self._schedule.poll_timeout(request_timeout)

    def record(self, job_id: str, answer: BatchJobProgress | LlamaCloudError) -> None:
        previous = self._results[job_id]
        if isinstance(answer, LlamaCloudError):
            # The last progress seen stays: a job that vanishes is reported with what it was.
            result = replace(previous, error=answer)
            if is_transient_error(answer):
                self._asked = max(self._asked, asked_wait(answer))
        else:
            self._schedule.settles(job_id, answer)  # warns about a status it does not know
            result = JobWaitResult(job_id, answer)
        self._results[job_id] = result
        if self._on_update is not None:
            self._on_update(result)

    def next_sleep(self) -> float | None:
        """Seconds to sleep before the next round, or None when the wait is over (every job is
        settled, or the deadline has passed: the jobs still open are then marked timed out)."""
        if not self.pending():
            return None
        sleep = self._schedule.pause(self._asked)
        self._asked = 0.0
        if sleep is None:
            for job_id in self.pending():
                self._results[job_id] = replace(self._results[job_id], timed_out=True)
        return sleep

    def results(self) -> list[JobWaitResult]:
        return [self._results[job_id] for job_id in self._order]


def wait_for_many(
    batch: Batch,
    job_ids: Iterable[str],
    *,
    poll_interval: float = 1.0,
    max_poll_interval: float = 10.0,
    timeout: float | None = 3600.0,
    on_update: Callable[[JobWaitResult], None] | None = None,
    request_timeout: Timeout = None,
) -> list[JobWaitResult]:
    """Polls every job until each is final, or `timeout` seconds pass; one result per job, in
    the order given. See `Batch.wait_for_many`."""
    follower = _Follower(
        job_ids,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        on_update=on_update,
    )
    while True:
        for job_id in follower.pending():
            if follower.expired():
                break
            answer: BatchJobProgress | LlamaCloudError
            try:
                answer = batch.get_status(job_id, timeout=follower.poll_timeout(request_timeout))
            except LlamaCloudError as error:
                answer = error
            follower.record(job_id, answer)
        sleep = follower.next_sleep()
        if sleep is None:
            return follower.results()
        time.sleep(sleep)


async def async_wait_for_many(
    batch: AsyncBatch,
    job_ids: Iterable[str],
    *,
    poll_interval: float = 1.0,
    max_poll_interval: float = 10.0,
    timeout: float | None = 3600.0,
    on_update: Callable[[JobWaitResult], None] | None = None,
    request_timeout: Timeout = None,
    concurrency: int = DEFAULT_POLL_CONCURRENCY,
) -> list[JobWaitResult]:
    """As wait_for_many; each round polls up to `concurrency` jobs at once."""
    import asyncio

    check_count("concurrency", concurrency)
    follower = _Follower(
        job_ids,
        poll_interval=poll_interval,
        max_poll_interval=max_poll_interval,
        timeout=timeout,
        on_update=on_update,
    )
    gate = asyncio.Semaphore(concurrency)

    async def poll(job_id: str) -> BatchJobProgress | LlamaCloudError | None:
        async with gate:
            # Checked once the gate opens: a poll that waited for its turn gets what is left.
            if follower.expired():
                return None
            try:
                timeout = follower.poll_timeout(request_timeout)
                return await batch.get_status(job_id, timeout=timeout)
            except LlamaCloudError as error:
                return error

    while True:
        pending = follower.pending()
        answers = await asyncio.gather(*(poll(job_id) for job_id in pending))
        # Recorded in the order given, whatever order the answers came in.
        for job_id, answer in zip(pending, answers, strict=True):
            if answer is not None:
                follower.record(job_id, answer)
        sleep = follower.next_sleep()
        if sleep is None:
            return follower.results()
        await asyncio.sleep(sleep)


class IterResultsOptions(TypedDict, total=False):
    """Keyword arguments of iter_results (see `iter_results` for their meaning)."""

    status: str | None
    job_type: str | None
    concurrency: int
    skip: Callable[[BatchJobItem], bool] | None
    page_size: int | None
    request_timeout: Timeout


def _listing_params(status: str | None, page_size: int | None) -> ListBatchJobItemsParams:
    params: dict[str, Any] = {}
    if status is not None:
        params["status"] = status
    if page_size is not None:
        params["limit"] = page_size
    return params  # type: ignore[return-value]  # keys of ListBatchJobItemsParams only


def _results_params(job_type: str | None) -> GetItemProcessingResultsParams:
    return {} if job_type is None else {"job_type": job_type}  # type: ignore[typeddict-item]


def _check_iter_options(job_id: str, concurrency: int) -> None:
    if not isinstance(job_id, str) or not job_id:
        raise ValueError(f"job_id is a non-empty string, got {job_id!r}")
    check_count("concurrency", concurrency)


def iter_results(
    batch: Batch,
    job_id: str,
    *,
    status: str | None = None,
    job_type: str | None = None,
    concurrency: int = DEFAULT_RESULTS_CONCURRENCY,
    skip: Callable[[BatchJobItem], bool] | None = None,
    page_size: int | None = None,
    request_timeout: Timeout = None,
) -> Iterator[tuple[BatchJobItem, ItemProcessingResults]]:
    """`(item, results)` for every item of the job, in listing order. See `Batch.iter_results`."""
    _check_iter_options(job_id, concurrency)
    return _iterate_results(
        batch,
        job_id,
        _listing_params(status, page_size),
        _results_params(job_type),
        concurrency,
        skip,
        request_timeout,
    )


def _iterate_results(
    batch: Batch,
    job_id: str,
    listing: ListBatchJobItemsParams,
    params: GetItemProcessingResultsParams,
    concurrency: int,
    skip: Callable[[BatchJobItem], bool] | None,
    request_timeout: Timeout,
) -> Iterator[tuple[BatchJobItem, ItemProcessingResults]]:
    from concurrent.futures import ThreadPoolExecutor

    def fetch(item: BatchJobItem) -> ItemProcessingResults:
        return batch.job_items.get_processing_results(
            item.item_id, timeout=request_timeout, **params
        )

    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="llama-cloud-batch-results")
    # At most `concurrency` fetches are in flight: the oldest is waited for (and yielded)
    # before another starts, which is also what keeps the listing order.
    window: deque[tuple[BatchJobItem, Future[ItemProcessingResults]]] = deque()
    try:
        for item in batch.job_items.list(job_id, timeout=request_timeout, **listing):
            if skip is not None and skip(item):
                continue
            if len(window) == concurrency:
                oldest, future = window.popleft()
                yield oldest, future.result()
            window.append((item, pool.submit(fetch, item)))
        while window:
            oldest, future = window.popleft()
            yield oldest, future.result()
    finally:
        # Stopped early (an error, a break, Ctrl-C): start nothing more and do not wait for the
        # fetches already sent; they end with their answer or their request timeout (until
        # then the interpreter's exit waits for them, which the command line does not).
        pool.shutdown(wait=False, cancel_futures=True)


def async_iter_results(
    batch: AsyncBatch,
    job_id: str,
    *,
    status: str | None = None,
    job_type: str | None = None,
    concurrency: int = DEFAULT_RESULTS_CONCURRENCY,
    skip: Callable[[BatchJobItem], bool] | None = None,
    page_size: int | None = None,
    request_timeout: Timeout = None,
) -> AsyncIterator[tuple[BatchJobItem, ItemProcessingResults]]:
    """As iter_results, for `async for`; up to `concurrency` fetches are awaited at once."""
    _check_iter_options(job_id, concurrency)
    return _aiterate_results(
        batch,
        job_id,
        _listing_params(status, page_size),
        _results_params(job_type),
        concurrency,
        skip,
        request_timeout,
    )


async def _aiterate_results(
    batch: AsyncBatch,
    job_id: str,
    listing: ListBatchJobItemsParams,
    params: GetItemProcessingResultsParams,
    concurrency: int,
    skip: Callable[[BatchJobItem], bool] | None,
    request_timeout: Timeout,
) -> AsyncIterator[tuple[BatchJobItem, ItemProcessingResults]]:
    import asyncio

    window: deque[tuple[BatchJobItem, asyncio.Task[ItemProcessingResults]]] = deque()

    def fetch(item: BatchJobItem) -> asyncio.Task[ItemProcessingResults]:
        return asyncio.ensure_future(
            batch.job_items.get_processing_results(item.item_id, timeout=request_timeout, **params)
        )

    try:
        async for item in batch.job_items.list(job_id, timeout=request_timeout, **listing):
            if skip is not None and skip(item):
                continue
            if len(window) == concurrency:
                oldest, task = window.popleft()
                yield oldest, await task
            window.append((item, fetch(item)))
        while window:
            oldest, task = window.popleft()
            yield oldest, await task
    finally:
        tasks = [task for _, task in window]
        for task in tasks:
            task.cancel()
        # Collected so that no "exception was never retrieved" warning follows a stop.
        await asyncio.gather(*tasks, return_exceptions=True)
