"""What every generated resource class stands on: sending one operation, paging a listing, and
the raw and streaming modes behind `with_raw_response` / `with_streaming_response`.

A resource in raw or streaming mode is the same class with the same methods (so hand-written
checks such as create's run there too); its calls return response objects instead of models,
which the generated `...WithRawResponse` classes type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, cast

from .._base_client import RequestOptions, Timeout
from ._listing import (
    _start,
    first_async_cursor_page,
    first_async_page,
    first_sync_cursor_page,
    first_sync_page,
)

if TYPE_CHECKING:
    import httpx

    from .._base_client import AsyncAPIClient, SyncAPIClient
    from .._pagination import AsyncCursorPage, AsyncPage, AsyncPager, SyncCursorPage, SyncPage
    from .._requests import RequestSpec
    from .._response import APIResponse, AsyncAPIResponse

T = TypeVar("T")
P = TypeVar("P", bound=Mapping[str, Any])
L = TypeVar("L")
SyncR = TypeVar("SyncR", bound="SyncAPIResource")
AsyncR = TypeVar("AsyncR", bound="AsyncAPIResource")

Mode = Literal["raw", "stream"] | None

# What a call without per-call controls uses (frozen, so one instance serves every such call).
_AS_CONFIGURED = RequestOptions()


def request_options(
    timeout: Timeout,
    max_retries: int | None,
    extra_headers: Mapping[str, str] | None,
    extra_query: Mapping[str, object] | None,
    extra_body: Mapping[str, object] | None,
    retry_non_idempotent: bool | None = None,
) -> RequestOptions:
    """The per-call controls every generated method takes."""
    if (
        timeout is None
        and max_retries is None
        and extra_headers is None
        and extra_query is None
        and extra_body is None
        and retry_non_idempotent is None
    ):
        return _AS_CONFIGURED
    if max_retries is not None and max_retries < 0:
        raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
    return RequestOptions(
        timeout=timeout,
        extra_headers=extra_headers,
        max_retries=max_retries,
        retry_non_idempotent=retry_non_idempotent,
        extra_query=extra_query,
        extra_body=extra_body,
    )


class _Replay:
    """Stands in for the client while a raw listing's response becomes its first page: the
    first request is answered by the response already received, later pages by the client."""

    def __init__(self, client: Any, first: httpx.Response) -> None:
        self._client = client
        self._first: httpx.Response | None = first

    def request(self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions) -> Any:
        first, self._first = self._first, None
        if first is None:
            return self._client.request(spec, parse, options)
        return self._client._parse(first, spec, parse)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class SyncAPIResource:
    def __init__(self, client: SyncAPIClient, *, mode: Mode = None) -> None:
        self._client = client
        self._mode = mode

    def _sub(self, cls: type[SyncR]) -> SyncR:
        """A sub-resource, in this resource's mode."""
        return cls(self._client, mode=self._mode)

    def _in_mode(self, mode: Mode) -> Self:
        return type(self)(self._client, mode=mode)

    def _options(self, options: RequestOptions) -> RequestOptions:
        return options._replace(stream=self._mode == "stream")

    def _response(
        self, response: httpx.Response, spec: RequestSpec, parser: Callable[[httpx.Response], T]
    ) -> APIResponse[T]:
        from .._response import APIResponse  # loaded by the raw modes only

        client = self._client
        # A streamed body is read when the caller asks, after the call's deadline has stopped
        # counting (httpx's read timeout still bounds each wait), but under the same size cap.
        return APIResponse(
            response,
            parser,
            lambda received: client._read(received, spec, None),
            lambda error: client._connection_error(error, spec),
        )

    def _request(self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions) -> T:
        if self._mode is None:
            return self._client.request(spec, parse, options)
        client = self._client
        response = client.send(spec, self._options(options))
        return cast("T", self._response(response, spec, lambda r: client._parse(r, spec, parse)))

    def _request_no_body(self, spec: RequestSpec, options: RequestOptions) -> None:
        """An operation whose success has no body: the body is ignored and the call gives None."""
        response = self._client.send(spec, self._options(options))
        if self._mode is None:
            response.close()
            return None
        return cast("None", self._response(response, spec, lambda r: None))

    def _page(
        self,
        build: Callable[[P], RequestSpec],
        parse: Callable[[Any], Any],
        params: P,
        options: RequestOptions,
        key: Callable[[T], Hashable],
    ) -> SyncPage[T]:
        """An offset listing's first page."""
        # Checked before anything is sent: a caller's mistake must be refused before the request
        # goes out, not surface as whatever the server makes of it.
        _start(params)
        return self._listing(
            build,
            params,
            options,
            lambda client: first_sync_page(client, build, parse, params, options, key),
        )

    def _cursor_page(
        self,
        build: Callable[[P], RequestSpec],
        parse: Callable[[Any], Any],
        params: P,
        options: RequestOptions,
        key: Callable[[T], Hashable],
        token: str,
        next_token_of: Callable[[Any], object],
    ) -> SyncCursorPage[T]:
        """A cursor listing's first page (`token` names the query parameter of a page token)."""
        return self._listing(
            build,
            params,
            options,
            lambda client: first_sync_cursor_page(
                client, build, parse, params, options, key, token, next_token_of
            ),
        )

    def _listing(
        self,
        build: Callable[[P], RequestSpec],
        params: P,
        options: RequestOptions,
        first: Callable[[SyncAPIClient], L],
    ) -> L:
        """`first(client)` (the first page), or in raw and streaming modes the response of its
        request, whose parse() makes that page (later pages come from the client as usual)."""
        client = self._client
        if self._mode is None:
            return first(client)
        spec = build(params)
        response = client.send(spec, self._options(options))

        def first_page(received: httpx.Response) -> L:
            return first(cast("SyncAPIClient", _Replay(client, received)))

        return cast("L", self._response(response, spec, first_page))


