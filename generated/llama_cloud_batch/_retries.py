# Copied by generator/generate.py from overrides/llama_cloud_batch/_retries.py. Edit it there.
"""When to retry a request and how long to wait first: pure functions shared by sync and async."""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time

import httpx

from ._exceptions import APIConnectionError, APIStatusError, LlamaCloudError

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
# The longest wait the server may ask for with Retry-After before the client gives up asking again
# sooner: a longer wait is capped, not obeyed.
MAX_RETRY_AFTER = 60.0

_RETRIED_STATUSES = frozenset({408, 429})
# Answers that say the server did not act on the request, so that re-sending it cannot
# do the work twice (the only statuses on which a non-idempotent request is retried).
_NOT_ACTED_STATUSES = frozenset({429, 503})

# Transport errors raised before any byte of the request reached the server.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures on this side that the same request would meet again: an illegal header value, a
# redirect to file:// or another scheme httpx does not speak.
_DETERMINISTIC = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


def should_retry_status(status_code: int, *, idempotent: bool, retry_non_idempotent: bool) -> bool:
    """Whether an answer with this status is worth sending the request again.

    Only 408, 429 and 500-599: a status outside what HTTP defines (600, 999) says nothing about
    whether trying again helps.
    """
    if not (status_code in _RETRIED_STATUSES or 500 <= status_code <= 599):
        return False
    return idempotent or retry_non_idempotent or status_code in _NOT_ACTED_STATUSES


def should_retry_error(
    error: httpx.TransportError, *, idempotent: bool, retry_non_idempotent: bool
) -> bool:
    """Whether a transport failure is worth sending the request again.

    A read timeout or a dropped connection may come after the server acted, so a request that
    is not idempotent (creating a batch job) is re-sent only when it provably never left.
    A failure of this side's own making is never retried.
    """
    if isinstance(error, _DETERMINISTIC):
        return False
    return idempotent or retry_non_idempotent or isinstance(error, _NEVER_SENT)


def retry_after(headers: httpx.Headers) -> float | None:
    """The wait the server asked for, from retry-after-ms or Retry-After (seconds or HTTP date).

    A value that is not a finite number or a date (nan, inf) is ignored: backoff applies.
    """
    milliseconds = _finite(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return max(milliseconds / 1000.0, 0.0)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        # asctime dates and "-0000" carry no zone; HTTP dates are always GMT (RFC 9110 5.6.7).
        moment = moment.replace(tzinfo=datetime.UTC)
    return max(moment.timestamp() - time.time(), 0.0)


def _finite(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def retry_delay(attempt: int, headers: httpx.Headers | None) -> float:
    """Seconds to wait before retry number `attempt` (1-based).

    The server's Retry-After wins when given (0 means now), up to MAX_RETRY_AFTER; otherwise
    exponential backoff with jitter, so that many clients do not retry in step.
    """
    asked = retry_after(headers) if headers is not None else None
    if asked is not None:
        return min(asked, MAX_RETRY_AFTER)
    backoff = min(INITIAL_RETRY_DELAY * 2.0 ** (attempt - 1), MAX_RETRY_DELAY)
    return backoff * (1.0 - 0.25 * random.random())  # noqa: S311 - jitter, not cryptography


def is_transient_error(error: LlamaCloudError) -> bool:
    """Whether a call's final error says nothing about the job it asked after, so polling again
    later may succeed: a connection failure, or a status this module retries (408, 429, 5xx)."""
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and should_retry_status(
        error.status_code, idempotent=True, retry_non_idempotent=False
    )


def asked_wait(error: LlamaCloudError) -> float:
    """The wait a failed call's answer asked for (Retry-After, capped as for retries), else 0."""
    if isinstance(error, APIStatusError):
        asked = retry_after(error.headers)
        if asked is not None:
            return min(asked, MAX_RETRY_AFTER)
    return 0.0
