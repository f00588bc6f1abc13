# Copied by generator/generate.py from overrides/llama_cloud_batch/_pagination.py. Edit it there.
"""Pages of a listing, and walking all of them.

The API pages by `limit` and `offset`: the next page starts at `offset + len(items)`, and the
listing ends when that reaches the latest `total_size` (or, without one, on a short or empty
page). Walking a listing never loops, never ends short in silence, and yields an entry once
even when newer entries push it onto the next page while the walk runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Hashable,
    Iterator,
)
from typing import Any, Generic, Protocol, TypeVar

from ._exceptions import PaginationError

T = TypeVar("T")


class _ListPage(Protocol[T]):
    """What a generated page model offers (BatchJobPage, BatchJobItemPage)."""

    @property
    def items(self) -> list[T]: ...
    @property
    def total_size(self) -> object: ...
    @property
    def next_page_token(self) -> object: ...


class _PageBase(Generic[T]):
    """The page arithmetic shared by sync and async pages."""

    def __init__(
        self,
        model: _ListPage[T],
        *,
        offset: int,
        limit: int | None,
        key: Callable[[T], Hashable],
    ) -> None:
        self.items: list[T] = model.items
        total = model.total_size
        self.total_size: int | None = total if isinstance(total, int) else None
        token = model.next_page_token
        self.next_page_token: str | None = token if isinstance(token, str) else None
        self.model = model
        self._offset = offset
        self._limit = limit
        self._key = key

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(offset={self._offset}, items={len(self.items)}, "
            f"total_size={self.total_size})"
        )

    def __len__(self) -> int:
        return len(self.items)

    @property
    def next_offset(self) -> int:
        """Where the next page starts."""
        return self._offset + len(self.items)

    def has_next_page(self) -> bool:
        """Whether the listing goes on after this page."""
        if self.total_size is not None:
            return self.next_offset < self.total_size
        if not self.items:
            return False
        return self._limit is None or len(self.items) >= self._limit

    def _no_next_page(self) -> PaginationError:
        return PaginationError(
            f"there is no page after offset {self._offset} (total_size={self.total_size})"
        )

    def _ended_early(self, yielded: int) -> PaginationError:
        return PaginationError(
            f"the listing ended early: the server said there are {self.total_size} items but "
            f"returned an empty page twice at offset {self._offset}; {yielded} of "
            f"{self.total_size} items were yielded"
        )


def _unseen(items: list[T], key: Callable[[T], Hashable], seen: set[Hashable]) -> Iterator[T]:
    for item in items:
        identity = key(item)
        if identity not in seen:
            seen.add(identity)
            yield item


class SyncPage(_PageBase[T]):
    """One page of a listing. Iterating it yields every item of this page and all later ones."""

    def __init__(
        self,
        model: _ListPage[T],
        *,
        offset: int,
        limit: int | None,
        key: Callable[[T], Hashable],
        fetch: Callable[[int], SyncPage[T]],
    ) -> None:
        super().__init__(model, offset=offset, limit=limit, key=key)
        self._fetch = fetch

    def get_next_page(self) -> SyncPage[T]:
        """Fetches the page after this one; PaginationError when there is none."""
        if not self.has_next_page():
            raise self._no_next_page()
        return self._fetch(self.next_offset)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page and every later one, in order."""
        return self._walk(None)

    def __iter__(self) -> Iterator[T]:
        seen: set[Hashable] = set()
        for page in self._walk(seen):
            yield from _unseen(page.items, self._key, seen)

    def _walk(self, seen: set[Hashable] | None) -> Iterator[SyncPage[T]]:
        page: SyncPage[T] = self
        yield page
        empty_in_a_row = 0
        while page.has_next_page():
            following = page._fetch(page.next_offset)
            if not following.items and following.has_next_page():
                # Asked once more before giving up: an empty page may be a passing glitch.
                empty_in_a_row += 1
                if empty_in_a_row == 2:
                    raise following._ended_early(
                        len(seen) if seen is not None else page.next_offset
                    )
                page = following
                continue
            empty_in_a_row = 0
            page = following
            yield page


class AsyncPage(_PageBase[T]):
    """One page of a listing. `async for` over it yields every item of this page and all later ones.

    Once `total_size` is known, later pages are fetched `concurrency` at a time and still
    yielded in server order.
    """

    def __init__(
        self,
        model: _ListPage[T],
        *,
        offset: int,
        limit: int | None,
        key: Callable[[T], Hashable],
        fetch: Callable[[int], Awaitable[AsyncPage[T]]],
        concurrency: int,
    ) -> None:
        super().__init__(model, offset=offset, limit=limit, key=key)
        self._fetch = fetch
        self._concurrency = concurrency

    async def get_next_page(self) -> AsyncPage[T]:
        """Fetches the page after this one; PaginationError when there is none."""
        if not self.has_next_page():
            raise self._no_next_page()
        return await self._fetch(self.next_offset)

    def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """This page and every later one, in order."""
        return self._walk(None)

    async def __aiter__(self) -> AsyncIterator[T]:
        seen: set[Hashable] = set()
        async for page in self._walk(seen):
            for item in _unseen(page.items, self._key, seen):
                yield item

    async def _walk(self, seen: set[Hashable] | None) -> AsyncIterator[AsyncPage[T]]:
        page: AsyncPage[T] = self
        yield page
        empty_in_a_row = 0
        while page.has_next_page():
            if empty_in_a_row == 0 and self._can_prefetch(page):
                run = self._prefetch_run(page)
                try:
                    async for fetched in run:
                        page = fetched
                        if not fetched.items and fetched.has_next_page():
                            empty_in_a_row = 1
                            break
                        yield page
                finally:
                    await run.aclose()
                continue
            following = await page._fetch(page.next_offset)
            if not following.items and following.has_next_page():
                # Asked once more before giving up: an empty page may be a passing glitch.
                empty_in_a_row += 1
                if empty_in_a_row == 2:
                    raise following._ended_early(
                        len(seen) if seen is not None else page.next_offset
                    )
                page = following
                continue
            empty_in_a_row = 0
            page = following
            yield page

    def _can_prefetch(self, page: AsyncPage[T]) -> bool:
        return (
            self._concurrency > 1
            and page.total_size is not None
            and page._limit is not None
            and len(page.items) == page._limit
        )

    async def _prefetch_run(self, page: AsyncPage[T]) -> AsyncGenerator[AsyncPage[T]]:
        """Fetches the pages the latest total_size promises, a window at a time, in order.

        The run stops at the first page that is not full (a gap, an early end, or the last
        page); the caller goes on from there one page at a time.
        """
        import asyncio  # on first use: see _base_client._async_sleep

        limit, total = page._limit, page.total_size
        assert limit is not None
        assert total is not None
        offsets = iter(range(page.next_offset, total, limit))
        window: deque[asyncio.Future[AsyncPage[T]]] = deque()

        def refill() -> None:
            while len(window) < self._concurrency:
                offset = next(offsets, None)
                if offset is None:
                    return
                window.append(asyncio.ensure_future(page._fetch(offset)))

        refill()
        try:
            while window:
                fetched = await window.popleft()
                yield fetched
                if len(fetched.items) < limit:
                    return
                refill()
        finally:
            for pending in window:
                pending.cancel()
            if window:
                await asyncio.gather(*window, return_exceptions=True)


class AsyncPager(Generic[T]):
    """What an async list() returns: await it for the first page, or `async for` over all items."""

    def __init__(self, first_page: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first_page = first_page

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first_page()
        async for item in page:
            yield item
