"""client.beta.batch: create, list, follow, wait for and cancel batch jobs.

The keyword arguments of each call are the operation's generated TypedDict, so a parameter
added to the spec shows up here on regeneration. Operation modules are imported on first use:
importing the package does not load the models of calls never made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import RequestOptions, Timeout
from .._pagination import AsyncPage, AsyncPager, SyncPage
from ._listing import first_async_page, first_sync_page
from ._waiting import PollSchedule, wait_async, wait_sync
from .job_items import AsyncJobItems, JobItems

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .._generated.api.batch.cancel_batch_job import CancelBatchJobParams
    from .._generated.api.batch.create_batch_job import CreateBatchJobParams
    from .._generated.api.batch.get_batch_job_status import GetBatchJobStatusParams
    from .._generated.api.batch.list_batch_jobs import ListBatchJobsParams
    from .._generated.models import BatchJob, BatchJobCancelResult, BatchJobProgress


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
        `timeout` seconds (None waits for ever), a deadline for the whole wait (see _waiting).
        """
        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        return wait_sync(self.get_status, job_id, schedule, request_timeout, dict(params))


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
        return await wait_async(self.get_status, job_id, schedule, request_timeout, dict(params))


__all__ = ["AsyncBatch", "AsyncPage", "Batch", "SyncPage"]
