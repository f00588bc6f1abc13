"""Every error the client raises, as one tree rooted at LlamaCloudError.

LlamaCloudError
├── MissingAPIKeyError, InsecureConnectionError   (configuration, raised by the constructor)
├── ClientClosedError                             (a call on a closed client)
├── PaginationError, WaitTimeoutError             (helpers)
├── InvalidWebhookSignatureError                  (a webhook delivery that does not verify)
├── InvalidWebhookPayloadError                    (a verified delivery whose body is no event)
└── APIError                                      (talking to the API)
    ├── APIConnectionError
    │   └── APITimeoutError
    ├── APIResponseValidationError                (a success body that is not what the spec says)
    │   └── ResponseTooLargeError                 (a body past the client's max_response_bytes)
    └── APIStatusError                            (an error status, or one outside 100-599)
        ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
        ├── NotFoundError 404, ConflictError 409, UnprocessableEntityError 422,
        └── RateLimitError 429, InternalServerError 500-599

Every error pickles (for ProcessPoolExecutor and multiprocessing): it keeps its class, message,
status code, headers and body; the request (which carries the key) is left out, and the response
comes back as a bare one with the same status and headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    from _llama_cloud_batch_generated.models import ValidationError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "InsecureConnectionError",
    "InternalServerError",
    "InvalidWebhookPayloadError",
    "InvalidWebhookSignatureError",
    "LlamaCloudError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
]


class LlamaCloudError(Exception):
    """The root of every error this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own pickling calls cls(*args), which keyword-only constructors refuse.
        return (_restore, (type(self), self.args, _picklable_state(self.__dict__)))


def _restore(cls: type[LlamaCloudError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    if "status_code" in state:
        import httpx

        error.__dict__["response"] = httpx.Response(state["status_code"], headers=state["headers"])
    return error


def _picklable_state(state: dict[str, Any]) -> dict[str, Any]:
    """The attributes worth a round trip: not the request (its Authorization header holds the
    key) nor the response (it holds the request)."""
    kept = {name: value for name, value in state.items() if name not in ("request", "response")}
    if "request" in state:
        kept["request"] = None
    return kept


class ClientClosedError(LlamaCloudError):
    """A call was made on a client after close() (or after its `with` block)."""


class MissingAPIKeyError(LlamaCloudError):
    """No API key was passed and LLAMA_CLOUD_API_KEY is not set."""


class InsecureConnectionError(LlamaCloudError):
    """The API key would travel in clear text over http:// to a host that is not this machine."""


class PaginationError(LlamaCloudError):
    """A listing cannot go on: the server stopped sending items it said it had, or no next page."""


class WaitTimeoutError(LlamaCloudError):
    """wait_for_completion gave up before the job or batch reached a final status (`id`, and
    `job_id` as its older name)."""

    def __init__(self, message: str, *, id: str, last_status: str | None) -> None:
        super().__init__(message)
        self.id = id
        self.last_status = last_status

    @property
    def job_id(self) -> str:
        return self.id


class InvalidWebhookSignatureError(LlamaCloudError):
    """A webhook delivery's LC-Signature is missing, malformed or does not match its body, or no
    secret was given to check it with. The message never shows the secret or the signature."""


class InvalidWebhookPayloadError(LlamaCloudError):
    """A verified webhook delivery whose body is not an event: not JSON, not a JSON object, no
    `event_type`, or not of its event's shape. `body` is the decoded object when there was one
    (so nothing delivered is lost), else None."""

    def __init__(self, message: str, *, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.body = body


class APIError(LlamaCloudError):
    """Something went wrong while calling the API."""

    def __init__(self, message: str, *, request: httpx.Request | None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """The API could not be reached, or the connection broke before an answer came."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class _AnswerError(APIError):
    """An error built from an answer: its status, headers, request id and body.

    The client passes `headers` with the key redacted wherever a server echoed it; `headers`
    and `request_id` are read from those (only `response` keeps the answer as received, and it
    is not pickled).
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers if headers is None else headers
        self.body = body
        self.request_id: str | None = self.headers.get("x-request-id")


class APIResponseValidationError(_AnswerError):
    """A success answer whose body is not JSON, or not of the shape the spec describes."""


class ResponseTooLargeError(APIResponseValidationError):
    """An answer's body is larger than the client's max_response_bytes; it was not read whole
    (body is None)."""


class APIStatusError(_AnswerError):
    """The API answered with an error status."""


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or not valid."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404: no such job or item."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422: the request failed validation; `detail` lists each problem.

    Entries of `detail` that are not of the documented shape are kept, as sent, in `other_detail`.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message, response=response, body=body, headers=headers)
        self.detail, self.other_detail = _validation_details(body)


class RateLimitError(APIStatusError):
    """429: too many requests; the answer's Retry-After says when to try again."""


class InternalServerError(APIStatusError):
    """500-599."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific error class for an error status; APIStatusError for a status outside
    the ranges HTTP defines (600, 999), which is no server error the client knows."""
    if 500 <= status_code <= 599:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)


def _validation_details(body: Any) -> tuple[list[ValidationError], list[object]]:
    """The entries of a 422 body's `detail`: models where they fit the spec, and the rest."""
    from _llama_cloud_batch_generated.models import ValidationError

    entries = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return [], [] if entries is None else [entries]
    details: list[ValidationError] = []
    others: list[object] = []
    for entry in entries:
        try:
            details.append(ValidationError.from_dict(entry))
        except (KeyError, TypeError, ValueError):
            others.append(entry)
    return details, others
