"""Polling a batch job until it reaches a final status: the schedule, shared by sync and async."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .._exceptions import WaitTimeoutError
from .._logging import logger

if TYPE_CHECKING:
    from .._generated.models import BatchJobProgress

_GROWTH = 1.5


class PollSchedule:
    """Intervals from `poll_interval` growing to `max_poll_interval`, within a deadline."""

    def __init__(
        self, job_id: str, poll_interval: float, max_poll_interval: float, timeout: float | None
    ) -> None:
        if poll_interval <= 0 or max_poll_interval < poll_interval:
            raise ValueError("need 0 < poll_interval <= max_poll_interval")
        self.job_id = job_id
        self._interval = poll_interval
        self._max_interval = max_poll_interval
        self._timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._warned_unknown = False

    def is_final(self, progress: BatchJobProgress) -> bool:
        """Final per the spec (BatchJobStatus.FINAL, from its x-final-values). A status the spec
        does not list is not final: waiting goes on to the deadline, with one WARNING."""
        status = progress.job.status
        if not status.is_known and not self._warned_unknown:
            self._warned_unknown = True
            logger.warning(
                "batch job %s has status %r, which this client does not know; "
                "waiting on until a final status (%s) or the timeout",
                self.job_id,
                status.value[:64],
                ", ".join(sorted(status.FINAL)),
            )
        return status.is_final

    def next_sleep(self, progress: BatchJobProgress) -> float:
        """Seconds to wait before the next poll; WaitTimeoutError once the deadline has passed."""
        sleep = self._interval
        self._interval = min(self._interval * _GROWTH, self._max_interval)
        if self._deadline is None:
            return sleep
        left = self._deadline - time.monotonic()
        if left <= 0:
            status = str(progress.job.status)
            raise WaitTimeoutError(
                f"batch job {self.job_id} is still {status} after {self._timeout:g} s",
                job_id=self.job_id,
                last_status=status,
            )
        return min(sleep, left)
