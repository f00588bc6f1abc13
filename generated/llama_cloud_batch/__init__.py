# Copied by generator/generate.py from overrides/llama_cloud_batch/__init__.py. Edit it there.
"""A typed Python client for LlamaCloud's batch-processing API.

    from llama_cloud_batch import LlamaCloud

    client = LlamaCloud()  # reads LLAMA_CLOUD_API_KEY
    for job in client.beta.batch.list(status="running"):
        print(job.id, job.status)

Models and enums live in llama_cloud_batch.types; the most used ones are importable from here.
"""

from typing import TYPE_CHECKING, Any

from ._client import AsyncLlamaCloud, LlamaCloud
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
from ._pagination import AsyncPage, AsyncPager, SyncPage
from ._version import __version__

if TYPE_CHECKING:
    from ._bulk import JobWaitResult
    from ._response import APIResponse, AsyncAPIResponse
    from .types import (
        BatchItemStatus,
        BatchJob,
        BatchJobItem,
        BatchJobProgress,
        BatchJobStatus,
        JobType,
    )

_MODELS = frozenset(
    {"BatchItemStatus", "BatchJob", "BatchJobItem", "BatchJobProgress", "BatchJobStatus", "JobType"}
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAPIResponse",
    "AsyncLlamaCloud",
    "AsyncPage",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BatchItemStatus",
    "BatchJob",
    "BatchJobItem",
    "BatchJobProgress",
    "BatchJobStatus",
    "ClientClosedError",
    "ConflictError",
    "InsecureConnectionError",
    "InternalServerError",
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
    "SyncPage",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # Models and the raw-response classes load on first use, keeping `import llama_cloud_batch`
    # cheap.
    if name == "JobWaitResult":
        from ._bulk import JobWaitResult

        return JobWaitResult
    if name in ("APIResponse", "AsyncAPIResponse"):
        from . import _response

        return getattr(_response, name)
    if name in _MODELS:
        from . import types

        return getattr(types, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
