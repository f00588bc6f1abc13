"""LlamaCloud and AsyncLlamaCloud: the clients users construct."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Literal, Self, TypeVar

import httpx
from _llama_cloud_batch_generated.resources import AsyncClient, Client

from ._base_client import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, Timeout
from ._config import check_count, layered_headers, secret_bytes

DEFAULT_PAGE_CONCURRENCY = 8


class _Keep(enum.Enum):
    """`timeout=` not given to copy(): None is a value there (no timeout)."""

    KEEP = "KEEP"


KEEP: Literal[_Keep.KEEP] = _Keep.KEEP


C = TypeVar("C", bound="LlamaCloud | AsyncLlamaCloud")


def _webhook_secret(secret: str | None) -> str | None:
    """The client's webhook_secret, checked now (a str, not empty, encodable), kept as given."""
    if secret is not None:
        secret_bytes(secret, "webhook_secret", ValueError)
    return secret


def _copy(
    client: C,
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: Timeout | _Keep,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
    default_query: Mapping[str, object] | None,
    retry_non_idempotent: bool | None,
    page_concurrency: int | None,
    webhook_secret: str | None,
) -> C:
    """A client of the same class on the same connection pool: what was given, else what
    `client` has; headers and query parameters are merged."""
    copied = type(client)(
        http_client=client._http,  # type: ignore[arg-type]  # the pool of the same class
        api_key=client._api_key if api_key is None else api_key,
        base_url=client.base_url if base_url is None else base_url,
        timeout=client.timeout if timeout is KEEP else timeout,
        max_retries=client.max_retries if max_retries is None else max_retries,
        default_headers=layered_headers(client.default_headers, default_headers or {}),
        default_query={**client.default_query, **(default_query or {})},
        allow_insecure_http=client._allow_insecure_http,
        retry_non_idempotent=(
            client.retry_non_idempotent if retry_non_idempotent is None else retry_non_idempotent
        ),
        page_concurrency=client.page_concurrency if page_concurrency is None else page_concurrency,
        webhook_secret=client._webhook_secret if webhook_secret is None else webhook_secret,
    )
    copied.max_response_bytes = client.max_response_bytes
    return copied


class LlamaCloud(Client):
    """A client for the LlamaCloud API. Close it, or use it as a context manager.

    api_key: defaults to LLAMA_CLOUD_API_KEY, then LLAMA_PARSE_API_KEY. base_url: defaults to
    LLAMA_CLOUD_BASE_URL, else https://api.cloud.llamaindex.ai. default_headers go over those of
    LLAMA_CLOUD_CUSTOM_HEADERS (one `Name: value` per line), a call's extra_headers over both,
    by name whatever its case; the key's Authorization goes over the first two, so only
    extra_headers can replace it. http:// is refused for hosts other than this machine unless
    allow_insecure_http=True. max_retries applies to connection errors, 408, 429 and 5xx.
    default_query goes with every call (say project_id), under the call's own arguments and its
    extra_query.
    page_concurrency: how many pages of a listing may be fetched at once when iterating, on a
    small thread pool, while answers are slower than working through them (1: one at a time).
    webhook_secret: the signing secret client.webhooks checks deliveries with when a call passes
    none (before LLAMA_CLOUD_WEBHOOK_SECRET); like the key, never shown.

    Examples:
        >>> from llama_cloud_batch import LlamaCloud
        >>> client = LlamaCloud()  # the key from LLAMA_CLOUD_API_KEY
        >>> batch = client.batches.create(
        ...     source_directory_id="dir-reports",
        ...     config={"job": {"type": "parse_v2", "configuration_id": "cfg-default"}},
        ... )
        >>> print(batch.status)
        PENDING
        >>> patient = client.with_options(timeout=300, max_retries=5)  # same connections
        >>> patient.batches.get(batch.id).id == batch.id
        True
        >>> client.close()  # or: with LlamaCloud() as client: ...
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        retry_non_idempotent: bool = False,
        page_concurrency: int = DEFAULT_PAGE_CONCURRENCY,
        webhook_secret: str | None = None,
    ) -> None:
        self.page_concurrency = check_count("page_concurrency", page_concurrency)
        self._webhook_secret = _webhook_secret(webhook_secret)
        super().__init__(
            http_client=http_client,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            allow_insecure_http=allow_insecure_http,
            retry_non_idempotent=retry_non_idempotent,
        )

    def copy(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | _Keep = KEEP,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        retry_non_idempotent: bool | None = None,
        page_concurrency: int | None = None,
        webhook_secret: str | None = None,
    ) -> Self:
        """A client with these settings changed that shares this one's connection pool.

        default_headers and default_query are merged over this client's. Closing the copy
        leaves the pool open;
        closing this client closes it for both.
        """
        return _copy(
            self,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            retry_non_idempotent=retry_non_idempotent,
            page_concurrency=page_concurrency,
            webhook_secret=webhook_secret,
        )

    with_options = copy


class AsyncLlamaCloud(AsyncClient):
    """The asyncio client; as LlamaCloud (page_concurrency: pages fetched at once as tasks).

    Examples:
        >>> import asyncio
        >>> from llama_cloud_batch import AsyncLlamaCloud
        >>> async def main() -> None:
        ...     async with AsyncLlamaCloud() as client:
        ...         batch = await client.batches.create(
        ...             source_directory_id="dir-reports",
        ...             config={"job": {"type": "parse_v2", "configuration_id": "cfg-default"}},
        ...         )
        ...         done = await client.batches.wait_for_completion(batch.id, poll_interval=0.1)
        ...         print(done.status)
        >>> asyncio.run(main())
        COMPLETED
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        retry_non_idempotent: bool = False,
        page_concurrency: int = DEFAULT_PAGE_CONCURRENCY,
        webhook_secret: str | None = None,
    ) -> None:
        self.page_concurrency = check_count("page_concurrency", page_concurrency)
        self._webhook_secret = _webhook_secret(webhook_secret)
        super().__init__(
            http_client=http_client,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            allow_insecure_http=allow_insecure_http,
            retry_non_idempotent=retry_non_idempotent,
        )

    def copy(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout | _Keep = KEEP,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        retry_non_idempotent: bool | None = None,
        page_concurrency: int | None = None,
        webhook_secret: str | None = None,
    ) -> Self:
        """As LlamaCloud.copy (the copy shares this client's connection pool)."""
        return _copy(
            self,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            default_query=default_query,
            retry_non_idempotent=retry_non_idempotent,
            page_concurrency=page_concurrency,
            webhook_secret=webhook_secret,
        )

    with_options = copy
