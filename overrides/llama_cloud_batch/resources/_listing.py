"""Turning a list operation into pages that know how to fetch the next one."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .._pagination import AsyncPage, SyncPage, _ListPage

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, RequestOptions, SyncAPIClient
    from .._generated.types import RequestSpec

T = TypeVar("T")
P = TypeVar("P", bound=Mapping[str, Any])


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
    limit = params.get("limit")

    def fetch(offset: int) -> SyncPage[T]:
        model = client.request(build(_at(params, offset)), parse, options)
        return SyncPage(model, offset=offset, limit=limit, key=key, fetch=fetch)

    return fetch(params.get("offset") or 0)


async def first_async_page(
    client: AsyncAPIClient,
    build: Callable[[P], RequestSpec],
    parse: Callable[[Any], _ListPage[T]],
    params: P,
    options: RequestOptions,
    key: Callable[[T], Hashable],
    concurrency: int,
) -> AsyncPage[T]:
    limit = params.get("limit")

    async def fetch(offset: int) -> AsyncPage[T]:
        model = await client.request(build(_at(params, offset)), parse, options)
        return AsyncPage(
            model, offset=offset, limit=limit, key=key, fetch=fetch, concurrency=concurrency
        )

    return await fetch(params.get("offset") or 0)
