# Copied by generator/generate.py from overrides/llama_cloud_batch/resources/batch.py. Edit it there.
"""client.beta.batch: create, list, follow, wait for and cancel batch jobs.

The keyword arguments of each call are the operation's generated TypedDict, so a parameter
added to the spec shows up here on regeneration. Operation modules are imported on first use:
importing the package does not load the models of calls never made.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import RequestOptions, Timeout, _async_sleep
from .._pagination import AsyncPage, AsyncPager, SyncPage
from ._listing import first_async_page, first_sync_page
from ._waiting import PollSchedule
from .job_items import AsyncJobItems, JobItems

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .._bulk import (
        AsyncWaitForManyOptions,
        IterResultsOptions,
        JobWaitResult,
        WaitForManyOptions,
    )
    from .._generated.api.batch.cancel_batch_job import CancelBatchJobParams
    from .._generated.api.batch.create_batch_job import CreateBatchJobParams
    from .._generated.api.batch.get_batch_job_status import GetBatchJobStatusParams
    from .._generated.api.batch.list_batch_jobs import ListBatchJobsParams
    from .._generated.models import (
        BatchJob,
        BatchJobCancelResult,
        BatchJobItem,
        BatchJobProgress,
        ItemProcessingResults,
    )


def _job_id(job: BatchJob) -> str:
    return job.id


def _check_create(params: Mapping[str, Any]) -> None:
    given = [name for name in ("directory_id", "item_ids") if params.get(name) is not None]
    if len(given) != 1:
        got = " and ".join(given) if given else "neither"
        raise ValueError(f"create() needs exactly one of directory_id and item_ids; got {got}")


class Batch:
    """Batch jobs."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client
        self.job_items = JobItems(client)

    def list(
        self,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[ListBatchJobsParams],
    ) -> SyncPage[BatchJob]:
        """Lists batch jobs, newest first. Iterate the page for every job of every page."""
        from .._generated.api.batch import list_batch_jobs as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        return first_sync_page(
            self._client, op.build_request, op.parse_response, params, options, _job_id
        )

    def create(
        self,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry_non_idempotent: bool | None = None,
        **params: Unpack[CreateBatchJobParams],
    ) -> BatchJob:
        """Starts a batch job over `directory_id` or `item_ids` (exactly one of the two).

        Not idempotent: retried only when the request never left or the server said it did not
        act (429, 503), unless retry_non_idempotent=True.
        """
        from .._generated.api.batch import create_batch_job as op

        _check_create(params)
        options = RequestOptions(timeout, extra_headers, max_retries, retry_non_idempotent)
        return self._client.request(op.build_request(params), op.parse_response, options)

    def get_status(
        self,
        job_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[GetBatchJobStatusParams],
    ) -> BatchJobProgress:
        """The job and its progress (0 to 100)."""
        from .._generated.api.batch import get_batch_job_status as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        return self._client.request(op.build_request(job_id, params), op.parse_response, options)

    def cancel(
        self,
        job_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[CancelBatchJobParams],
    ) -> BatchJobCancelResult:
        """Stops a pending or running job; its pending items are cancelled."""
        from .._generated.api.batch import cancel_batch_job as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        return self._client.request(op.build_request(job_id, params), op.parse_response, options)

    def wait_for_completion(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        timeout: float | None = 3600.0,
        request_timeout: Timeout = None,
        **params: Unpack[GetBatchJobStatusParams],
    ) -> BatchJobProgress:
        """Polls get_status until the job is completed, failed or cancelled.

        The interval grows from poll_interval to max_poll_interval; WaitTimeoutError after
        `timeout` seconds (None waits for ever).
        """
        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        while True:
            progress = self.get_status(job_id, timeout=request_timeout, **params)
            if schedule.is_final(progress):
                return progress
            time.sleep(schedule.next_sleep(progress))

    # Bulk helpers: the logic lives in llama_cloud_batch._bulk.

    def wait_for_many(
        self, job_ids: Iterable[str], **options: Unpack[WaitForManyOptions]
    ) -> builtins.list[JobWaitResult]:
        """Follows every job until each is final or `timeout` seconds (default 3600) pass.

        Polls politely: one round over the open jobs, then a pause growing from `poll_interval`
        to `max_poll_interval`, longer when the server asked for it (Retry-After). Returns one
        JobWaitResult per job, in the order given, and raises nothing for one job's trouble: a
        job that vanishes (404) or keeps failing ends with `.error`; one still open at the
        deadline with `.timed_out`. `on_update(result)` is called after every poll of a job.
        """
        from .._bulk import wait_for_many

        return wait_for_many(self, job_ids, **options)

    def iter_results(
        self, job_id: str, **options: Unpack[IterResultsOptions]
    ) -> Iterator[tuple[BatchJobItem, ItemProcessingResults]]:
        """`(item, results)` for every item of the job (only those in `status`, if given).

        Items come in listing order; their results are fetched `concurrency` (default 8) at a
        time ahead of the one yielded. Items for which `skip(item)` is true are not fetched.
        Each request has the client's retries; an error that survives them is raised where that
        item would have been yielded, after every item before it.
        """
        from .._bulk import iter_results

        return iter_results(self, job_id, **options)


