"""The jobs the benchmark server lists: deterministic, every property of BatchJob filled.

Timestamps come in the three forms a real server may send, mixed within each job and across
jobs in equal shares: a "Z" suffix (the API's documented style), a "+00:00" offset, and no
offset at all (naive, which clients read as UTC). The harness rebuilds the same ids to check
that every contender saw every job, in order.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

LIST_PATH = "/api/v1/beta/batch-processing"

_JOB_TYPES = ("parse", "extract", "classify")
_STATUSES = ("pending", "running", "dispatched", "completed", "failed", "cancelled")
_EPOCH = datetime.datetime(2025, 1, 6, 9, 0, 0, tzinfo=datetime.UTC)
# Spreads consecutive indexes over the whole 128-bit space, so ids look like real UUIDs.
_SPREAD = 0x9E3779B97F4A7C15F39CC0605CEDC835
_MASK = (1 << 128) - 1


def _uuid(index: int, salt: int) -> str:
    return str(uuid.UUID(int=((index + 1) * _SPREAD + salt) & _MASK))


# The suffixes of TIMESTAMP_FORMS, in turn: "Z", "+00:00", naive.
TIMESTAMP_FORMS = ("Z", "+00:00", "")


def _timestamp(seconds: float, form: int) -> str:
    # Milliseconds, e.g. 2019-12-27T18:11:19.117Z, with one of the three offset forms.
    moment = _EPOCH + datetime.timedelta(seconds=seconds)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return stamp + TIMESTAMP_FORMS[form % len(TIMESTAMP_FORMS)]


def job_id(index: int) -> str:
    """The id of the job at this position of the listing."""
    return f"bjb-{_uuid(index, 1)}"


def make_job(index: int) -> dict[str, Any]:
    """The job at this position of the listing, as the API sends it."""
    created = index * 37.251
    total = 50 + index % 950
    return {
        "id": job_id(index),
        "job_type": _JOB_TYPES[index % len(_JOB_TYPES)],
        "project_id": f"proj-{_uuid(index % 17, 2)}",
        "status": _STATUSES[index % len(_STATUSES)],
        "total_items": total,
        "completed_at": _timestamp(created + 900.5, index + 0),
        "created_at": _timestamp(created, index + 1),
        "directory_id": f"dir-{_uuid(index, 3)}",
        "effective_at": _timestamp(created + 60.25, index + 2),
        "error_message": f"item {index % 97} of the latest attempt could not be read",
        "failed_items": index % 7,
        "job_record_id": f"jrec-{_uuid(index, 4)}",
        "processed_items": total - index % 11,
        "skipped_items": index % 5,
        "started_at": _timestamp(created + 30.125, index + 3),
        "updated_at": _timestamp(created + 901.0, index + 4),
        "workflow_id": f"wf-{_uuid(index, 5)}",
    }


def expected_ids(count: int) -> list[str]:
    """The ids of a whole listing of `count` jobs, in server order."""
    return [job_id(index) for index in range(count)]
