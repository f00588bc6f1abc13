"""The HTTP mechanics, written once: configuration, request building, retries, error mapping,
response parsing and logging. Sync and async differ only in how they send and sleep.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn, Self, TypeVar
from urllib.parse import urlencode

import httpx

from . import _body
from ._config import (
    api_key_given,
    check_base_url,
    check_headers,
    check_proxy,
    check_request_data,
    clean_api_key,
    layered_headers,
)
from ._environment import headers_from_environment
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ResponseTooLargeError,
    status_error_class,
)
from ._logging import configure_from_environment, logger
from ._redact import MAX_BODY_DEPTH, Redactor, depth
from ._requests import query
from ._retries import retry_delay, should_retry_error, should_retry_status
from ._version import __version__

if TYPE_CHECKING:
    import ssl
    from types import TracebackType

    from ._requests import Query, RequestSpec

T = TypeVar("T")
E = TypeVar("E", bound="APIResponseValidationError | APIStatusError")

DEFAULT_BASE_URL = "https://api.cloud.llamaindex.ai"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
# How many polls an async wait_for_many runs at once.
DEFAULT_POLL_CONCURRENCY = 8
DEFAULT_MAX_RESPONSE_BYTES = _body.DEFAULT_MAX_RESPONSE_BYTES
_ERROR_BODY_PREVIEW = 500
_INVALID_BODY_PREVIEW = 100

Timeout = float | httpx.Timeout | None


class RequestOptions(NamedTuple):
    """Per-call settings; None means "as the client is configured". Immutable, so one instance
    can serve many calls (a NamedTuple: a frozen dataclass generates its methods with exec at
    import, which every import of the package would pay for)."""

    timeout: Timeout = None
    extra_headers: Mapping[str, str] | None = None
    max_retries: int | None = None
    retry_non_idempotent: bool | None = None
    # Reach parameters the spec has not caught up with: merged over what the call builds.
    extra_query: Mapping[str, object] | None = None
    extra_body: Mapping[str, object] | None = None
    # Leave the success body unread (with_streaming_response); error bodies are always read.
    stream: bool = False


class _Cookies(httpx.Cookies):
    """The cookie jar of an httpx client the client makes itself.

    httpx hands every response to the jar through a urllib request and an email message built
    for it, a cost on every page of a listing, even when the response sets no cookie, which
    leaves the jar as it was: only responses with Set-Cookie (or Set-Cookie2) are handed over.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


# httpx's default SSL context, one per process for each CA setting of the environment that
# httpx reads (SSL_CERT_FILE, SSL_CERT_DIR): building one reads the whole CA bundle, about 25 ms
# of CPU, which every client made would otherwise repeat. A context is only read once built.
_SSL_CONTEXTS: dict[tuple[str, str], ssl.SSLContext] = {}
_SSL_CONTEXTS_LOCK = threading.Lock()


def shared_ssl_context() -> ssl.SSLContext:
    """The context httpx.create_ssl_context() makes for the environment as it is now."""
    key = (os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))
    with _SSL_CONTEXTS_LOCK:
        context = _SSL_CONTEXTS.get(key)
        if context is None:
            context = _SSL_CONTEXTS[key] = httpx.create_ssl_context()
    return context


class _OwnedHttpClient(httpx.Client):
    """httpx.Client with the jar above and the shared SSL context. httpx keeps its jar in
    `_cookies` and reaches it only through that name (the `cookies` property included); were
    that to change, this client would only lose the shortcut, never a cookie."""

    def __init__(self) -> None:
        super().__init__(verify=shared_ssl_context())
        self._cookies = _Cookies()


class _OwnedAsyncHttpClient(httpx.AsyncClient):
    """httpx.AsyncClient with the jar above and the shared SSL context (see _OwnedHttpClient)."""

    def __init__(self) -> None:
        super().__init__(verify=shared_ssl_context())
        self._cookies = _Cookies()