class AsyncBatch:
    """Batch jobs, for asyncio."""

    def __init__(self, client: AsyncAPIClient, page_concurrency: int) -> None:
        self._client = client
        self._page_concurrency = page_concurrency
        self.job_items = AsyncJobItems(client, page_concurrency)

    def list(
        self,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[ListBatchJobsParams],
    ) -> AsyncPager[BatchJob]:
        """Lists batch jobs, newest first: `await` for the first page, `async for` for all jobs."""
        from .._generated.api.batch import list_batch_jobs as op

        options = RequestOptions(timeout, extra_headers, max_retries)

        def first() -> Any:
            return first_async_page(
                self._client,
                op.build_request,
                op.parse_response,
                params,
                options,
                _job_id,
                self._page_concurrency,
            )

        return AsyncPager(first)

    async def create(
        self,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry_non_idempotent: bool | None = None,
        **params: Unpack[CreateBatchJobParams],
    ) -> BatchJob:
        """Starts a batch job over `directory_id` or `item_ids` (exactly one of the two)."""
        from .._generated.api.batch import create_batch_job as op

        _check_create(params)
        options = RequestOptions(timeout, extra_headers, max_retries, retry_non_idempotent)
        return await self._client.request(op.build_request(params), op.parse_response, options)

    async def get_status(
        self,
        job_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[GetBatchJobStatusParams],
    ) -> BatchJobProgress:
        """The job and its progress (0 to 100)."""
        from .._generated.api.batch import get_batch_job_status as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        spec = op.build_request(job_id, params)
        return await self._client.request(spec, op.parse_response, options)

    async def cancel(
        self,
        job_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[CancelBatchJobParams],
    ) -> BatchJobCancelResult:
        """Stops a pending or running job; its pending items are cancelled."""
        from .._generated.api.batch import cancel_batch_job as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        spec = op.build_request(job_id, params)
        return await self._client.request(spec, op.parse_response, options)

    async def wait_for_completion(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        timeout: float | None = 3600.0,
        request_timeout: Timeout = None,
        **params: Unpack[GetBatchJobStatusParams],
    ) -> BatchJobProgress:
        """Polls get_status until the job is completed, failed or cancelled (see Batch)."""
        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        while True:
            progress = await self.get_status(job_id, timeout=request_timeout, **params)
            if schedule.is_final(progress):
                return progress
            await _async_sleep(schedule.next_sleep(progress))

    # Bulk helpers: the logic lives in llama_cloud_batch._bulk.

    async def wait_for_many(
        self, job_ids: Iterable[str], **options: Unpack[AsyncWaitForManyOptions]
    ) -> builtins.list[JobWaitResult]:
        """As Batch.wait_for_many; each round polls up to `concurrency` (default 8) at once."""
        from .._bulk import async_wait_for_many

        return await async_wait_for_many(self, job_ids, **options)

    def iter_results(
        self, job_id: str, **options: Unpack[IterResultsOptions]
    ) -> AsyncIterator[tuple[BatchJobItem, ItemProcessingResults]]:
        """As Batch.iter_results, for `async for`."""
        from .._bulk import async_iter_results

        return async_iter_results(self, job_id, **options)


__all__ = ["AsyncBatch", "AsyncPage", "Batch", "SyncPage"]
