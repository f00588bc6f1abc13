"""client.beta.batch: what no spec says about batch jobs, beside the generated methods.

The class users get, `_llama_cloud_batch_generated/resources/batch.py`'s Batch, has the methods
generator/resources.yaml places there (list, create, get_status, cancel, ...) and inherits the
mixins below (the map's `custom: batch`): waiting for jobs, every item's results at once, and
create's rule that exactly one of directory_id and item_ids is given. Like the beta resource
they belong to, they are deprecated: client.batches is its successor.
"""

from __future__ import annotations

import builtins
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import llama_cloud_batch

from .. import types
from .._base_client import DEFAULT_POLL_CONCURRENCY, Timeout
from .._config import check_count
from .._deprecation import NOT_GIVEN, deprecated

if TYPE_CHECKING:
    from concurrent.futures import Future

    from _llama_cloud_batch_generated.resources.batch import AsyncBatch, Batch

    from .wait_results import JobWaitResult


DEFAULT_RESULTS_CONCURRENCY = 8
_DEPRECATED = "client.beta.batch.{}() is deprecated: use client.batches.{}() instead"
# The caller of a deprecated method, seen from deadline_argument (the @deprecated wrapper adds a
# frame).
_CALLER = 4


def _job_status(progress: types.BatchJobProgress) -> Any:
    return progress.job.status


def _check_create(params: Mapping[str, Any]) -> None:
    given = [name for name in ("directory_id", "item_ids") if params.get(name) is not None]
    if len(given) != 1:
        got = " and ".join(given) if given else "neither"
        raise ValueError(f"create() needs exactly one of directory_id and item_ids; got {got}")


def _results_query(
    status: str | None, page_size: int | None, organization_id: str | None, project_id: str | None
) -> dict[str, Any]:
    """The job_items.list arguments of iter_results (None: not given)."""
    given = {"status": status, "limit": page_size}
    given |= {"organization_id": organization_id, "project_id": project_id}
    return {name: value for name, value in given.items() if value is not None}


