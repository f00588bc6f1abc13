# Copied by generator/generate.py from overrides/llama_cloud_batch/resources/batch.py. Edit it there.
"""client.beta.batch: what no spec says about batch jobs, on top of the generated methods.

The methods themselves (list, create, get_status, cancel, and whatever generator/resources.yaml
adds) are generated in `_generated/resources/batch.py`; this module adds waiting for a job and
create's rule that exactly one of directory_id and item_ids is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import Timeout
from .._generated.resources.batch import _AsyncBatchBase, _BatchBase
from ._waiting import PollSchedule, wait_async, wait_sync

if TYPE_CHECKING:
    from .._generated.api.batch.get_batch_job_status import GetBatchJobStatusParams
    from .._generated.models import BatchJobProgress


def _check_create(params: Mapping[str, Any]) -> None:
    given = [name for name in ("directory_id", "item_ids") if params.get(name) is not None]
    if len(given) != 1:
        got = " and ".join(given) if given else "neither"
        raise ValueError(f"create() needs exactly one of directory_id and item_ids; got {got}")


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
        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        return wait_sync(self.get_status, job_id, schedule, request_timeout, dict(params))


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
        schedule = PollSchedule(job_id, poll_interval, max_poll_interval, timeout)
        return await wait_async(self.get_status, job_id, schedule, request_timeout, dict(params))


__all__ = ["AsyncBatch", "Batch"]
