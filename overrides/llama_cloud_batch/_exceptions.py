"""Every error the client raises, as one tree rooted at LlamaCloudError.

LlamaCloudError
├── MissingAPIKeyError, InsecureConnectionError   (configuration, raised by the constructor)
├── PaginationError, WaitTimeoutError             (helpers)
└── APIError                                      (talking to the API)
    ├── APIConnectionError
    │   └── APITimeoutError
    ├── APIResponseValidationError                (a success body that is not what the spec says)
    └── APIStatusError                            (an error status)
        ├── BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403,
        ├── NotFoundError 404, ConflictError 409, UnprocessableEntityError 422,
        └── RateLimitError 429, InternalServerError 5xx
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ._generated.models import ValidationError

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InsecureConnectionError",
    "InternalServerError",
    "LlamaCloudError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
]


class LlamaCloudError(Exception):
    """The root of every error this package raises."""


class MissingAPIKeyError(LlamaCloudError):
    """No API key was passed and LLAMA_CLOUD_API_KEY is not set."""


class InsecureConnectionError(LlamaCloudError):
    """The API key would travel in clear text over http:// to a host that is not this machine."""


class PaginationError(LlamaCloudError):
    """A listing cannot go on: the server stopped sending items it said it had, or no next page."""


class WaitTimeoutError(LlamaCloudError):
    """wait_for_completion gave up before the job reached a final status."""

    def __init__(self, message: str, *, job_id: str, last_status: str | None) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.last_status = last_status


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


class APIResponseValidationError(APIError):
    """A success answer whose body is not JSON, or not of the shape the spec describes."""

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.body = body


class APIStatusError(APIError):
    """The API answered with an error status."""

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.body = body
        self.request_id: str | None = response.headers.get("x-request-id")


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

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, response=response, body=body)
        self.detail, self.other_detail = _validation_details(body)


class RateLimitError(APIStatusError):
    """429: too many requests; the answer's Retry-After says when to try again."""


class InternalServerError(APIStatusError):
    """5xx."""


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
    """The most specific error class for an error status."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)


def _validation_details(body: Any) -> tuple[list[ValidationError], list[object]]:
    """The entries of a 422 body's `detail`: models where they fit the spec, and the rest."""
    from ._generated.models import ValidationError

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