class BatchMixin:
    """Batch jobs (beta, deprecated: client.batches replaces them): waiting for them, and their
    results in bulk.

    `list`, `create`, `get_status` and `cancel` are the API's operations, `job_items` its
    items; waiting and bulk results are added here. In the examples, `client` is a
    `LlamaCloud()`.

    Examples:
        >>> job = client.beta.batch.create(
        ...     job_config={"job_name": "parse_raw_file_job", "parameters": {"type": "parse"}},
        ...     directory_id="dir-reports",  # or item_ids=[...]: exactly one of the two
        ... )
        >>> print(client.beta.batch.get_status(job.id).job.job_type)
        parse
        >>> for job in client.beta.batch.list(job_type="parse", limit=100):  # every page
        ...     print(job.job_type)
        ...     break
        parse
    """

    def _check_create(self, params: Mapping[str, Any]) -> None:
        _check_create(params)

    @deprecated(_DEPRECATED.format("wait_for_completion", "wait_for_completion"))
    def wait_for_completion(
        self,
        job_id: str,
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[types.BatchJobProgress], None] | None = None,
        request_timeout: Timeout = None,
        timeout: Any = NOT_GIVEN,
    ) -> types.BatchJobProgress:
        """Polls get_status until the job's status is final (completed, failed, cancelled).

        The interval grows from poll_interval to max_poll_interval. `max_wait` is the deadline
        of the whole wait, in seconds (None: for ever): WaitTimeoutError once it passes.
        `request_timeout` bounds each poll (it is cut to the time left). `on_update(progress)` is
        called after every poll. `timeout` is max_wait's old name (deprecated).

        Examples:
            >>> job = client.beta.batch.create(
            ...     job_config={"job_name": "parse_raw_file_job", "parameters": {"type": "parse"}},
            ...     directory_id="dir-reports",
            ... )
            >>> done = client.beta.batch.wait_for_completion(job.id, poll_interval=0.1)
            >>> print(done.job.status, done.job.processed_items, done.progress_percentage)
            completed 3 100.0
        """
        # Loaded here: a first list() call does not pay for waiting.
        from .._waiting import deadline_argument, wait_sync, waiting_for_one

        one = waiting_for_one(
            "batch job",
            job_id,
            _job_status,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(
                max_wait, timeout, "wait_for_completion", stacklevel=_CALLER
            ),
            on_update=on_update,
        )
        batch = cast("Batch", self)  # the generated class this mixes into
        return wait_sync(
            lambda left: batch.get_status(
                job_id, organization_id=organization_id, project_id=project_id, timeout=left
            ),
            one,
            request_timeout,
        )

    @deprecated(_DEPRECATED.format("wait_for_many", "wait_for_many"))
    def wait_for_many(
        self,
        job_ids: Iterable[str],
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[llama_cloud_batch.JobWaitResult], None] | None = None,
        request_timeout: Timeout = None,
        timeout: Any = NOT_GIVEN,
    ) -> builtins.list[llama_cloud_batch.JobWaitResult]:
        """Follows every job until each is final or `max_wait` seconds pass.

        Polls politely: one round over the open jobs, then a pause growing from `poll_interval`
        to `max_poll_interval`, longer when the server asked for it (Retry-After). Returns one
        JobWaitResult per job, in the order given, and raises nothing for one job's trouble: a
        job that vanishes (404) or keeps failing ends with `.error`; one still open at the
        deadline with `.timed_out`. `on_update(result)` is called after every poll of a job;
        `max_wait=0` looks at each job once. `timeout` is max_wait's old name (deprecated).

        Examples:
            >>> job = client.beta.batch.create(
            ...     job_config={"job_name": "parse_raw_file_job", "parameters": {"type": "parse"}},
            ...     directory_id="dir-reports",
            ... )
            >>> [result] = client.beta.batch.wait_for_many([job.id], poll_interval=0.1)
            >>> print(result.status, result.succeeded, result.timed_out)
            completed True False
        """
        from .._waiting import Follower, deadline_argument, wait_many_sync

        batch = cast("Batch", self)
        follower = Follower(
            "batch job",
            job_ids,
            _job_status,
            llama_cloud_batch.JobWaitResult,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(max_wait, timeout, "wait_for_many", stacklevel=_CALLER),
            on_update=on_update,
        )
        return wait_many_sync(
            follower,
            lambda job_id, left: batch.get_status(
                job_id, organization_id=organization_id, project_id=project_id, timeout=left
            ),
            request_timeout,
        )

    @deprecated(
        "client.beta.batch.iter_results() is deprecated: client.batches.iter_results() lists a "
        "batch's per-file results"
    )
    def iter_results(
        self,
        job_id: str,
        *,
        status: str | None = None,
        job_type: str | None = None,
        organization_id: str | None = None,
        project_id: str | None = None,
        concurrency: int = DEFAULT_RESULTS_CONCURRENCY,
        skip: Callable[[types.BatchJobItem], bool] | None = None,
        page_size: int | None = None,
        request_timeout: Timeout = None,
    ) -> Iterator[tuple[types.BatchJobItem, types.ItemProcessingResults]]:
        """`(item, results)` for every item of the job (only those in `status`, if given).

        Items come in listing order; their results are fetched `concurrency` (default 8) at a
        time ahead of the one yielded. Items for which `skip(item)` is true are not fetched.
        Each request has the client's retries; an error that survives them is raised where that
        item would have been yielded, after every item before it.

        Examples:
            >>> job = client.beta.batch.create(
            ...     job_config={"job_name": "parse_raw_file_job", "parameters": {"type": "parse"}},
            ...     directory_id="dir-reports",
            ... )
            >>> _ = client.beta.batch.wait_for_completion(job.id, poll_interval=0.1)
            >>> for item, results in client.beta.batch.iter_results(job.id, status="completed"):
            ...     print(item.item_name, item.status, len(results.processing_results or []))
            q1.pdf completed 1
            q2.pdf completed 1
            q3.pdf completed 1
        """
        _check_job_id(job_id)
        check_count("concurrency", concurrency)
        batch = cast("Batch", self)
        kind = _job_type(job_type)

        def fetch(item: types.BatchJobItem) -> types.ItemProcessingResults:
            return batch.job_items.get_processing_results(
                item.item_id,
                job_type=kind,
                organization_id=organization_id,
                project_id=project_id,
                timeout=request_timeout,
            )

        items = batch.job_items.list(
            job_id,
            timeout=request_timeout,
            **_results_query(status, page_size, organization_id, project_id),
        )
        return _results_in_order(items, fetch, concurrency, skip)


