"""Polling a batch job until it reaches a final status, within an overall deadline.

`timeout` is a deadline for the whole wait: each poll is given the time left as its own
whole-call timeout (so one slow poll, a server that never answers or one that trickles bytes
cannot overrun it), sleeps are cut to it, and a poll that fails in a way worth retrying (a
connection error, a timeout, 408, 429, 5xx) when the deadline leaves no room for another poll
(or for the Retry-After the server asked for) ends the wait with WaitTimeoutError.

A status the client does not know (the enum is open, so the server may add one) is not taken as
final: the wait goes on, and logs a WARNING the first time it sees each such status, so a wait that
then runs to its deadline does not do so in silence; the WaitTimeoutError names the status too.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._config import check_seconds
from .._exceptions import APIConnectionError, APIStatusError, LlamaCloudError, WaitTimeoutError
from .._logging import logger
from .._retries import asked_wait, is_transient_error

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import BatchJobProgress

    from .._base_client import Timeout

_GROWTH = 1.5


class Schedule:
    """Intervals from `poll_interval` growing to `max_poll_interval`, within a deadline: the
    timing shared by wait_for_completion (one job) and wait_for_many (many)."""

    def __init__(
        self, poll_interval: float, max_poll_interval: float, timeout: float | None
    ) -> None:
        # Checked here, before the first poll: nan would otherwise fail only at the first sleep.
        self._interval = check_seconds("poll_interval", poll_interval, zero=False)
        self._max_interval = check_seconds("max_poll_interval", max_poll_interval, zero=False)
        if self._max_interval < self._interval:
            raise ValueError(
                f"max_poll_interval ({max_poll_interval}) must not be less than poll_interval "
                f"({poll_interval})"
            )
        # None, not an infinity, waits for ever.
        self._timeout = None if timeout is None else check_seconds("timeout", timeout, zero=True)
        self._deadline = None if self._timeout is None else time.monotonic() + self._timeout
        self._warned: set[str] = set()

    def settles(self, job_id: str, progress: BatchJobProgress) -> bool:
        """Final per the spec (BatchJobStatus.FINAL, from its x-final-values). A status the spec
        does not list is not final: waiting goes on to the deadline, with one WARNING a status."""
        status = progress.job.status
        if status.is_final:
            return True
        if not status.is_known and str(status) not in self._warned:
            self._warned.add(str(status))
            logger.warning(
                "batch job %s has status %r, which this client does not know; waiting on as if "
                "it were not final (until %s, or the timeout)",
                job_id,
                str(status)[:64],
                ", ".join(sorted(status.FINAL)),
            )
        return False

    def expired(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def poll_timeout(self, request_timeout: Timeout) -> Timeout:
        """The timeout for the next poll: the time left, or less if request_timeout says so."""
        if self._deadline is None:
            return request_timeout
        left = max(self._deadline - time.monotonic(), 0.0)
        if isinstance(request_timeout, int | float):
            return min(float(request_timeout), left)
        return left

    def pause(self, asked: float = 0.0) -> float | None:
        """Seconds to wait before the next poll (at least `asked`, what a Retry-After asked
        for), cut to the time left; None once the deadline has passed."""
        sleep = max(self._interval, asked)
        self._interval = min(self._interval * _GROWTH, self._max_interval)
        if self._deadline is None:
            return sleep
        left = self._deadline - time.monotonic()
        if left <= 0:
            return None
        return min(sleep, left)


class PollSchedule(Schedule):
    """The schedule of one wait_for_completion: its deadline ends in WaitTimeoutError."""

    def __init__(
        self, job_id: str, poll_interval: float, max_poll_interval: float, timeout: float | None
    ) -> None:
        super().__init__(poll_interval, max_poll_interval, timeout)
        self.job_id = job_id
        self._last_status: str | None = None

    def is_final(self, progress: BatchJobProgress) -> bool:
        self._last_status = str(progress.job.status)
        return self.settles(self.job_id, progress)

    def next_sleep(self) -> float:
        """Seconds to wait before the next poll; WaitTimeoutError once the deadline has passed."""
        sleep = self.pause()
        if sleep is None:
            raise self._timed_out()
        return sleep

    def poll_failed(self, error: LlamaCloudError) -> None:
        """Raises WaitTimeoutError (from `error`) when the failure is worth retrying but the
        deadline leaves no room to; otherwise returns and the caller re-raises `error`."""
        if self._deadline is None or not is_transient_error(error):
            return
        wanted = max(self._interval, asked_wait(error))
        if time.monotonic() + wanted >= self._deadline:
            raise self._timed_out() from error

    def _timed_out(self) -> WaitTimeoutError:
        status = self._last_status
        known = "" if status is None or status not in self._warned else " (an unknown status)"
        state = "not yet polled" if status is None else f"still {status}{known}"
        return WaitTimeoutError(
            f"batch job {self.job_id} is {state} after {self._timeout:g} s",
            job_id=self.job_id,
            last_status=status,
        )


def wait_sync(
    get_status: Callable[..., BatchJobProgress],
    job_id: str,
    schedule: PollSchedule,
    request_timeout: Timeout,
    params: dict[str, Any],
) -> BatchJobProgress:
    """Polls `get_status` on `schedule` until the job is final (see the module's docstring)."""
    while True:
        try:
            progress = get_status(job_id, timeout=schedule.poll_timeout(request_timeout), **params)
        except (APIConnectionError, APIStatusError) as error:
            schedule.poll_failed(error)
            raise
        if schedule.is_final(progress):
            return progress
        time.sleep(schedule.next_sleep())


async def wait_async(
    get_status: Callable[..., Awaitable[BatchJobProgress]],
    job_id: str,
    schedule: PollSchedule,
    request_timeout: Timeout,
    params: dict[str, Any],
) -> BatchJobProgress:
    """As wait_sync, for asyncio."""
    import asyncio

    while True:
        try:
            progress = await get_status(
                job_id, timeout=schedule.poll_timeout(request_timeout), **params
            )
        except (APIConnectionError, APIStatusError) as error:
            schedule.poll_failed(error)
            raise
        if schedule.is_final(progress):
            return progress
        await asyncio.sleep(schedule.next_sleep())
