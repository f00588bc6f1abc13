"""A typed Python client for LlamaCloud's batch-processing API.

    from llama_cloud_batch import LlamaCloud

    client = LlamaCloud()  # reads LLAMA_CLOUD_API_KEY
    for batch in client.batches.list(status="RUNNING"):
        print(batch.id, batch.status)

Models and enums live in llama_cloud_batch.types; the most used ones are importable from here.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InsecureConnectionError,
    InternalServerError,
    InvalidWebhookPayloadError,
    InvalidWebhookSignatureError,
    LlamaCloudError,
    MissingAPIKeyError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from ._pagination import AsyncCursorPage, AsyncPage, AsyncPager, SyncCursorPage, SyncPage
from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncLlamaCloud, LlamaCloud
    from ._response import APIResponse, AsyncAPIResponse
    from .resources.wait_results import BatchWaitResult, JobWaitResult
    from .types import (
        Batch,
        BatchItemStatus,
        BatchJob,
        BatchJobItem,
        BatchJobProgress,
        BatchJobStatus,
        BatchResult,
        BatchStatus,
        JobType,
    )

# What loads on first use, and from where.
_LAZY = {
    # The clients import httpx: loaded on first use, so that what needs none of it (the command
    # line's --help, an enum or an exception class) starts without it.
    "AsyncLlamaCloud": "._client",
    "LlamaCloud": "._client",
    "APIResponse": "._response",
    "AsyncAPIResponse": "._response",
    "BatchWaitResult": ".resources.wait_results",
    "JobWaitResult": ".resources.wait_results",
    **dict.fromkeys(
        (
            "Batch",
            "BatchItemStatus",
            "BatchJob",
            "BatchJobItem",
            "BatchJobProgress",
            "BatchJobStatus",
            "BatchResult",
            "BatchStatus",
            "JobType",
        ),
        ".types",
    ),
}

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAPIResponse",
    "AsyncCursorPage",
    "AsyncLlamaCloud",
    "AsyncPage",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "Batch",
    "BatchItemStatus",
    "BatchJob",
    "BatchJobItem",
    "BatchJobProgress",
    "BatchJobStatus",
    "BatchResult",
    "BatchStatus",
    "BatchWaitResult",
    "ClientClosedError",
    "ConflictError",
    "InsecureConnectionError",
    "InternalServerError",
    "InvalidWebhookPayloadError",
    "InvalidWebhookSignatureError",
    "JobType",
    "JobWaitResult",
    "LlamaCloud",
    "LlamaCloudError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "SyncCursorPage",
    "SyncPage",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The clients, models, the wait results and the raw-response classes load on first use,
    # keeping `import llama_cloud_batch` cheap.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)


def __dir__() -> list[str]:
    # The public names and the module's own dunders, not its imports or private modules.
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