class AsyncAPIResource:
    def __init__(self, client: AsyncAPIClient, *, mode: Mode = None) -> None:
        self._client = client
        self._mode = mode

    def _sub(self, cls: type[AsyncR]) -> AsyncR:
        return cls(self._client, mode=self._mode)

    def _in_mode(self, mode: Mode) -> Self:
        return type(self)(self._client, mode=mode)

    def _options(self, options: RequestOptions) -> RequestOptions:
        return options._replace(stream=self._mode == "stream")

    def _response(
        self,
        response: httpx.Response,
        spec: RequestSpec,
        parser: Callable[[httpx.Response], Awaitable[T]],
    ) -> AsyncAPIResponse[T]:
        from .._response import AsyncAPIResponse

        client = self._client

        async def read(received: httpx.Response) -> bytes:
            # As in the sync _response: the size cap, not the call's spent deadline.
            return await client._read(received, spec, None)

        return AsyncAPIResponse(
            response, parser, read, lambda error: client._connection_error(error, spec)
        )

    async def _request(
        self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions
    ) -> T:
        if self._mode is None:
            return await self._client.request(spec, parse, options)
        client = self._client
        response = await client.send(spec, self._options(options))

        async def parsed(received: httpx.Response) -> T:
            return client._parse(received, spec, parse)

        return cast("T", self._response(response, spec, parsed))

    async def _request_no_body(self, spec: RequestSpec, options: RequestOptions) -> None:
        response = await self._client.send(spec, self._options(options))
        if self._mode is None:
            await response.aclose()
            return None

        async def nothing(received: httpx.Response) -> None:
            return None

        return cast("None", self._response(response, spec, nothing))

    def _page(
        self,
        build: Callable[[P], RequestSpec],
        parse: Callable[[Any], Any],
        params: P,
        options: RequestOptions,
        key: Callable[[T], Hashable],
    ) -> AsyncPager[T, AsyncPage[T]]:
        """An offset listing: await it for the first page, `async for` for every item."""
        _start(params)  # before sending, as in the sync _page
        return self._listing(
            build,
            params,
            options,
            lambda client: first_async_page(client, build, parse, params, options, key),
        )

    def _cursor_page(
        self,
        build: Callable[[P], RequestSpec],
        parse: Callable[[Any], Any],
        params: P,
        options: RequestOptions,
        key: Callable[[T], Hashable],
        token: str,
        next_token_of: Callable[[Any], object],
    ) -> AsyncPager[T, AsyncCursorPage[T]]:
        """A cursor listing: await it for the first page, `async for` for every item."""
        return self._listing(
            build,
            params,
            options,
            lambda client: first_async_cursor_page(
                client, build, parse, params, options, key, token, next_token_of
            ),
        )

    def _listing(
        self,
        build: Callable[[P], RequestSpec],
        params: P,
        options: RequestOptions,
        first: Callable[[AsyncAPIClient], Awaitable[L]],
    ) -> AsyncPager[Any, Any]:
        from .._pagination import AsyncPager

        client = self._client
        if self._mode is None:
            return AsyncPager(lambda: first(client))
        return cast("AsyncPager[Any, Any]", self._raw_listing(build, params, options, first))

    async def _raw_listing(
        self,
        build: Callable[[P], RequestSpec],
        params: P,
        options: RequestOptions,
        first: Callable[[AsyncAPIClient], Awaitable[L]],
    ) -> AsyncAPIResponse[L]:
        client = self._client
        spec = build(params)
        response = await client.send(spec, self._options(options))

        async def first_page(received: httpx.Response) -> L:
            return await first(cast("AsyncAPIClient", _AsyncReplay(client, received)))

        return self._response(response, spec, first_page)


class _AsyncReplay(_Replay):
    async def request(
        self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions
    ) -> Any:
        first, self._first = self._first, None
        if first is None:
            return await self._client.request(spec, parse, options)
        return self._client._parse(first, spec, parse)
