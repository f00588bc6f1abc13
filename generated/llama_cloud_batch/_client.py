# Copied by generator/generate.py from overrides/llama_cloud_batch/_client.py. Edit it there.
"""LlamaCloud and AsyncLlamaCloud: the clients users construct."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import httpx

from ._base_client import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    AsyncAPIClient,
    SyncAPIClient,
    Timeout,
)
from ._pagination import check_page_concurrency
from .resources.beta import AsyncBeta, Beta

DEFAULT_PAGE_CONCURRENCY = 8


class LlamaCloud(SyncAPIClient):
    """A client for the LlamaCloud API. Close it, or use it as a context manager.

    api_key: defaults to LLAMA_CLOUD_API_KEY. base_url: defaults to LLAMA_CLOUD_BASE_URL, else
    https://api.cloud.llamaindex.ai. http:// is refused for hosts other than this machine unless
    allow_insecure_http=True. max_retries applies to connection errors, 408, 429 and 5xx.
    page_concurrency: how many pages of a listing may be fetched at once when iterating, on a
    small thread pool, while answers are slower than working through them (1: one at a time).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        retry_non_idempotent: bool = False,
        page_concurrency: int = DEFAULT_PAGE_CONCURRENCY,
    ) -> None:
        self.page_concurrency = check_page_concurrency(page_concurrency)
        super().__init__(
            http_client=http_client,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            retry_non_idempotent=retry_non_idempotent,
        )

    @cached_property
    def beta(self) -> Beta:
        return Beta(self)


class AsyncLlamaCloud(AsyncAPIClient):
    """The asyncio client; as LlamaCloud (page_concurrency: pages fetched at once as tasks)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        retry_non_idempotent: bool = False,
        page_concurrency: int = DEFAULT_PAGE_CONCURRENCY,
    ) -> None:
        self.page_concurrency = check_page_concurrency(page_concurrency)
        super().__init__(
            http_client=http_client,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            retry_non_idempotent=retry_non_idempotent,
        )

    @cached_property
    def beta(self) -> AsyncBeta:
        return AsyncBeta(self, self.page_concurrency)