class AsyncBatchMixin:
    """Batch jobs, for asyncio (see BatchMixin)."""

    def _check_create(self, params: Mapping[str, Any]) -> None:
        _check_create(params)

    @deprecated(_DEPRECATED.format("wait_for_completion", "wait_for_completion"))
    async def wait_for_completion(
        self,
        job_id: str,
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[types.BatchJobProgress], None] | None = None,
        request_timeout: Timeout = None,
        timeout: Any = NOT_GIVEN,
    ) -> types.BatchJobProgress:
        """Polls get_status until the job's status is final (see BatchMixin.wait_for_completion)."""
        from .._waiting import deadline_argument, wait_async, waiting_for_one

        one = waiting_for_one(
            "batch job",
            job_id,
            _job_status,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(
                max_wait, timeout, "wait_for_completion", stacklevel=_CALLER
            ),
            on_update=on_update,
        )
        batch = cast("AsyncBatch", self)
        return await wait_async(
            lambda left: batch.get_status(
                job_id, organization_id=organization_id, project_id=project_id, timeout=left
            ),
            one,
            request_timeout,
        )

    @deprecated(_DEPRECATED.format("wait_for_many", "wait_for_many"))
    async def wait_for_many(
        self,
        job_ids: Iterable[str],
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[llama_cloud_batch.JobWaitResult], None] | None = None,
        request_timeout: Timeout = None,
        concurrency: int = DEFAULT_POLL_CONCURRENCY,
        timeout: Any = NOT_GIVEN,
    ) -> builtins.list[llama_cloud_batch.JobWaitResult]:
        """As BatchMixin.wait_for_many; each round polls up to `concurrency` jobs at once."""
        from .._waiting import Follower, deadline_argument, wait_many_async

        batch = cast("AsyncBatch", self)
        follower = Follower(
            "batch job",
            job_ids,
            _job_status,
            llama_cloud_batch.JobWaitResult,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(max_wait, timeout, "wait_for_many", stacklevel=_CALLER),
            on_update=on_update,
        )
        return await wait_many_async(
            follower,
            lambda job_id, left: batch.get_status(
                job_id, organization_id=organization_id, project_id=project_id, timeout=left
            ),
            request_timeout,
            concurrency,
        )

    @deprecated(
        "client.beta.batch.iter_results() is deprecated: client.batches.iter_results() lists a "
        "batch's per-file results"
    )
    def iter_results(
        self,
        job_id: str,
        *,
        status: str | None = None,
        job_type: str | None = None,
        organization_id: str | None = None,
        project_id: str | None = None,
        concurrency: int = DEFAULT_RESULTS_CONCURRENCY,
        skip: Callable[[types.BatchJobItem], bool] | None = None,
        page_size: int | None = None,
        request_timeout: Timeout = None,
    ) -> AsyncIterator[tuple[types.BatchJobItem, types.ItemProcessingResults]]:
        """As BatchMixin.iter_results, for `async for`; up to `concurrency` fetches are awaited
        at once."""
        _check_job_id(job_id)
        check_count("concurrency", concurrency)
        batch = cast("AsyncBatch", self)
        kind = _job_type(job_type)
        items = batch.job_items.list(
            job_id,
            timeout=request_timeout,
            **_results_query(status, page_size, organization_id, project_id),
        )
        return _async_results_in_order(
            items,
            lambda item: batch.job_items.get_processing_results(
                item.item_id,
                job_type=kind,
                organization_id=organization_id,
                project_id=project_id,
                timeout=request_timeout,
            ),
            concurrency,
            skip,
        )


def _job_type(job_type: str | None) -> types.JobType | None:
    return None if job_type is None else types.JobType(job_type)


def _check_job_id(job_id: object) -> None:
    if not isinstance(job_id, str) or not job_id:
        raise ValueError(f"job_id is a non-empty string, got {job_id!r:.100}")


def _results_in_order(
    items: Iterable[types.BatchJobItem],
    fetch: Callable[[types.BatchJobItem], types.ItemProcessingResults],
    concurrency: int,
    skip: Callable[[types.BatchJobItem], bool] | None,
) -> Iterator[tuple[types.BatchJobItem, types.ItemProcessingResults]]:
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="llama-cloud-batch-results")
    # At most `concurrency` fetches are in flight: the oldest is waited for (and yielded)
    # before another starts, which is also what keeps the listing order.
    window: deque[tuple[types.BatchJobItem, Future[types.ItemProcessingResults]]] = deque()
    try:
        for item in items:
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


async def _async_results_in_order(
    items: Any,
    fetch: Callable[[types.BatchJobItem], Any],
    concurrency: int,
    skip: Callable[[types.BatchJobItem], bool] | None,
) -> AsyncIterator[tuple[types.BatchJobItem, types.ItemProcessingResults]]:
    import asyncio

    window: deque[tuple[types.BatchJobItem, asyncio.Future[types.ItemProcessingResults]]] = deque()
    try:
        async for item in items:
            if skip is not None and skip(item):
                continue
            if len(window) == concurrency:
                oldest, task = window.popleft()
                yield oldest, await task
            window.append((item, asyncio.ensure_future(fetch(item))))
        while window:
            oldest, task = window.popleft()
            yield oldest, await task
    finally:
        tasks = [task for _, task in window]
        for task in tasks:
            task.cancel()
        # Collected so that no "exception was never retrieved" warning follows a stop.
        await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["AsyncBatchMixin", "BatchMixin", "JobWaitResult"]


def __getattr__(name: str) -> Any:
    # JobWaitResult, exported here since 2.0.0: it lives in wait_results, loaded with the first
    # wait (through the package's lazy names, as in the annotations), not with this module.
    if name == "JobWaitResult":
        return llama_cloud_batch.JobWaitResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