class BaseClient:
    """Configuration and the parts of a call that do no I/O.

    max_response_bytes caps the body read for one answer (64 MiB by default); set it on the
    client to change it.
    """

    # The signing secret client.webhooks checks deliveries with (LlamaCloud(webhook_secret=)).
    _webhook_secret: str | None = None

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: Timeout,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        default_query: Mapping[str, object] | None,
        allow_insecure_http: bool,
        retry_non_idempotent: bool,
    ) -> None:
        configure_from_environment()
        api_key = clean_api_key(api_key_given(api_key))
        url = check_base_url(
            str(base_url or os.environ.get("LLAMA_CLOUD_BASE_URL") or DEFAULT_BASE_URL),
            allow_insecure_http=allow_insecure_http,
        )
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {max_retries}")
        check_headers(default_headers or {}, "default_headers")
        self._api_key = api_key
        self._redactor = Redactor(api_key)
        self._url = url
        self._allow_insecure_http = allow_insecure_http
        self._closed = False
        self._owns_http = False
        self._merged_headers: httpx.Headers | None = None
        self.max_response_bytes = DEFAULT_MAX_RESPONSE_BYTES
        self.base_url = str(url).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_non_idempotent = retry_non_idempotent
        self.default_headers = layered_headers(headers_from_environment(), default_headers or {})
        # Sent with every call, under the call's own arguments and its extra_query (written out
        # now: a value no query string can carry is refused here, not at the first call).
        self.default_query = dict(default_query or {})
        self._default_query = query(self.default_query, {name: name for name in self.default_query})
        # The key's Authorization goes over one a default header sets (say, a stale one in
        # LLAMA_CLOUD_CUSTOM_HEADERS): only a call's extra_headers, an explicit choice for that
        # call, may replace it.
        self._headers = layered_headers(
            {
                "Accept": "application/json",
                "User-Agent": f"llama-cloud-batch/{__version__} httpx/{httpx.__version__}",
            },
            self.default_headers,
            {"Authorization": f"Bearer {api_key}"},
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _build_request(
        self, http: httpx.Client | httpx.AsyncClient, spec: RequestSpec, options: RequestOptions
    ) -> httpx.Request:
        if self._closed or http.is_closed:
            raise ClientClosedError(
                f"{spec.operation_id}: the client is closed; make a new one (or call inside "
                "its `with` block)"
            )
        headers = self._headers
        if spec.headers or options.extra_headers:
            extra_headers = options.extra_headers or {}
            check_headers(spec.headers, spec.operation_id)
            check_headers(extra_headers, spec.operation_id)
            headers = layered_headers(headers, spec.headers, extra_headers)
        params: Query = spec.params
        if self._default_query:
            given = {name for name, _ in params}
            params = [pair for pair in self._default_query if pair[0] not in given] + params
        if options.extra_query:
            extra = options.extra_query
            # Merged over what the call builds: a name given there replaces the call's values.
            params = [pair for pair in params if pair[0] not in extra]
            params += query(extra, {str(name): str(name) for name in extra})
        body = spec.json
        if options.extra_body:
            check_request_data(options.extra_body, f"{spec.operation_id}: extra_body")
            body = {**(body or {}), **options.extra_body}
        try:
            if self._owns_http and not http.cookies:
                # The client's own httpx client has no caller defaults (auth, params, base URL)
                # and, without cookies, nothing else build_request would merge: a Request made
                # directly skips that merging, on every page of a listing.
                request_headers = self._http_headers(http)
                if headers is not self._headers:
                    request_headers = httpx.Headers(request_headers)
                    request_headers.update(headers)
                url = self.base_url + spec.path
                if params:
                    # What httpx writes for the pairs (urlencode), without its QueryParams.
                    url += "?" + urlencode(params)
                return httpx.Request(
                    spec.method,
                    url,
                    headers=request_headers,
                    json=body,
                    extensions={"timeout": httpx.Timeout(self._timeout(options)).as_dict()},
                )
            return http.build_request(
                spec.method,
                self.base_url + spec.path,
                params=tuple(params) or None,
                headers=headers,
                json=body,
                timeout=self._timeout(options),
            )
        except httpx.InvalidURL as error:
            raise ValueError(f"{spec.operation_id}: cannot make a request URL: {error}") from None

    def _http_headers(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Headers:
        """The headers build_request would send: the httpx client's defaults under ours."""
        if self._merged_headers is None:
            merged = httpx.Headers(http.headers)
            merged.update(self._headers)
            self._merged_headers = merged
        return self._merged_headers

    def _timeout(self, options: RequestOptions) -> Timeout:
        return self.timeout if options.timeout is None else options.timeout

    def _attempts(self, spec: RequestSpec, options: RequestOptions) -> _Attempts:
        max_retries = self.max_retries if options.max_retries is None else options.max_retries
        unsafe = (
            self.retry_non_idempotent
            if options.retry_non_idempotent is None
            else options.retry_non_idempotent
        )
        timeout = self._timeout(options)
        # A number bounds the whole call (see README "Timeouts" for the sync client's one limit:
        # headers trickled a byte at a time); an httpx.Timeout keeps httpx's per-operation meaning.
        total = float(timeout) if isinstance(timeout, int | float) else None
        return _Attempts(self, spec, max_retries, unsafe, total)

    def _redact(self, text: str) -> str:
        return self._redactor.text(text)

    def _safe_body(self, body: object, text: str) -> object:
        """The body an error keeps: without the key, and as text when it nests too deeply to
        handle as a structure (pickling or printing it would recurse)."""
        if depth(body) > MAX_BODY_DEPTH:
            return self._redact(text)
        return self._redactor.value(body)

    def _connection_error(self, error: httpx.RequestError, spec: RequestSpec) -> APIConnectionError:
        kind = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
        reason = self._redact(str(error)) or type(error).__name__
        return kind(
            f"{spec.operation_id}: {spec.method} {spec.path} failed: {reason}",
            request=error.request if _has_request(error) else None,
        )

    def _status_error(
        self, response: httpx.Response, content: bytes | None, spec: RequestSpec
    ) -> APIStatusError:
        """The error for an error answer; `content` is None when the body was too large to read."""
        if content is None:
            body: object = None
            text = f"(a body of more than {_body.MAX_ERROR_BODY_BYTES} bytes, not read)"
        else:
            text = _text(response, content)
            try:
                body = self._safe_body(_body.loads(content), text)
            except ValueError:
                body = self._redact(text)
            detail = body.get("detail", body) if isinstance(body, dict) else body
            text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
        message = (
            f"{spec.operation_id}: HTTP {response.status_code} {response.reason_phrase}: "
            + self._redactor.preview(text, _ERROR_BODY_PREVIEW)
        )
        return self._answer_error(status_error_class(response.status_code), message, response, body)

    def _answer_error(
        self, kind: type[E], message: str, response: httpx.Response, body: object
    ) -> E:
        """Every error built from an answer is built here: a server may echo the key in any
        header (x-request-id included), so the error keeps them redacted, as its message."""
        headers = httpx.Headers(
            [(name, self._redact(value)) for name, value in response.headers.items()]
        )
        return kind(self._redact(message), response=response, body=body, headers=headers)

    def _invalid(
        self, response: httpx.Response, spec: RequestSpec, reason: str, body: object
    ) -> APIResponseValidationError:
        message = (
            f"{spec.operation_id}: the HTTP {response.status_code} answer does not match the "
            f"API description: {reason}"
        )
        return self._answer_error(APIResponseValidationError, message, response, body)

    def _parse(self, response: httpx.Response, spec: RequestSpec, parse: Callable[[Any], T]) -> T:
        """What `parse` makes of a success body that has been read (response.content)."""
        content = response.content
        # Each failure is raised outside its `except` block, so the error's __context__ does not
        # hold the raw value (a key echoed into a timestamp would reach logger.exception).
        try:
            data = _body.loads(content)
        except ValueError as error:
            text = _text(response, content)
            reason = f"the body is not JSON ({error}): "
            reason += repr(self._redactor.preview(text, _INVALID_BODY_PREVIEW))
            body: object = self._redact(text)
        else:
            try:
                return parse(data)
            except KeyError as error:
                reason = f"required property {error.args[0]!r} is missing"
            except (TypeError, ValueError, AttributeError) as error:
                reason = str(error)
            except RecursionError:
                reason = "the body nests too deeply to read"
            body = self._safe_body(data, _text(response, content))
        raise self._invalid(response, spec, reason, body)

    def _too_large(self, response: httpx.Response, spec: RequestSpec, limit: int) -> NoReturn:
        message = (
            f"{spec.operation_id}: the HTTP {response.status_code} answer's body is larger than "
            f"max_response_bytes ({limit} bytes); it was not read"
        )
        raise self._answer_error(ResponseTooLargeError, message, response, None)

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
        self,
        client: BaseClient,
        spec: RequestSpec,
        max_retries: int,
        retry_non_idempotent: bool,
        total_timeout: float | None,
    ) -> None:
        self._client = client
        self._spec = spec
        self._max_retries = max_retries
        self._unsafe = retry_non_idempotent
        self._total = total_timeout
        self.deadline = None if total_timeout is None else time.monotonic() + total_timeout
        self.count = 0

    def start(self, request: httpx.Request) -> float | None:
        """Before each attempt: bounds every phase by the time left; returns that time (None
        without a deadline). Raises APITimeoutError once none is left."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise APITimeoutError(
                f"{self._spec.operation_id}: {self._spec.method} {self._spec.path} gave up: its "
                f"timeout of {self._total:g} s passed",
                request=None,
            )
        request.extensions["timeout"] = httpx.Timeout(left).as_dict()
        return left

    def after_error(self, error: httpx.RequestError) -> float:
        """The wait before retrying after a transport failure; raises when it is not retried."""
        if (
            isinstance(error, httpx.TransportError)
            and self.count < self._max_retries
            and should_retry_error(
                error, idempotent=self._spec.idempotent, retry_non_idempotent=self._unsafe
            )
        ):
            delay = self._retry(None, type(error).__name__)
            if delay is not None:
                return delay
        raise self._client._connection_error(error, self._spec) from error

    def retries_status(self, response: httpx.Response) -> float | None:
        """The wait before retrying after an error status, or None when it is not retried
        (then the caller reads the body and raises the status error)."""
        if self.count < self._max_retries and should_retry_status(
            response.status_code,
            idempotent=self._spec.idempotent,
            retry_non_idempotent=self._unsafe,
        ):
            return self._retry(response.headers, f"HTTP {response.status_code}")
        return None

    def _retry(self, headers: httpx.Headers | None, reason: str) -> float | None:
        delay = retry_delay(self.count + 1, headers)
        if self.deadline is not None and time.monotonic() + delay >= self.deadline:
            logger.info(
                "not retrying %s %s after %s: waiting %.2f s would pass its timeout",
                self._spec.method,
                self._spec.path,
                reason,
                delay,
            )
            return None
        self.count += 1
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


def _text(response: httpx.Response, content: bytes) -> str:
    return content.decode(response.encoding or "utf-8", errors="replace")


def _has_request(error: httpx.RequestError) -> bool:
    try:
        error.request  # noqa: B018 - httpx raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True


async def _async_sleep(seconds: float) -> None:
    # asyncio is imported on first use: sync users would otherwise pay for its import.
    import asyncio

    await asyncio.sleep(seconds)


class _Retry:
    __slots__ = ("delay",)

    def __init__(self, delay: float) -> None:
        self.delay = delay


async def _within(seconds: float, request: httpx.Request, attempt: Awaitable[T]) -> T:
    """The attempt, cut off after `seconds` whatever it is waiting on (a server trickling its
    headers a byte at a time included)."""
    import asyncio

    try:
        async with asyncio.timeout(seconds):
            return await attempt
    except TimeoutError:
        raise httpx.ReadTimeout("the call's timeout passed", request=request) from None


class SyncAPIClient(BaseClient):
    """Sends requests with an httpx.Client, retrying as _retries decides."""

    def __init__(self, *, http_client: httpx.Client | None, **config: Any) -> None:
        super().__init__(**config)
        self._owns_http = http_client is None
        self._http = http_client or _OwnedHttpClient()
        check_proxy(self._http, self._url, allow_insecure_http=self._allow_insecure_http)

    def request(self, spec: RequestSpec, parse: Callable[[Any], T], options: RequestOptions) -> T:
        return self._parse(self.send(spec, options), spec, parse)

    def send(self, spec: RequestSpec, options: RequestOptions) -> httpx.Response:
        """The success response, after retries; error statuses raise as for request()."""
        request = self._build_request(self._http, spec, options)
        attempts = self._attempts(spec, options)
        while True:
            started = time.monotonic()
            attempts.start(request)
            try:
                response = self._http.send(request, follow_redirects=True, stream=True)
                kept = False
                try:
                    self._log_response(spec, response, started, attempts.count)
                    if response.is_success:
                        if not options.stream:
                            self._read(response, spec, attempts.deadline)
                        kept = True
                        return response
                    error_content = self._read_error(response, attempts.deadline)
                    delay = attempts.retries_status(response)
                    if delay is None:
                        raise self._status_error(response, error_content, spec)
                finally:
                    # A streamed success stays open for the caller, who reads it when asked.
                    if not (kept and options.stream):
                        response.close()
            except httpx.RequestError as error:
                delay = attempts.after_error(error)
            if delay > 0:
                time.sleep(delay)

    def _read(self, response: httpx.Response, spec: RequestSpec, deadline: float | None) -> bytes:
        try:
            return _body.read(response, self.max_response_bytes, deadline)
        except _body.BodyTooLargeError as error:
            self._too_large(response, spec, error.limit)

    def _read_error(self, response: httpx.Response, deadline: float | None) -> bytes | None:
        try:
            return _body.read(response, _body.MAX_ERROR_BODY_BYTES, deadline)
        except _body.BodyTooLargeError:
            return None

    def close(self) -> None:
        """Closes the connections, unless the httpx client was passed in (its owner closes it)."""
        self._closed = True
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
        self._http = http_client or _OwnedAsyncHttpClient()
        check_proxy(self._http, self._url, allow_insecure_http=self._allow_insecure_http)

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
            left = attempts.start(request)
            try:
                if left is None:
                    outcome = await self._attempt(request, spec, options, attempts, started)
                else:
                    outcome = await _within(
                        left, request, self._attempt(request, spec, options, attempts, started)
                    )
            except httpx.RequestError as error:
                delay = attempts.after_error(error)
            else:
                if not isinstance(outcome, _Retry):
                    return outcome
                delay = outcome.delay
            if delay > 0:
                await _async_sleep(delay)

    async def _attempt(
        self,
        request: httpx.Request,
        spec: RequestSpec,
        options: RequestOptions,
        attempts: _Attempts,
        started: float,
    ) -> httpx.Response | _Retry:
        response = await self._http.send(request, follow_redirects=True, stream=True)
        kept = False
        try:
            self._log_response(spec, response, started, attempts.count)
            if response.is_success:
                if not options.stream:
                    await self._read(response, spec, attempts.deadline)
                kept = True
                return response
            try:
                error_content: bytes | None = await _body.aread(
                    response, _body.MAX_ERROR_BODY_BYTES, attempts.deadline
                )
            except _body.BodyTooLargeError:
                error_content = None
            delay = attempts.retries_status(response)
            if delay is not None:
                return _Retry(delay)
            raise self._status_error(response, error_content, spec)
        finally:
            # A streamed success stays open for the caller, who reads it when asked.
            if not (kept and options.stream):
                await response.aclose()

    async def _read(
        self, response: httpx.Response, spec: RequestSpec, deadline: float | None
    ) -> bytes:
        try:
            return await _body.aread(response, self.max_response_bytes, deadline)
        except _body.BodyTooLargeError as error:
            self._too_large(response, spec, error.limit)

    async def close(self) -> None:
        """Closes the connections, unless the httpx client was passed in (its owner closes it)."""
        self._closed = True
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
