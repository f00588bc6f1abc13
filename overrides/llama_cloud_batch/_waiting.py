"""Polling something until it reaches a final status, within an overall deadline: the engine
behind every resource's wait_for_completion and wait_for_many, sync and async. The resources
say what to poll and where its status is; final statuses come from the spec (an enum's
x-final-values become its `is_final`).

`max_wait` is a deadline for the whole wait: each poll is given the time left as its own
whole-call timeout (so one slow poll, a server that never answers or one that trickles bytes
cannot overrun it), sleeps are cut to it, and a poll that fails in a way worth retrying (a
connection error, a timeout, 408, 429, 5xx) when the deadline leaves no room for another poll
(or for the Retry-After the server asked for) ends the wait with WaitTimeoutError.

A status the client does not know (the enum is open, so the server may add one) is not taken as
final: the wait goes on, and logs a WARNING the first time it sees each such status, so a wait
that then runs to its deadline does not do so in silence; the WaitTimeoutError names it too.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ._config import check_count, check_seconds
from ._deprecation import NOT_GIVEN
from ._exceptions import APIConnectionError, APIStatusError, LlamaCloudError, WaitTimeoutError
from ._logging import logger
from ._retries import asked_wait, is_transient_error

if TYPE_CHECKING:
    from ._base_client import Timeout
    from .resources.wait_results import WaitResult

T = TypeVar("T")
_GROWTH = 1.5


class Status(Protocol):
    """A status enum of the spec (OpenStrEnum with x-final-values)."""

    @property
    def is_final(self) -> bool: ...
    @property
    def is_known(self) -> bool: ...


def deadline_argument(
    max_wait: float | None, timeout: Any, method: str, *, stacklevel: int = 3
) -> float | None:
    """The wait's deadline in seconds: `max_wait`, or the `timeout` its older callers still pass
    (deprecated: the name is a request's timeout everywhere else). `stacklevel` is the caller's
    frame, counted from here."""
    if timeout is not NOT_GIVEN:
        warnings.warn(
            f"{method}(timeout=...) is deprecated: the whole wait's deadline is max_wait= "
            "(request_timeout= bounds each poll)",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        max_wait = timeout
    return None if max_wait is None else check_seconds("max_wait", max_wait, zero=True)


class Schedule:
    """Intervals from `poll_interval` growing to `max_poll_interval`, within a deadline: the
    timing shared by waiting for one thing and for many."""

    def __init__(
        self, what: str, poll_interval: float, max_poll_interval: float, max_wait: float | None
    ) -> None:
        poll_interval = check_seconds("poll_interval", poll_interval, zero=False)
        max_poll_interval = check_seconds("max_poll_interval", max_poll_interval, zero=False)
        if max_poll_interval < poll_interval:
            raise ValueError("max_poll_interval must not be below poll_interval")
        self.what = what  # "batch job", "batch": for messages
        self._interval = poll_interval
        self._max_interval = max_poll_interval
        self.max_wait = max_wait
        self._deadline = None if max_wait is None else time.monotonic() + max_wait
        self._warned: set[str] = set()

    def settles(self, ident: str, status: Status) -> bool:
        """Final per the spec. A status the spec does not list is not final: waiting goes on to
        the deadline, with one WARNING a status."""
        if status.is_final:
            return True
        text = str(status)
        if not status.is_known and text not in self._warned:
            self._warned.add(text)
            logger.warning(
                "%s %s has status %r, which this client does not know; waiting on as if it were "
                "not final (until a final status, or the deadline)",
                self.what,
                ident,
                text[:64],
            )
        return False

    def is_unknown(self, status: str) -> bool:
        return status in self._warned

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

    def no_room_for(self, error: LlamaCloudError) -> bool:
        """Whether a failed poll worth retrying leaves no room, before the deadline, for the
        next one (or for the wait the server asked for)."""
        if self._deadline is None or not is_transient_error(error):
            return False
        wanted = max(self._interval, asked_wait(error))
        return time.monotonic() + wanted >= self._deadline


class _One(Generic[T]):
    """The state of waiting for one thing: its last status, and the timeout error."""

    def __init__(
        self,
        ident: str,
        schedule: Schedule,
        status_of: Callable[[T], Status],
        on_update: Callable[[T], None] | None,
    ) -> None:
        self.ident = ident
        self.schedule = schedule
        self._status_of = status_of
        self._on_update = on_update
        self._last: str | None = None

    def is_final(self, answer: T) -> bool:
        status = self._status_of(answer)
        self._last = str(status)
        if self._on_update is not None:
            self._on_update(answer)
        return self.schedule.settles(self.ident, status)

    def next_sleep(self) -> float:
        sleep = self.schedule.pause()
        if sleep is None:
            raise self.timed_out()
        return sleep

    def poll_failed(self, error: LlamaCloudError) -> None:
        """Raises WaitTimeoutError (from `error`) when the failure is worth retrying but the
        deadline leaves no room to; otherwise returns and the caller re-raises `error`."""
        if self.schedule.no_room_for(error):
            raise self.timed_out() from error

    def timed_out(self) -> WaitTimeoutError:
        status = self._last
        unknown = " (an unknown status)" if status and self.schedule.is_unknown(status) else ""
        state = "not yet polled" if status is None else f"still {status}{unknown}"
        return WaitTimeoutError(
            f"{self.schedule.what} {self.ident} is {state} after {self.schedule.max_wait:g} s",
            id=self.ident,
            last_status=status,
        )


def wait_sync(
    poll: Callable[[Timeout], T],
    one: _One[T],
    request_timeout: Timeout,
) -> T:
    """Polls until the answer's status is final (see the module's docstring)."""
    while True:
        try:
            answer = poll(one.schedule.poll_timeout(request_timeout))
        except (APIConnectionError, APIStatusError) as error:
            one.poll_failed(error)
            raise
        if one.is_final(answer):
            return answer
        time.sleep(one.next_sleep())


async def wait_async(
    poll: Callable[[Timeout], Awaitable[T]],
    one: _One[T],
    request_timeout: Timeout,
) -> T:
    """As wait_sync, for asyncio."""
    import asyncio

    while True:
        try:
            answer = await poll(one.schedule.poll_timeout(request_timeout))
        except (APIConnectionError, APIStatusError) as error:
            one.poll_failed(error)
            raise
        if one.is_final(answer):
            return answer
        await asyncio.sleep(one.next_sleep())


def waiting_for_one(
    what: str,
    ident: str,
    status_of: Callable[[T], Status],
    *,
    poll_interval: float,
    max_poll_interval: float,
    max_wait: float | None,
    on_update: Callable[[T], None] | None,
) -> _One[T]:
    if not isinstance(ident, str) or not ident:
        raise ValueError(f"the {what}'s ID is a non-empty string, got {ident!r:.100}")
    schedule = Schedule(what, poll_interval, max_poll_interval, max_wait)
    return _One(ident, schedule, status_of, on_update)


R = TypeVar("R", bound="WaitResult[Any]")


class Follower(Generic[T, R]):
    """The state of one wait_for_many call: which things to poll, with what timeout, and how long
    to sleep; the timing is that of waiting for one (Schedule)."""

    def __init__(
        self,
        what: str,
        ids: Iterable[str],
        status_of: Callable[[T], Status],
        result: Callable[..., R],
        *,
        poll_interval: float,
        max_poll_interval: float,
        max_wait: float | None,
        on_update: Callable[[R], None] | None,
    ) -> None:
        if isinstance(ids, str):
            raise TypeError(f"the {what} IDs are a list of IDs, not one string")
        order = list(ids)
        for ident in order:
            if not isinstance(ident, str) or not ident:
                raise ValueError(f"{what} IDs are non-empty strings, got {ident!r:.100}")
        duplicates = sorted(ident for ident, n in Counter(order).items() if n > 1)
        if duplicates:
            raise ValueError(f"{what} IDs given more than once: {', '.join(duplicates)}")
        self._schedule = Schedule(what, poll_interval, max_poll_interval, max_wait)
        # max_wait=0 asks for one look at each: its polls cannot be given "the time left".
        self._snapshot = max_wait == 0
        self._status_of = status_of
        self._result = result
        self._results = {ident: result(ident) for ident in order}
        self._order = order
        self._on_update = on_update
        self._asked = 0.0

    def pending(self) -> list[str]:
        """The things to poll this round, in the order they were given."""
        return [ident for ident in self._order if not self._results[ident].settled]

    def expired(self) -> bool:
        """The deadline has passed: no more polls (the round ends early)."""
        return not self._snapshot and self._schedule.expired()

    def poll_timeout(self, request_timeout: Timeout) -> Timeout:
        if self._snapshot:
            return request_timeout
        return self._schedule.poll_timeout(request_timeout)

    def record(self, ident: str, answer: T | LlamaCloudError) -> None:
        previous = self._results[ident]
        if isinstance(answer, LlamaCloudError):
            # The last answer seen stays: a thing that vanishes is reported with what it was.
            result = replace(previous, error=answer)
            if is_transient_error(answer):
                self._asked = max(self._asked, asked_wait(answer))
        else:
            status = self._status_of(answer)
            final = self._schedule.settles(ident, status)  # warns about a status it does not know
            result = self._result(ident, answer, str(status), final)
        self._results[ident] = result
        if self._on_update is not None:
            self._on_update(result)

    def next_sleep(self) -> float | None:
        """Seconds to sleep before the next round, or None when the wait is over (every one is
        settled, or the deadline has passed: those still open are then marked timed out)."""
        if not self.pending():
            return None
        sleep = self._schedule.pause(self._asked)
        self._asked = 0.0
        if sleep is None:
            for ident in self.pending():
                self._results[ident] = replace(self._results[ident], timed_out=True)
        return sleep

    def results(self) -> list[R]:
        return [self._results[ident] for ident in self._order]


def wait_many_sync(
    follower: Follower[T, R], poll: Callable[[str, Timeout], T], request_timeout: Timeout
) -> list[R]:
    """Polls every thing until each is settled, or the deadline; one result each, in order."""
    while True:
        for ident in follower.pending():
            if follower.expired():
                break
            answer: T | LlamaCloudError
            try:
                answer = poll(ident, follower.poll_timeout(request_timeout))
            except LlamaCloudError as error:
                answer = error
            follower.record(ident, answer)
        sleep = follower.next_sleep()
        if sleep is None:
            return follower.results()
        time.sleep(sleep)


async def wait_many_async(
    follower: Follower[T, R],
    poll: Callable[[str, Timeout], Awaitable[T]],
    request_timeout: Timeout,
    concurrency: int,
) -> list[R]:
    """As wait_many_sync; each round polls up to `concurrency` at once."""
    import asyncio

    check_count("concurrency", concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def one(ident: str) -> T | LlamaCloudError | None:
        async with gate:
            # Checked once the gate opens: a poll that waited for its turn gets what is left.
            if follower.expired():
                return None
            try:
                return await poll(ident, follower.poll_timeout(request_timeout))
            except LlamaCloudError as error:
                return error

    while True:
        pending = follower.pending()
        answers = await asyncio.gather(*(one(ident) for ident in pending))
        # Recorded in the order given, whatever order the answers came in.
        for ident, answer in zip(pending, answers, strict=True):
            if answer is not None:
                follower.record(ident, answer)
        sleep = follower.next_sleep()
        if sleep is None:
            return follower.results()
        await asyncio.sleep(sleep)
