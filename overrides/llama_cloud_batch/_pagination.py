"""Pages of a listing, and walking all of them.

A listing pages by `limit` and `offset` (SyncPage, AsyncPage) or by a cursor, a token each page
names for the next one (SyncCursorPage, AsyncCursorPage). Iterating a page yields every item of
the listing once, and never loops or ends short in silence.

Offset listings, by these rules (the README states them for users):

- Overlap: each later page is asked for from the previous page's last entry, so its first
  entry must be one already seen. When it is not (or the page is empty), entries ahead of the
  walk were removed, or one was inserted right there: the walk steps back and asks again, and
  raises PaginationError when even that page does not connect.
- Progress: a later page that brings nothing new raises PaginationError (the server ignores
  `offset`, or the listing moved forward by a page or more between two requests), unless it
  is the short last page the latest `total_size` promises.
- End: when `offset + len(items)` reaches the latest `total_size`; without one, at a page with
  nothing after the overlapping entry (a short page may be the server's cap, not the end).
  Nothing past the walk's place while `total_size` promises more is asked for once more, then
  raises.
- Memory: the walk remembers the ids of the last page only, so streaming a listing keeps a
  flat memory footprint however long it is.

A page's checks depend on its contents, not on when it was fetched, so fetching pages ahead
(which the walk does once `total_size` is known and answers are slower than working through
them) keeps every guarantee of a sequential walk: a fetched-ahead page is used only when it
is the page the sequential walk asks for next, and is checked the same way.

Cursor listings (_CursorWalk): a page's entries already yielded by the page before are dropped;
a later page with entries but nothing new raises PaginationError, as does a token the walk was
given before (the listing would loop; the walk keeps every token it followed, a few bytes a
page); the listing ends at a page without a next token (absent, null or empty). Nothing is
fetched ahead: a cursor names the next page only in the answer before it.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Hashable,
    Iterator,
)
from itertools import chain
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ._exceptions import PaginationError

T = TypeVar("T")

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future, ThreadPoolExecutor

    # Only annotations name it: a Protocol class costs import time.
    class _ListPage(Protocol[T]):
        """What a generated page model offers (BatchJobPage, BatchJobItemPage)."""

        @property
        def items(self) -> list[T]: ...
        @property
        def total_size(self) -> object: ...
        @property
        def next_page_token(self) -> object: ...

    T_co = TypeVar("T_co", covariant=True)

    class _AsyncItems(Protocol[T_co]):
        """A first page an AsyncPager hands out: `async for` over it yields every item."""

        def __aiter__(self) -> AsyncIterator[T_co]: ...


class _PageBase(Generic[T]):
    """The page arithmetic shared by sync and async pages."""

    def __init__(self, model: _ListPage[T], *, offset: int, key: Callable[[T], Hashable]) -> None:
        self.items: list[T] = model.items
        total = model.total_size
        self.total_size: int | None = (
            total if isinstance(total, int) and not isinstance(total, bool) else None
        )
        token = model.next_page_token
        self.next_page_token: str | None = token if isinstance(token, str) else None
        self.model = model
        self._offset = offset
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
        """Whether the listing goes on after this page: up to `total_size` when the server
        sends one, else until an empty page (a short page may be the server's cap)."""
        if self.total_size is not None:
            return self.next_offset < self.total_size
        return bool(self.items)

    def _no_next_page(self) -> PaginationError:
        return PaginationError(
            f"there is no page after offset {self._offset} (total_size={self.total_size})"
        )


class _Walk(Generic[T]):
    """The decisions of one walk, the same for sync and async: which offset to ask for next,
    which entries of an answer are new, and when to stop or raise. No I/O."""

    __slots__ = (
        "_connect",
        "_gap",
        "_ids",
        "_key",
        "_last",
        "_overlap",
        "_pages",
        "_retried",
        "_start",
        "_widest",
        "_yielded",
        "next",
    )

    def __init__(self, first: _PageBase[T], *, overlap: bool) -> None:
        self._key = first._key
        self._overlap = overlap
        self._start = first._offset
        self._last = first
        self._ids: set[Hashable] = set()  # the ids of the last accepted page, no more
        self._pages = 0
        self._widest = 0  # the longest page so far: the server's page size, as far as known
        self._yielded = 0
        self._retried = False  # asked once more after an empty page
        self._connect = False  # the asked-for page must start with an entry of the last one
        self._gap: list[int] | None = None  # offsets still to step back to
        self.next: int | None = first._offset  # the offset to ask for next; None when done

    @property
    def remembered(self) -> int:
        """How many ids the walk holds for de-duplication (bounded by one page)."""
        return len(self._ids)

    def accept(self, page: _PageBase[T]) -> list[T]:
        """The entries of `page` (asked for at `self.next`) not yielded before; sets `next`."""
        items = page.items
        key = self._key
        ids = self._ids
        if self._connect and page._offset > self._start and (not items or key(items[0]) not in ids):
            # Unconnected: entries ahead of the walk left the listing (an empty page, too,
            # means it shrank past the walk's place), or one was inserted right there.
            return self._step_back(page)
        keys = list(map(key, items))
        page_ids = set(keys)
        if len(page_ids) == len(keys):
            # Set operations in C for the usual cases (nothing seen again, or only the entry
            # the walk asked for again), rather than a Python-level test of each entry.
            seen = ids.intersection(page_ids)
            if not seen:
                fresh = list(items)
            elif len(seen) == 1 and keys[0] in seen:
                fresh = items[1:]
            else:
                fresh = [item for item, k in zip(items, keys, strict=True) if k not in seen]
        else:  # the server repeated an entry within the page
            fresh, taken = [], set(ids)
            for item, k in zip(items, keys, strict=True):
                if k not in taken:
                    taken.add(k)
                    fresh.append(item)
        if not fresh and (self._pages or not items):
            return self._nothing_new(page)
        self._pages += 1
        self._widest = max(self._widest, len(items))
        self._yielded += len(fresh)
        self._ids = page_ids
        self._last = page
        self._retried = False
        self._gap = None
        self._plan(page)
        return fresh

    def ahead(self) -> Iterator[int]:
        """The offsets the walk would ask for after `next` if every page came back as long as
        the longest so far and the listing stayed put: what is worth fetching ahead."""
        total, size = self._last.total_size, self._widest
        if self.next is None or total is None or self._gap is not None or self._retried:
            return
        step = size - 1 if self._overlap and size >= 2 else size
        offset = self.next
        while step > 0 and offset + size < total:
            offset += step
            yield offset

    def _plan(self, page: _PageBase[T]) -> None:
        size, total = len(page.items), page.total_size
        end = page._offset + size
        if size == 0 or (total is not None and end >= total):
            self.next = None
            return
        self._connect = self._overlap and size >= 2
        self.next = end - 1 if self._connect else end

    def _nothing_new(self, page: _PageBase[T]) -> list[T]:
        size, total = len(page.items), page.total_size
        frontier = self._last._offset + len(self._last.items)
        if self._gap is not None or size <= (1 if self._connect else 0):
            # Nothing past the walk's place: an empty page, only the entry asked for again, or
            # the last page again after a step back. The end, unless total_size promises more.
            if total is not None and frontier < total:
                if self._retried:
                    raise PaginationError(
                        f"the listing ended early: the server said there are {total} items "
                        f"but twice sent none past offset {frontier}; {self._yielded} of "
                        f"{total} items were yielded"
                    )
                # Asked once more before giving up: an empty page may be a passing glitch.
                self._retried = True
                return []
            self.next = None
            return []
        if total is not None and page._offset + size >= total and size < len(self._last.items):
            self.next = None  # the short last page, already seen: the listing moved forward
            return []
        raise PaginationError(
            f"the listing makes no progress: the page at offset {page._offset} holds only "
            f"entries already yielded (the server may ignore `offset`, or the listing moved "
            f"by a page or more between two requests); stopped after {self._yielded} entries "
            f"from offsets {self._start} to {frontier}"
        )

    def _step_back(self, page: _PageBase[T]) -> list[T]:
        """Entries ahead of the walk left the listing: ask again from further back."""
        if self._gap is None:
            last, offset = self._last, page._offset
            self._gap = [last._offset]
            if last.total_size is not None and page.total_size is not None:
                removed = last.total_size - page.total_size
                if 0 < 2 * removed < offset - last._offset:
                    self._gap.insert(0, offset - 2 * removed)
        if not self._gap:
            raise PaginationError(
                f"the listing moved toward its front by a page or more between two requests "
                f"(entries before offset {page._offset} were removed), so entries could be "
                f"skipped; stopped after {self._yielded} entries from offsets {self._start} "
                f"to {self._last._offset + len(self._last.items)}"
            )
        self.next = max(self._start, self._gap.pop(0))
        return []


class SyncPage(_PageBase[T]):
    """One page of a listing. Iterating it yields every item of this page and all later ones.

    Examples:
        A listing of the beta's batch jobs, three in all, two a page:

        >>> page = client.beta.batch.list(limit=2)
        >>> print(len(page.items), page.total_size, page.has_next_page())
        2 3 True
        >>> len(list(page))  # every item of every page
        3
        >>> [len(each.items) for each in page.iter_pages()]
        [2, 1]
    """

    def __init__(
        self,
        model: _ListPage[T],
        *,
        offset: int,
        key: Callable[[T], Hashable],
        fetch: Callable[[int], SyncPage[T]],
        concurrency: int = 1,
    ) -> None:
        super().__init__(model, offset=offset, key=key)
        self._fetch = fetch
        self._concurrency = concurrency

    def get_next_page(self) -> SyncPage[T]:
        """Fetches the page after this one; PaginationError when there is none."""
        if not self.has_next_page():
            raise self._no_next_page()
        return self._fetch(self.next_offset)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        """This page and every later one as the server sends them (not de-duplicated), one
        after the other, with the progress and end rules of iterating items."""
        walk = _Walk(self, overlap=False)
        walk.accept(self)
        yield self
        while walk.next is not None:
            page = self._fetch(walk.next)
            if walk.accept(page):
                yield page

    def __iter__(self) -> Iterator[T]:
        # Items come straight from each page's list (in C), not through a generator frame
        # each; the pages are still fetched one by one as the items run out.
        return chain.from_iterable(self._fresh_items())

    def _fresh_items(self) -> Iterator[list[T]]:
        walk = _Walk(self, overlap=True)
        yield walk.accept(self)
        if walk.next is None:
            return
        fetcher = _SyncFetcher(self._fetch, self._concurrency)
        try:
            while walk.next is not None:
                yield walk.accept(fetcher.get(walk.next, walk.ahead()))
        finally:
            fetcher.close()


class AsyncPage(_PageBase[T]):
    """One page of a listing. `async for` over it yields every item of this page and all later
    ones; later pages are fetched ahead, up to `concurrency` at once, while answers are slower
    than working through them, and still yielded in server order."""

    def __init__(
        self,
        model: _ListPage[T],
        *,
        offset: int,
        key: Callable[[T], Hashable],
        fetch: Callable[[int], Awaitable[AsyncPage[T]]],
        concurrency: int = 1,
    ) -> None:
        super().__init__(model, offset=offset, key=key)
        self._fetch = fetch
        self._concurrency = concurrency

    async def get_next_page(self) -> AsyncPage[T]:
        """Fetches the page after this one; PaginationError when there is none."""
        if not self.has_next_page():
            raise self._no_next_page()
        return await self._fetch(self.next_offset)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        """This page and every later one as the server sends them (see SyncPage.iter_pages)."""
        walk = _Walk(self, overlap=False)
        walk.accept(self)
        yield self
        while walk.next is not None:
            page = await self._fetch(walk.next)
            if walk.accept(page):
                yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        walk = _Walk(self, overlap=True)
        for item in walk.accept(self):
            yield item
        if walk.next is None:
            return
        fetcher = _AsyncFetcher(self._fetch, self._concurrency)
        try:
            while walk.next is not None:
                for item in walk.accept(await fetcher.get(walk.next, walk.ahead())):
                    yield item
        finally:
            await fetcher.close()


def run_queue_wait() -> float | None:
    """Seconds the calling thread has spent runnable but waiting for a CPU, since it started;
    None where the system does not say (Linux does, in /proc/thread-self/schedstat)."""
    try:
        fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        return None
    try:
        # "<ns on a CPU> <ns waiting on a run queue> <timeslices>"
        return int(os.read(fd, 128).split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None
    finally:
        os.close(fd)


def queue_snapshot() -> tuple[float | None, float]:
    """run_queue_wait() and time.perf_counter(), one right after the other: a page that is
    weighed against the run queue ends where the queue was read, so that a wait for a CPU
    during the reading (a system call) is in both the page's wall time and its run-queue wait."""
    return run_queue_wait(), time.perf_counter()


class _Pace:
    """How many pages to fetch ahead of the one the walk waits for.

    None while the process keeps busy: at zero latency, threads or more connections only cost
    CPU. The window widens only on evidence of network latency: two pages in a row where the
    walk waited on the network longer than it worked. Waiting on the network is the wall time
    the process spent neither on a CPU (process time) nor waiting for one: on a crowded machine
    a thread that is ready to run waits its turn, which looks idle to the clocks alone, and
    fetching ahead does not help with that. The system says how long the thread waited for a CPU
    (see queue_snapshot), read only on a page that looked idle; such a page ends where the
    reading was taken, so its wall time and its run-queue wait cover the same span. Where the
    system does not say, idle time counts as network time, and the trial below is the only
    guard.

    A widening is a trial: it stays only if the pages after it come at least a third faster.
    Otherwise the window narrows back, and the next try waits REST pages. The window, and so the
    pages held in flight, is never more than page_concurrency - 1.
    """

    JUDGED = 2  # pages that judge a widening, after the first (which was not fetched ahead)
    REST = 32

    __slots__ = (
        "_before",
        "_cpu",
        "_fallback",
        "_last",
        "_most",
        "_queued_at",
        "_rest",
        "_snapshot",
        "_trial",
        "_wall",
        "window",
    )

    def __init__(
        self,
        concurrency: int,
        wall: float,
        cpu: float,
        snapshot: Callable[[], tuple[float | None, float]] = queue_snapshot,
    ) -> None:
        self._most = concurrency - 1
        self.window = 0
        self._wall = wall
        self._cpu = cpu
        self._snapshot = snapshot
        # The run-queue wait when last read: a page's own is the growth since, so a reading
        # skipped on busy pages only overstates it (which errs towards not widening).
        self._queued_at: float | None = None
        if concurrency > 1:
            self._queued_at, self._wall = snapshot()
        self._last: float | None = None  # wall time of the last page, when it mostly waited
        self._trial: list[float] | None = None  # wall times of the pages since widening
        self._before = 0.0  # wall time per page before widening
        self._fallback = 0  # the window before widening
        self._rest = 0

    def tick(self, wall: float, cpu: float) -> None:
        """Called as each page arrives, with time.perf_counter() and time.process_time():
        weighs the wall time since the last page against the CPU time the process spent."""
        start = self._wall
        took, busy = wall - start, cpu - self._cpu
        self._wall, self._cpu = wall, cpu
        if self._trial is not None:
            self._judge(self._trial, took)
        elif self._rest:
            self._rest -= 1
        elif took - busy <= busy or self.window >= self._most:
            self._last = None
        else:
            queued = self._queued_since()  # moves the page's end to the reading
            took = self._wall - start
            network = took - busy - queued
            if network <= took - network:
                self._last = None
            elif self._last is None:
                self._last = took
            else:
                work = took - network
                wanted = int(network / work) + 1 if work > 0 else self._most
                self._before = (self._last + took) / 2
                self._fallback = self.window
                self.window = min(self._most, max(2 * self.window, wanted))
                self._trial = []
                self._last = None

    def _queued_since(self) -> float:
        """The run-queue wait since the last reading (0 where the system does not say); the
        page ends, and the next one starts, where this reading was taken."""
        before = self._queued_at
        self._queued_at, self._wall = self._snapshot()
        if self._queued_at is None or before is None:
            return 0.0
        return max(0.0, self._queued_at - before)

    def _judge(self, trial: list[float], took: float) -> None:
        trial.append(took)
        if len(trial) <= self.JUDGED:
            return
        self._trial = None
        if sum(trial[1:]) > self.JUDGED * self._before * 2 / 3:
            self.window = self._fallback
            self._rest = self.REST


class _SyncFetcher(Generic[T]):
    """Gets the pages a walk asks for, fetching the ones it will likely ask for next on a small
    thread pool when the pace says so (httpx.Client is thread-safe)."""

    def __init__(self, fetch: Callable[[int], SyncPage[T]], concurrency: int) -> None:
        self._fetch = fetch
        self._pace = _Pace(concurrency, time.perf_counter(), time.process_time())
        self._concurrency = concurrency
        self._ahead: deque[tuple[int, Future[SyncPage[T]]]] = deque()
        self._pool: ThreadPoolExecutor | None = None

    def get(self, offset: int, upcoming: Iterator[int]) -> SyncPage[T]:
        ahead = self._ahead
        future = ahead.popleft()[1] if ahead and ahead[0][0] == offset else None
        if future is None and ahead:
            self._drop()  # the walk went elsewhere (a short page, a step back)
        window = self._pace.window
        if window:
            pool = self._pool or self._start_pool()
            furthest = ahead[-1][0] if ahead else offset
            for later in upcoming:
                if len(ahead) >= window:
                    break
                if later > furthest:
                    ahead.append((later, pool.submit(self._fetch, later)))
        page = self._fetch(offset) if future is None else future.result()
        self._pace.tick(time.perf_counter(), time.process_time())
        return page

    def _start_pool(self) -> ThreadPoolExecutor:
        from concurrent.futures import ThreadPoolExecutor  # on first use: import time

        # The page the walk waits for is fetched on the calling thread; the pool fetches ahead.
        self._pool = ThreadPoolExecutor(self._concurrency - 1, "llama-cloud-batch-page")
        return self._pool

    def _drop(self) -> None:
        for _, future in self._ahead:
            future.cancel()
        self._ahead.clear()

    def close(self) -> None:
        """Cancels what is still queued. Requests already sent finish on their own (within
        the request timeout) rather than hold up a caller who stopped iterating."""
        self._drop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class _AsyncFetcher(Generic[T]):
    """Gets the pages a walk asks for, fetching the ones it will likely ask for next as tasks
    when the pace says so."""

    def __init__(self, fetch: Callable[[int], Awaitable[AsyncPage[T]]], concurrency: int) -> None:
        self._fetch = fetch
        self._pace = _Pace(concurrency, time.perf_counter(), time.process_time())
        self._ahead: deque[tuple[int, asyncio.Future[AsyncPage[T]]]] = deque()
        self._dropped: set[asyncio.Future[AsyncPage[T]]] = set()

    async def get(self, offset: int, upcoming: Iterator[int]) -> AsyncPage[T]:
        ahead = self._ahead
        task = ahead.popleft()[1] if ahead and ahead[0][0] == offset else None
        if task is None and ahead:
            self._drop()
        window = self._pace.window
        if window:
            import asyncio  # on first use: see _base_client._async_sleep

            furthest = ahead[-1][0] if ahead else offset
            for later in upcoming:
                if len(ahead) >= window:
                    break
                if later > furthest:
                    ahead.append((later, asyncio.ensure_future(self._fetch(later))))
        page = await (self._fetch(offset) if task is None else task)
        self._pace.tick(time.perf_counter(), time.process_time())
        return page

    def _drop(self) -> None:
        for _, task in self._ahead:
            task.cancel()
            self._dropped.add(task)
            task.add_done_callback(self._settled)
        self._ahead.clear()

    def _settled(self, task: asyncio.Future[AsyncPage[T]]) -> None:
        self._dropped.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an unused page's error is not the walk's

    async def close(self) -> None:
        """Cancels the pages fetched ahead and waits for them to wind down."""
        self._drop()
        if self._dropped:
            import asyncio

            await asyncio.gather(*self._dropped, return_exceptions=True)


class _CursorPageBase(Generic[T]):
    """A page of a cursor listing: its items, and the token of the next page (None at the end)."""

    def __init__(
        self,
        model: Any,
        *,
        token: str | None,
        key: Callable[[T], Hashable],
        next_token_of: Callable[[Any], object],
    ) -> None:
        self.items: list[T] = model.items
        token_given = next_token_of(model)
        self.next_page_token: str | None = (
            token_given if isinstance(token_given, str) and token_given else None
        )
        self.model = model
        self._token = token
        self._key = key

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(items={len(self.items)}, "
            f"next_page_token={'yes' if self.next_page_token else 'none'})"
        )

    def __len__(self) -> int:
        return len(self.items)

    def has_next_page(self) -> bool:
        """Whether the server named a page after this one."""
        return self.next_page_token is not None

    def _no_next_page(self) -> PaginationError:
        return PaginationError("there is no page after this one (the server named no next token)")


class _CursorWalk(Generic[T]):
    """The decisions of one cursor walk, the same for sync and async: which entries of a page are
    new, which token to follow next, and when to raise. No I/O."""

    __slots__ = ("_ids", "_key", "_pages", "_tokens", "_yielded", "next")

    def __init__(self, first: _CursorPageBase[T]) -> None:
        self._key = first._key
        self._tokens: set[str] = set() if first._token is None else {first._token}
        self._ids: set[Hashable] = set()  # the ids of the last page, no more
        self._pages = 0
        self._yielded = 0
        self.next: str | None = None  # the token to ask with next; None when done

    def accept(self, page: _CursorPageBase[T]) -> list[T]:
        """The entries of `page` not yielded before; sets `next`."""
        fresh, page_ids = [], set()
        for item in page.items:
            ident = self._key(item)
            if ident not in self._ids and ident not in page_ids:
                fresh.append(item)
            page_ids.add(ident)
        if self._pages and page.items and not fresh:
            raise PaginationError(
                f"the listing makes no progress: a page holds only entries already yielded "
                f"(the server may have ignored the page token); stopped after {self._yielded} "
                f"entries from {self._pages} pages"
            )
        if self._pages and not page.items and page.next_page_token is not None:
            raise PaginationError(
                f"the listing makes no progress: an empty page names a next page; stopped after "
                f"{self._yielded} entries from {self._pages} pages"
            )
        token = page.next_page_token
        if token is not None:
            if token in self._tokens:
                raise PaginationError(
                    f"the server named a page token it gave before: the listing would loop; "
                    f"stopped after {self._yielded} entries from {self._pages + 1} pages"
                )
            self._tokens.add(token)
        self._pages += 1
        self._yielded += len(fresh)
        self._ids = page_ids
        self.next = token
        return fresh


class SyncCursorPage(_CursorPageBase[T]):
    """One page of a cursor listing. Iterating it yields every item of this page and all later
    ones.

    Examples:
        Three batches in all, two a page:

        >>> page = client.batches.list(page_size=2)
        >>> print(len(page.items), page.has_next_page())
        2 True
        >>> len(list(page))  # every item of every page, each once
        3
        >>> later = page.get_next_page()  # or page.iter_pages()
        >>> print(len(later.items), later.has_next_page())
        1 False
    """

    def __init__(
        self,
        model: Any,
        *,
        token: str | None,
        key: Callable[[T], Hashable],
        next_token_of: Callable[[Any], object],
        fetch: Callable[[str], SyncCursorPage[T]],
    ) -> None:
        super().__init__(model, token=token, key=key, next_token_of=next_token_of)
        self._fetch = fetch

    def get_next_page(self) -> SyncCursorPage[T]:
        """Fetches the page after this one; PaginationError when there is none."""
        if self.next_page_token is None:
            raise self._no_next_page()
        return self._fetch(self.next_page_token)

    def iter_pages(self) -> Iterator[SyncCursorPage[T]]:
        """This page and every later one as the server sends them, with the progress and loop
        rules of iterating items."""
        walk = _CursorWalk(self)
        walk.accept(self)
        yield self
        while walk.next is not None:
            page = self._fetch(walk.next)
            walk.accept(page)
            yield page

    def __iter__(self) -> Iterator[T]:
        return chain.from_iterable(self._fresh_items())

    def _fresh_items(self) -> Iterator[list[T]]:
        walk = _CursorWalk(self)
        yield walk.accept(self)
        while walk.next is not None:
            yield walk.accept(self._fetch(walk.next))


class AsyncCursorPage(_CursorPageBase[T]):
    """One page of a cursor listing, for asyncio: `async for` over it yields every item of this
    page and all later ones."""

    def __init__(
        self,
        model: Any,
        *,
        token: str | None,
        key: Callable[[T], Hashable],
        next_token_of: Callable[[Any], object],
        fetch: Callable[[str], Awaitable[AsyncCursorPage[T]]],
    ) -> None:
        super().__init__(model, token=token, key=key, next_token_of=next_token_of)
        self._fetch = fetch

    async def get_next_page(self) -> AsyncCursorPage[T]:
        """Fetches the page after this one; PaginationError when there is none."""
        if self.next_page_token is None:
            raise self._no_next_page()
        return await self._fetch(self.next_page_token)

    async def iter_pages(self) -> AsyncIterator[AsyncCursorPage[T]]:
        """This page and every later one as the server sends them (see SyncCursorPage)."""
        walk = _CursorWalk(self)
        walk.accept(self)
        yield self
        while walk.next is not None:
            page = await self._fetch(walk.next)
            walk.accept(page)
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        walk = _CursorWalk(self)
        for item in walk.accept(self):
            yield item
        while walk.next is not None:
            for item in walk.accept(await self._fetch(walk.next)):
                yield item


P = TypeVar("P", bound="_AsyncItems[Any]")


class AsyncPager(Generic[T, P]):
    """What an async list() returns: await it for the first page, or `async for` over all items.

    Examples:
        >>> import asyncio
        >>> from llama_cloud_batch import AsyncLlamaCloud
        >>> async def main() -> None:
        ...     async with AsyncLlamaCloud() as client:
        ...         first = await client.batches.list(page_size=2)
        ...         every = [batch async for batch in client.batches.list(page_size=2)]
        ...         print(len(first.items), len(every))
        >>> asyncio.run(main())
        2 3
    """

    def __init__(self, first_page: Callable[[], Awaitable[P]]) -> None:
        self._first_page = first_page

    def __await__(self) -> Generator[Any, None, P]:
        return self._first_page().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first_page()
        async for item in page:
            yield item
