"""client.beta.batch.job_items: the files of a batch job and their processing results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import RequestOptions, Timeout
from .._pagination import AsyncPager, SyncPage
from ._listing import first_async_page, first_sync_page

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .._generated.api.batch_job_items.get_item_processing_results import (
        GetItemProcessingResultsParams,
    )
    from .._generated.api.batch_job_items.list_batch_job_items import ListBatchJobItemsParams
    from .._generated.models import BatchJobItem, ItemProcessingResults
    from .._generated.types import RequestSpec


def _item_id(item: BatchJobItem) -> str:
    return item.item_id


class JobItems:
    """The items of batch jobs."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def list(
        self,
        job_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[ListBatchJobItemsParams],
    ) -> SyncPage[BatchJobItem]:
        """Lists a job's items. Iterate the page for every item of every page."""
        from .._generated.api.batch_job_items import list_batch_job_items as op

        def build(page_params: ListBatchJobItemsParams) -> RequestSpec:
            return op.build_request(job_id, page_params)

        options = RequestOptions(timeout, extra_headers, max_retries)
        return first_sync_page(self._client, build, op.parse_response, params, options, _item_id)

    def get_processing_results(
        self,
        item_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[GetItemProcessingResultsParams],
    ) -> ItemProcessingResults:
        """Every processing result recorded for one item."""
        from .._generated.api.batch_job_items import get_item_processing_results as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        return self._client.request(op.build_request(item_id, params), op.parse_response, options)


class AsyncJobItems:
    """The items of batch jobs, for asyncio."""

    def __init__(self, client: AsyncAPIClient, page_concurrency: int) -> None:
        self._client = client
        self._page_concurrency = page_concurrency

    def list(
        self,
        job_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[ListBatchJobItemsParams],
    ) -> AsyncPager[BatchJobItem]:
        """Lists a job's items: `await` it for the first page, `async for` for every item."""
        from .._generated.api.batch_job_items import list_batch_job_items as op

        def build(page_params: ListBatchJobItemsParams) -> RequestSpec:
            return op.build_request(job_id, page_params)

        options = RequestOptions(timeout, extra_headers, max_retries)

        def first() -> Any:
            return first_async_page(
                self._client,
                build,
                op.parse_response,
                params,
                options,
                _item_id,
                self._page_concurrency,
            )

        return AsyncPager(first)

    async def get_processing_results(
        self,
        item_id: str,
        *,
        timeout: Timeout = None,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        **params: Unpack[GetItemProcessingResultsParams],
    ) -> ItemProcessingResults:
        """Every processing result recorded for one item."""
        from .._generated.api.batch_job_items import get_item_processing_results as op

        options = RequestOptions(timeout, extra_headers, max_retries)
        spec = op.build_request(item_id, params)
        return await self._client.request(spec, op.parse_response, options)
