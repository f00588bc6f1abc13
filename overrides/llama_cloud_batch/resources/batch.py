"""client.beta.batch: what no spec says about batch jobs, on top of the generated methods.

The methods themselves (list, create, get_status, cancel, and whatever generator/resources.yaml
adds) are generated in `_generated/resources/batch.py`; this module adds waiting for a job and
create's rule that exactly one of directory_id and item_ids is given.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import Timeout
from .._config import check_request_data
from .._generated.resources.batch import _AsyncBatchBase, _BatchBase

if TYPE_CHECKING:
    from .._bulk import (
        AsyncWaitForManyOptions,
        IterResultsOptions,
        JobWaitResult,
        WaitForManyOptions,
    )
    from .._generated.api.batch.get_batch_job_status import GetBatchJobStatusParams
    from .._generated.models import BatchJobItem, BatchJobProgress, ItemProcessingResults


def _check_create(params: Mapping[str, Any]) -> None:
    given = [name for name in ("directory_id", "item_ids") if params.get(name) is not None]
    if len(given) != 1:
        got = " and ".join(given) if given else "neither"
        raise ValueError(f"create() needs exactly one of directory_id and item_ids; got {got}")
    # Here, before the generated code turns the arguments into JSON (a job_config that holds
    # itself would end that in a RecursionError).
    for name, value in params.items():
        check_request_data(value, f"create(): {name}")


class Batch(_BatchBase):
    """Batch jobs: create, list, follow, wait for and cancel them."""

    def _check_create(self, params: Mapping[str, Any]) -> None:
        _check_create(params)

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
        Other keyword arguments go to each get_status.
        """
        # Loaded here, as _bulk is below: a first list() call does not pay for waiting.
        from ._waiting import PollSchedule, wait_sync

        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        return wait_sync(self.get_status, job_id, schedule, request_timeout, dict(params))

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


class AsyncBatch(_AsyncBatchBase):
    """Batch jobs, for asyncio."""

    def _check_create(self, params: Mapping[str, Any]) -> None:
        _check_create(params)

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
        from ._waiting import PollSchedule, wait_async

        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        return await wait_async(self.get_status, job_id, schedule, request_timeout, dict(params))

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


__all__ = ["AsyncBatch", "Batch"]
