"""The HTTP mechanics, written once: configuration, request building, retries, error mapping,
response parsing and logging. Sync and async differ only in how they send and sleep.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, Self, TypeVar

import httpx

from ._environment import headers_from_environment
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    InsecureConnectionError,
    MissingAPIKeyError,
    status_error_class,
)
from ._logging import configure_from_environment, logger
from ._retries import retry_delay, should_retry_error, should_retry_status
from ._version import __version__

if TYPE_CHECKING:
    from types import TracebackType

    from ._generated.types import RequestSpec

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.cloud.llamaindex.ai"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
_ERROR_BODY_PREVIEW = 500

Timeout = float | httpx.Timeout | None


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Per-call settings; None means "as the client is configured"."""

    timeout: Timeout = None
    extra_headers: Mapping[str, str] | None = None
    max_retries: int | None = None
    retry_non_idempotent: bool | None = None
    # Reach parameters the spec has not caught up with: merged over what the call builds.
    extra_query: Mapping[str, object] | None = None
    extra_body: Mapping[str, object] | None = None
    # Leave the success body unread (with_streaming_response); error bodies are always read.
    stream: bool = False


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BaseClient:
    """Configuration and the parts of a call that do no I/O."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        allow_insecure_http: bool,
        retry_non_idempotent: bool,
    ) -> None:
        configure_from_environment()
        if api_key is None:
            api_key = os.environ.get("LLAMA_CLOUD_API_KEY") or os.environ.get("LLAMA_PARSE_API_KEY")
        if not api_key:
            raise MissingAPIKeyError(
                "no API key: pass api_key=... to the client or set the LLAMA_CLOUD_API_KEY (or "
                "LLAMA_PARSE_API_KEY) environment variable"
            )
        url = httpx.URL(str(base_url or os.environ.get("LLAMA_CLOUD_BASE_URL") or DEFAULT_BASE_URL))
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url must be an http(s) URL with a host, got {str(url)!r}")
        if url.scheme == "http" and not _is_loopback(url.host) and not allow_insecure_http:
            raise InsecureConnectionError(
                f"refusing to send the API key in clear text to {url.host} over http://; use "
                "https:// or pass allow_insecure_http=True"
            )
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        self._api_key = api_key
        self.base_url = str(url).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_non_idempotent = retry_non_idempotent
        self.default_headers = {**headers_from_environment(), **(default_headers or {})}
        self._headers = {
            "Accept": "application/json",
            "User-Agent": f"llama-cloud-batch/{__version__} httpx/{httpx.__version__}",
            **self.default_headers,
            "Authorization": f"Bearer {api_key}",
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _build_request(
        self, http: httpx.Client | httpx.AsyncClient, spec: RequestSpec, options: RequestOptions
    ) -> httpx.Request:
        headers = self._headers
        if spec.headers or options.extra_headers:
            headers = {**headers, **spec.headers, **(options.extra_headers or {})}
        params: Mapping[str, Any] = spec.params
        if options.extra_query:
            params = {**params, **options.extra_query}
        body = spec.json
        if options.extra_body:
            body = {**(body or {}), **options.extra_body}
        return http.build_request(
            spec.method,
            self.base_url + spec.path,
            params=params or None,
            headers=headers,
            json=body,
            timeout=self.timeout if options.timeout is None else options.timeout,
        )

    def _attempts(self, spec: RequestSpec, options: RequestOptions) -> _Attempts:
        max_retries = self.max_retries if options.max_retries is None else options.max_retries
        unsafe = (
            self.retry_non_idempotent
            if options.retry_non_idempotent is None
            else options.retry_non_idempotent
        )
        return _Attempts(self, spec, max_retries, unsafe)

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[redacted]")

    def _connection_error(self, error: httpx.RequestError, spec: RequestSpec) -> APIConnectionError:
        kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
        reason = self._redact(str(error)) or type(error).__name__
        return kind(
            f"{spec.operation_id}: {spec.method} {spec.path} failed: {reason}",
            request=error.request if _has_request(error) else None,
        )

    def _status_error(self, response: httpx.Response, spec: RequestSpec) -> APIStatusError:
        try:
            body: object = json.loads(response.content)
        except ValueError:
            body = response.text
        detail = body.get("detail", body) if isinstance(body, dict) else body
        text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
        if len(text) > _ERROR_BODY_PREVIEW:
            text = text[:_ERROR_BODY_PREVIEW] + "..."
        message = self._redact(
            f"{spec.operation_id}: HTTP {response.status_code} {response.reason_phrase}: {text}"
        )
        return status_error_class(response.status_code)(message, response=response, body=body)

    def _parse(self, response: httpx.Response, spec: RequestSpec, parse: Callable[[Any], T]) -> T:
        try:
            data = json.loads(response.content)
        except ValueError:
            preview = self._redact(response.text[:100])
            _invalid(response, spec, f"the body is not JSON: {preview!r}", response.text)
        try:
            return parse(data)
        except KeyError as error:
            _invalid(response, spec, f"required property {error.args[0]!r} is missing", data, error)
        except (TypeError, ValueError, AttributeError) as error:
            _invalid(response, spec, self._redact(str(error)), data, error)

    def _log_response(
        self, spec: RequestSpec, response: httpx.Response, started: float, attempt: int
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms (retry %d)",
                spec.method,
                spec.path,
                response.status_code,
                (time.monotonic() - started) * 1000.0,
                attempt,
            )


class _Attempts:
    """One call's retry budget: after each failure, either the wait before the next attempt or
    the error to raise. The same decisions for sync and async, which only send and sleep."""

    def __init__(
        self, client: BaseClient, spec: RequestSpec, max_retries: int, retry_non_idempotent: bool
    ) -> None:
        self._client = client
        self._spec = spec
        self._max_retries = max_retries
        self._unsafe = retry_non_idempotent
        self.count = 0

    def after_error(self, error: httpx.RequestError) -> float:
        """The wait before retrying after a transport failure; raises when it is not retried."""
        if (
            isinstance(error, httpx.TransportError)
            and self.count < self._max_retries
            and should_retry_error(
                error, idempotent=self._spec.idempotent, retry_non_idempotent=self._unsafe
            )
        ):
            return self._retry(None, type(error).__name__)
        raise self._client._connection_error(error, self._spec) from error

    def after_status(self, response: httpx.Response) -> float:
        """The wait before retrying after an error status; raises when it is not retried."""
        if self.count < self._max_retries and should_retry_status(
            response.status_code,
            idempotent=self._spec.idempotent,
            retry_non_idempotent=self._unsafe,
        ):
            return self._retry(response.headers, f"HTTP {response.status_code}")
        raise self._client._status_error(response, self._spec)

    def _retry(self, headers: httpx.Headers | None, reason: str) -> float:
        self.count += 1
        delay = retry_delay(self.count, headers)
        logger.info(
            "retrying %s %s in %.2f s (retry %d of %d) after %s",
            self._spec.method,
            self._spec.path,
            delay,
            self.count,
            self._max_retries,
            reason,
        )
        return delay


def _has_request(error: httpx.RequestError) -> bool:
    try:
        error.request  # noqa: B018 - httpx raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True


def _invalid(
    response: httpx.Response,
    spec: RequestSpec,
    reason: str,
    body: object,
    cause: BaseException | None = None,
) -> NoReturn:
    message = (
        f"{spec.operation_id}: the HTTP {response.status_code} answer does not match the "
        f"API description: {reason}"
    )
    raise APIResponseValidationError(message, response=response, body=body) from cause


async def _async_sleep(seconds: float) -> None:
    # asyncio is imported on first use: it would cost sync users ~15 ms at import.
    import asyncio

    await asyncio.sleep(seconds)


class SyncAPIClient(BaseClient):
    """Sends requests with an httpx.Client, retrying as _retries decides."""

    def __init__(self, *, http_client: httpx.Client | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client()

    def request(self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions) -> T:
        return self._parse(self.send(spec, options), spec, parse)

    def send(self, spec: RequestSpec, options: RequestOptions) -> httpx.Response:
        """The success response, after retries; error statuses raise as for request()."""
        request = self._build_request(self._http, spec, options)
        attempts = self._attempts(spec, options)
        while True:
            started = time.monotonic()
            try:
                response = self._http.send(request, follow_redirects=True, stream=options.stream)
                if options.stream and not response.is_success:
                    response.read()  # an error's body is read as for plain calls
            except httpx.RequestError as error:
                delay = attempts.after_error(error)
            else:
                self._log_response(spec, response, started, attempts.count)
                if response.is_success:
                    return response
                delay = attempts.after_status(response)
                response.close()
            if delay > 0:
                time.sleep(delay)

    def close(self) -> None:
        """Closes the connections, unless the httpx client was passed in (its owner closes it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncAPIClient(BaseClient):
    """Sends requests with an httpx.AsyncClient, retrying as _retries decides."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient()

    async def request(
        self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions
    ) -> T:
        return self._parse(await self.send(spec, options), spec, parse)

    async def send(self, spec: RequestSpec, options: RequestOptions) -> httpx.Response:
        """The success response, after retries; error statuses raise as for request()."""
        request = self._build_request(self._http, spec, options)
        attempts = self._attempts(spec, options)
        while True:
            started = time.monotonic()
            try:
                response = await self._http.send(
                    request, follow_redirects=True, stream=options.stream
                )
                if options.stream and not response.is_success:
                    await response.aread()
            except httpx.RequestError as error:
                delay = attempts.after_error(error)
            else:
                self._log_response(spec, response, started, attempts.count)
                if response.is_success:
                    return response
                delay = attempts.after_status(response)
                await response.aclose()
            if delay > 0:
                await _async_sleep(delay)

    async def close(self) -> None:
        """Closes the connections, unless the httpx client was passed in (its owner closes it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
