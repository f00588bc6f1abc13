"""Turning a list operation into pages that know how to fetch the next one."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .._pagination import AsyncCursorPage, AsyncPage, SyncCursorPage, SyncPage

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, RequestOptions, SyncAPIClient
    from .._pagination import _ListPage
    from .._requests import RequestSpec

T = TypeVar("T")
P = TypeVar("P", bound=Mapping[str, Any])


def _start(params: Mapping[str, Any]) -> int:
    """The first page's offset, once limit and offset are checked: a caller's mistake is
    refused here, before any request, not by the server or halfway through a walk."""
    for name, least in (("limit", 1), ("offset", 0)):
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < least:
            raise ValueError(f"{name} must be {least} or more, got {value}")
    offset: int = params.get("offset") or 0
    return offset


def _at(params: P, offset: int) -> P:
    # The first page goes out as the caller asked; later ones carry their offset.
    if offset == 0 and params.get("offset") is None:
        return params
    return cast("P", {**params, "offset": offset})


def first_sync_page(
    client: SyncAPIClient,
    build: Callable[[P], RequestSpec],
    parse: Callable[[Any], _ListPage[T]],
    params: P,
    options: RequestOptions,
    key: Callable[[T], Hashable],
) -> SyncPage[T]:
    start = _start(params)
    # The clients set page_concurrency; a bare API client walks one page at a time.
    concurrency: int = getattr(client, "page_concurrency", 1)

    def fetch(offset: int) -> SyncPage[T]:
        model = client.request(build(_at(params, offset)), parse, options)
        return SyncPage(model, offset=offset, key=key, fetch=fetch, concurrency=concurrency)

    return fetch(start)


async def first_async_page(
    client: AsyncAPIClient,
    build: Callable[[P], RequestSpec],
    parse: Callable[[Any], _ListPage[T]],
    params: P,
    options: RequestOptions,
    key: Callable[[T], Hashable],
) -> AsyncPage[T]:
    start = _start(params)
    concurrency: int = getattr(client, "page_concurrency", 1)

    async def fetch(offset: int) -> AsyncPage[T]:
        model = await client.request(build(_at(params, offset)), parse, options)
        return AsyncPage(model, offset=offset, key=key, fetch=fetch, concurrency=concurrency)

    return await fetch(start)


def first_sync_cursor_page(
    client: SyncAPIClient,
    build: Callable[[P], RequestSpec],
    parse: Callable[[Any], Any],
    params: P,
    options: RequestOptions,
    key: Callable[[T], Hashable],
    token_param: str,
    next_token_of: Callable[[Any], object],
) -> SyncCursorPage[T]:
    def fetch(token: str | None) -> SyncCursorPage[T]:
        asked = params if token is None else cast("P", {**params, token_param: token})
        model = client.request(build(asked), parse, options)
        return SyncCursorPage(model, token=token, key=key, next_token_of=next_token_of, fetch=fetch)

    # The first page goes out as the caller asked (with their page token, if any).
    given = params.get(token_param)
    return fetch(given if isinstance(given, str) else None)


async def first_async_cursor_page(
    client: AsyncAPIClient,
    build: Callable[[P], RequestSpec],
    parse: Callable[[Any], Any],
    params: P,
    options: RequestOptions,
    key: Callable[[T], Hashable],
    token_param: str,
    next_token_of: Callable[[Any], object],
) -> AsyncCursorPage[T]:
    async def fetch(token: str | None) -> AsyncCursorPage[T]:
        asked = params if token is None else cast("P", {**params, token_param: token})
        model = await client.request(build(asked), parse, options)
        return AsyncCursorPage(
            model, token=token, key=key, next_token_of=next_token_of, fetch=fetch
        )

    given = params.get(token_param)
    return await fetch(given if isinstance(given, str) else None)
