"""What wait_for_many returns: where each job (client.beta.batch) or batch (client.batches)
stands, one class per resource on a shared frozen dataclass.

The resources' signatures name these classes by the package's lazy names
(`llama_cloud_batch.JobWaitResult`), so this module loads with the first wait, as the engine
that waits (_waiting) does, and a program that only lists pays for neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from .._exceptions import LlamaCloudError
from .._retries import is_transient_error

if TYPE_CHECKING:
    from .. import types

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WaitResult(Generic[T]):
    """Where one of the things a wait_for_many follows stands: its last answer, and why following
    it stopped. `error` is the error that ended following it (one that vanished: NotFoundError)
    or, while `timed_out`, the last transient error seen. It is settled when `is_final`, `error`
    or `timed_out` says so."""

    id: str
    answer: T | None = None
    status: str | None = None  # the last answer's status, as a string
    is_final: bool = False  # the last status is one the spec marks final
    error: LlamaCloudError | None = None
    timed_out: bool = False
    # The status that means success, set by each resource's result.
    _success: ClassVar[str]

    @property
    def settled(self) -> bool:
        return (
            self.is_final
            or self.timed_out
            or (self.error is not None and not is_transient_error(self.error))
        )

    @property
    def succeeded(self) -> bool:
        """Whether the last status is the resource's success (a job's `completed`, a batch's
        `COMPLETED`)."""
        return self.status == self._success


class JobWaitResult(WaitResult["types.BatchJobProgress"]):
    """Where one job of `wait_for_many` stands: its last get_status answer (`progress`, None if
    none came), and why following it stopped (see WaitResult)."""

    # No field of its own, so no @dataclass: WaitResult's methods serve it as they are.
    __slots__ = ()
    _success = "completed"

    @property
    def job_id(self) -> str:
        return self.id

    @property
    def progress(self) -> types.BatchJobProgress | None:
        return self.answer

    @property
    def job(self) -> types.BatchJob | None:
        return None if self.answer is None else self.answer.job


class BatchWaitResult(WaitResult["types.Batch"]):
    """Where one batch of `wait_for_many` stands: its last answer (`batch`, None if none came),
    and why following it stopped (see WaitResult)."""

    __slots__ = ()
    _success = "COMPLETED"

    @property
    def batch_id(self) -> str:
        return self.id

    @property
    def batch(self) -> types.Batch | None:
        return self.answer


__all__ = ["BatchWaitResult", "JobWaitResult", "WaitResult"]
