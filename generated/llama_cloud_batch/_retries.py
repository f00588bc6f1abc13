# Copied by generator/generate.py from overrides/llama_cloud_batch/_retries.py. Edit it there.
"""When to retry a request and how long to wait first: pure functions shared by sync and async."""

from __future__ import annotations

import email.utils
import random
import time

import httpx

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


def should_retry_status(status_code: int, *, idempotent: bool, retry_non_idempotent: bool) -> bool:
    """Whether an answer with this status is worth sending the request again."""
    if not (status_code in _RETRIED_STATUSES or status_code >= 500):
        return False
    return idempotent or retry_non_idempotent or status_code in _NOT_ACTED_STATUSES


def should_retry_error(
    error: httpx.TransportError, *, idempotent: bool, retry_non_idempotent: bool
) -> bool:
    """Whether a transport failure is worth sending the request again.

    A read timeout or a dropped connection may come after the server acted, so a request that
    is not idempotent (creating a batch job) is re-sent only when it provably never left.
    """
    return idempotent or retry_non_idempotent or isinstance(error, _NEVER_SENT)


def retry_after(headers: httpx.Headers) -> float | None:
    """The wait the server asked for, from retry-after-ms or Retry-After (seconds or HTTP date)."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(float(milliseconds) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


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
