"""client.beta: the API's beta resources."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .batch import AsyncBatch, Batch


class Beta:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    @cached_property
    def batch(self) -> Batch:
        from .batch import Batch

        return Batch(self._client)


class AsyncBeta:
    def __init__(self, client: AsyncAPIClient, page_concurrency: int) -> None:
        self._client = client
        self._page_concurrency = page_concurrency

    @cached_property
    def batch(self) -> AsyncBatch:
        from .batch import AsyncBatch

        return AsyncBatch(self._client, self._page_concurrency)
