"""client.batches: what no spec says about batches, beside the generated methods.

The class users get, `_llama_cloud_batch_generated/resources/batches.py`'s Batches, has the
methods generator/resources.yaml places there (list, create, get, cancel) and inherits the mixins
below (the map's `custom: batches`): waiting for one batch or many, and a batch's per-file
results. A batch's outcome per file is the job it maps the file to (`job_reference`); the batch
itself succeeds once every file is mapped.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

import llama_cloud_batch

from .. import types
from .._base_client import DEFAULT_POLL_CONCURRENCY, Timeout
from .._deprecation import NOT_GIVEN

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.resources.batches import AsyncBatches, Batches

    from .wait_results import BatchWaitResult


def _status(batch: types.Batch) -> Any:
    return batch.status


def _results(batch: types.Batch) -> builtins.list[types.BatchResult]:
    """A batch's per-file results (asked for with expand=results): none for a final batch the API
    lists none for (a FAILED batch may have mapped no file); ValueError while it is not final,
    as the API lists them only at the end."""
    if batch.results is not None:
        return batch.results
    if batch.status.is_final:
        return []
    raise ValueError(
        f"batch {batch.id} is {batch.status}, not final: its per-file results are listed once "
        "it ends (wait_for_completion first)"
    )


class BatchesMixin:
    """Batches (v2): one parse or extract job for every file of a directory.

    `list`, `create`, `get` and `cancel` are the API's operations; waiting for one batch or
    many, and a final batch's per-file results, are added here. In the examples, `client` is a
    `LlamaCloud()`.

    Examples:
        >>> batch = client.batches.create(
        ...     source_directory_id="dir-reports",
        ...     config={"job": {"type": "parse_v2", "configuration_id": "cfg-default"}},
        ... )
        >>> client.batches.get(batch.id).source_directory_id
        'dir-reports'
        >>> for batch in client.batches.list(status="COMPLETED"):  # every page, by cursor
        ...     print(batch.status)
        ...     break
        COMPLETED
        >>> big = client.batches.create(
        ...     source_directory_id="dir-archive",
        ...     config={"job": {"type": "extract_v2", "configuration_id": "cfg-invoices"}},
        ... )
        >>> _ = client.batches.cancel(big.id)  # the batch stops at the server's next step
        >>> print(client.batches.wait_for_completion(big.id, poll_interval=0.1).status)
        CANCELLED
    """

    def wait_for_completion(
        self,
        batch_id: str,
        *,
        expand: builtins.list[str] | None = None,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[types.Batch], None] | None = None,
        request_timeout: Timeout = None,
    ) -> types.Batch:
        """Polls get until the batch's status is final (completed, failed, cancelled; the spec
        says which: THROTTLED, say, is not).

        The interval grows from poll_interval to max_poll_interval. `max_wait` is the deadline
        of the whole wait, in seconds (None: for ever): WaitTimeoutError once it passes.
        `request_timeout` bounds each poll (it is cut to the time left). `on_update(batch)` is
        called after every poll; `expand=["results"]` asks every poll for the per-file results.

        Examples:
            >>> batch = client.batches.create(
            ...     source_directory_id="dir-reports",
            ...     config={"job": {"type": "parse_v2", "configuration_id": "cfg-default"}},
            ... )
            >>> done = client.batches.wait_for_completion(
            ...     batch.id, poll_interval=0.1, expand=["results"], max_wait=600
            ... )
            >>> print(done.status, len(done.results))
            COMPLETED 3
        """
        # Loaded here: a first list() call does not pay for waiting.
        from .._waiting import deadline_argument, wait_sync, waiting_for_one

        one = waiting_for_one(
            "batch",
            batch_id,
            _status,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(max_wait, NOT_GIVEN, "wait_for_completion"),
            on_update=on_update,
        )
        batches = cast("Batches", self)  # the generated class this mixes into
        return wait_sync(
            lambda left: batches.get(
                batch_id,
                expand=expand,
                organization_id=organization_id,
                project_id=project_id,
                timeout=left,
            ),
            one,
            request_timeout,
        )

    def wait_for_many(
        self,
        batch_ids: Iterable[str],
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[llama_cloud_batch.BatchWaitResult], None] | None = None,
        request_timeout: Timeout = None,
    ) -> builtins.list[llama_cloud_batch.BatchWaitResult]:
        """Follows every batch until each is final or `max_wait` seconds pass.

        Polls politely: one round over the open batches, then a pause growing from
        `poll_interval` to `max_poll_interval`, longer when the server asked for it
        (Retry-After). Returns one BatchWaitResult per batch, in the order given, and raises
        nothing for one batch's trouble: one that vanishes (404) or keeps failing ends with
        `.error`; one still open at the deadline with `.timed_out`. `on_update(result)` is
        called after every poll of a batch; `max_wait=0` looks at each batch once.

        Examples:
            >>> config = {"job": {"type": "parse_v2", "configuration_id": "cfg-default"}}
            >>> ids = [
            ...     client.batches.create(source_directory_id=directory, config=config).id
            ...     for directory in ("dir-reports", "dir-invoices")
            ... ]
            >>> for result in client.batches.wait_for_many(ids, poll_interval=0.1):
            ...     print(result.status, result.succeeded, result.error, result.timed_out)
            COMPLETED True None False
            COMPLETED True None False
        """
        from .._waiting import Follower, deadline_argument, wait_many_sync

        batches = cast("Batches", self)
        follower = Follower(
            "batch",
            batch_ids,
            _status,
            llama_cloud_batch.BatchWaitResult,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(max_wait, NOT_GIVEN, "wait_for_many"),
            on_update=on_update,
        )
        return wait_many_sync(
            follower,
            lambda batch_id, left: batches.get(
                batch_id, organization_id=organization_id, project_id=project_id, timeout=left
            ),
            request_timeout,
        )

    def iter_results(
        self,
        batch_id: str,
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        request_timeout: Timeout = None,
    ) -> Iterator[types.BatchResult]:
        """Every file's result of a final batch: the file, and the job it was mapped to
        (`job_reference`) or why it could not be (`error_message`). The batch is asked for when
        iteration starts; ValueError then while it is not final (its results are not listed
        yet); nothing for a final batch the API lists no results for.

        Examples:
            >>> batch = client.batches.create(
            ...     source_directory_id="dir-reports",
            ...     config={"job": {"type": "parse_v2", "configuration_id": "cfg-default"}},
            ... )
            >>> _ = client.batches.wait_for_completion(batch.id, poll_interval=0.1)
            >>> for result in client.batches.iter_results(batch.id):
            ...     print(result.job_reference.type, result.error_message)
            parse_v2 None
            parse_v2 None
            parse_v2 None
        """
        batches = cast("Batches", self)
        batch = batches.get(
            batch_id,
            expand=["results"],
            organization_id=organization_id,
            project_id=project_id,
            timeout=request_timeout,
        )
        yield from _results(batch)


class AsyncBatchesMixin:
    """Batches (v2), for asyncio: the methods of BatchesMixin, awaited.

    Examples:
        >>> import asyncio
        >>> from llama_cloud_batch import AsyncLlamaCloud
        >>> async def main() -> None:
        ...     async with AsyncLlamaCloud() as client:
        ...         page = await client.batches.list(page_size=2)  # the first page
        ...         print(len(page.items), page.has_next_page())
        ...         every = [batch.id async for batch in client.batches.list(page_size=2)]
        ...         print(len(every) > len(page.items))
        >>> asyncio.run(main())
        2 True
        True
    """

    async def wait_for_completion(
        self,
        batch_id: str,
        *,
        expand: builtins.list[str] | None = None,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[types.Batch], None] | None = None,
        request_timeout: Timeout = None,
    ) -> types.Batch:
        """Polls get until the batch's status is final (see BatchesMixin.wait_for_completion)."""
        from .._waiting import deadline_argument, wait_async, waiting_for_one

        one = waiting_for_one(
            "batch",
            batch_id,
            _status,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(max_wait, NOT_GIVEN, "wait_for_completion"),
            on_update=on_update,
        )
        batches = cast("AsyncBatches", self)
        return await wait_async(
            lambda left: batches.get(
                batch_id,
                expand=expand,
                organization_id=organization_id,
                project_id=project_id,
                timeout=left,
            ),
            one,
            request_timeout,
        )

    async def wait_for_many(
        self,
        batch_ids: Iterable[str],
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 10.0,
        max_wait: float | None = 3600.0,
        on_update: Callable[[llama_cloud_batch.BatchWaitResult], None] | None = None,
        request_timeout: Timeout = None,
        concurrency: int = DEFAULT_POLL_CONCURRENCY,
    ) -> builtins.list[llama_cloud_batch.BatchWaitResult]:
        """As BatchesMixin.wait_for_many; each round polls up to `concurrency` batches at once."""
        from .._waiting import Follower, deadline_argument, wait_many_async

        batches = cast("AsyncBatches", self)
        follower = Follower(
            "batch",
            batch_ids,
            _status,
            llama_cloud_batch.BatchWaitResult,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            max_wait=deadline_argument(max_wait, NOT_GIVEN, "wait_for_many"),
            on_update=on_update,
        )
        return await wait_many_async(
            follower,
            lambda batch_id, left: batches.get(
                batch_id, organization_id=organization_id, project_id=project_id, timeout=left
            ),
            request_timeout,
            concurrency,
        )

    async def iter_results(
        self,
        batch_id: str,
        *,
        organization_id: str | None = None,
        project_id: str | None = None,
        request_timeout: Timeout = None,
    ) -> AsyncIterator[types.BatchResult]:
        """As BatchesMixin.iter_results, for `async for`."""
        batches = cast("AsyncBatches", self)
        batch = await batches.get(
            batch_id,
            expand=["results"],
            organization_id=organization_id,
            project_id=project_id,
            timeout=request_timeout,
        )
        for result in _results(batch):
            yield result


__all__ = ["AsyncBatchesMixin", "BatchWaitResult", "BatchesMixin"]


def __getattr__(name: str) -> Any:
    # BatchWaitResult, exported here since 2.0.0: it lives in wait_results, loaded with the first
    # wait (through the package's lazy names, as in the annotations), not with this module.
    if name == "BatchWaitResult":
        return llama_cloud_batch.BatchWaitResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
