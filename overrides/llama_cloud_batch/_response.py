"""Responses as received: what `with_raw_response` and `with_streaming_response` give.

A raw or streamed call goes through the same retries, error mapping and redaction as a plain
call: an error status still raises its typed error. On success, the response object offers the
status, headers and request id, and `parse()` gives exactly what the plain call returns.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import TYPE_CHECKING, Generic, ParamSpec, TypeVar, cast

import httpx

if TYPE_CHECKING:
    from types import TracebackType

    from ._exceptions import LlamaCloudError

T = TypeVar("T")
P = ParamSpec("P")

REQUEST_ID_HEADER = "x-request-id"


class _ResponseBase:
    def __init__(
        self,
        response: httpx.Response,
        connection_error: Callable[[httpx.RequestError], LlamaCloudError],
    ) -> None:
        self.http_response = response
        self._connection_error = connection_error

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Reading a streamed body fails as the plain call would (a body cut short: an
        APIConnectionError, redacted), not with httpx's own error."""
        try:
            yield
        except httpx.RequestError as error:
            raise self._connection_error(error) from error

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The server's id for this request (the x-request-id header), for support tickets."""
        request_id: str | None = self.http_response.headers.get(REQUEST_ID_HEADER)
        return request_id

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self.http_response.request.method}>"


class APIResponse(_ResponseBase, Generic[T]):
    """A successful response; `parse()` reads the body (once) into what the plain call returns."""

    def __init__(
        self,
        response: httpx.Response,
        parser: Callable[[httpx.Response], T],
        reader: Callable[[httpx.Response], bytes],
        connection_error: Callable[[httpx.RequestError], LlamaCloudError],
    ) -> None:
        super().__init__(response, connection_error)
        self._parser = parser
        self._reader = reader
        self._parsed: tuple[T] | None = None

    def parse(self) -> T:
        if self._parsed is None:
            self.read()
            self._parsed = (self._parser(self.http_response),)
        return self._parsed[0]

    def read(self) -> bytes:
        try:
            return self.http_response.content  # read already (raw mode, or an earlier call)
        except httpx.ResponseNotRead:
            # A streamed body is read under the client's max_response_bytes, as any other is.
            with self._reading():
                return self._reader(self.http_response)

    def text(self) -> str:
        self.read()
        return self.http_response.text

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        with self._reading():
            yield from self.http_response.iter_bytes(chunk_size)

    def close(self) -> None:
        self.http_response.close()


class AsyncAPIResponse(_ResponseBase, Generic[T]):
    """As APIResponse, for asyncio: `await response.parse()`."""

    def __init__(
        self,
        response: httpx.Response,
        parser: Callable[[httpx.Response], Awaitable[T]],
        reader: Callable[[httpx.Response], Awaitable[bytes]],
        connection_error: Callable[[httpx.RequestError], LlamaCloudError],
    ) -> None:
        super().__init__(response, connection_error)
        self._parser = parser
        self._reader = reader
        self._parsed: tuple[T] | None = None

    async def parse(self) -> T:
        if self._parsed is None:
            await self.read()
            self._parsed = (await self._parser(self.http_response),)
        return self._parsed[0]

    async def read(self) -> bytes:
        try:
            return self.http_response.content
        except httpx.ResponseNotRead:
            with self._reading():
                return await self._reader(self.http_response)

    async def text(self) -> str:
        await self.read()
        return self.http_response.text

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        with self._reading():
            async for chunk in self.http_response.aiter_bytes(chunk_size):
                yield chunk

    async def close(self) -> None:
        await self.http_response.aclose()


class _Streamed(AbstractContextManager[APIResponse[T]]):
    """Sends on entry (the body stays unread until asked for); closes the response on exit."""

    def __init__(self, send: Callable[[], APIResponse[T]]) -> None:
        self._send = send
        self._response: APIResponse[T] | None = None

    def __enter__(self) -> APIResponse[T]:
        self._response = self._send()
        return self._response

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._response is not None:
            self._response.close()


class _AsyncStreamed(AbstractAsyncContextManager[AsyncAPIResponse[T]]):
    def __init__(self, send: Callable[[], Awaitable[AsyncAPIResponse[T]]]) -> None:
        self._send = send
        self._response: AsyncAPIResponse[T] | None = None

    async def __aenter__(self) -> AsyncAPIResponse[T]:
        self._response = await self._send()
        return self._response

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


# The wrappers below type a method of a resource in raw or streaming mode (whose calls return
# response objects) with the method's own parameters, so editors and mypy see its signature.


def to_raw_response_wrapper(method: Callable[P, T]) -> Callable[P, APIResponse[T]]:
    return cast("Callable[P, APIResponse[T]]", method)


def async_to_raw_response_wrapper(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[AsyncAPIResponse[T]]]:
    return cast("Callable[P, Awaitable[AsyncAPIResponse[T]]]", method)


def to_streamed_response_wrapper(
    method: Callable[P, T],
) -> Callable[P, AbstractContextManager[APIResponse[T]]]:
    @functools.wraps(method)
    def streamed(*args: P.args, **kwargs: P.kwargs) -> AbstractContextManager[APIResponse[T]]:
        return _Streamed(lambda: cast("APIResponse[T]", method(*args, **kwargs)))

    return streamed


def async_to_streamed_response_wrapper(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, AbstractAsyncContextManager[AsyncAPIResponse[T]]]:
    @functools.wraps(method)
    def streamed(
        *args: P.args, **kwargs: P.kwargs
    ) -> AbstractAsyncContextManager[AsyncAPIResponse[T]]:
        async def send() -> AsyncAPIResponse[T]:
            return cast("AsyncAPIResponse[T]", await method(*args, **kwargs))

        return _AsyncStreamed(send)

    return streamed
