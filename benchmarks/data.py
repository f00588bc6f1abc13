"""What the benchmark server lists: beta batch jobs and v2 batches, in five data shapes.

Everything is deterministic (a function of the position in the listing and the shape), so the
harness can rebuild the ids and check that every contender saw every entry, in order, and every
shape validates against spec/openapi.yaml (the smoke tests check it with jsonschema).

The shapes, one axis at a time and then together (SHAPES, in report order):

- `filled`: every property filled, timestamps mixed `Z` / `+00:00` / naive in equal shares
  (the friendly data earlier benchmarks measured);
- `nulls`: every optional property present as null;
- `omitted`: every optional property left out (a server that serialises with `exclude_none`);
- `unknown`: `filled`, plus one property the spec does not describe on every third entry;
- `realistic`: what a real listing looks like, the headline. Nulls depend on the status (no
  `started_at` before a job runs, no `completed_at` before it ends, an error only on failed or
  cancelled jobs); half the entries come from an `exclude_none` replica that leaves those nulls
  out, and every fifth lacks `workflow_id`, `job_record_id` and the item counts altogether (older
  jobs); an unknown property on every third entry; timestamps in six forms (TIMESTAMP_FORMS); and
  failed jobs carry a ~2 KB error text (a traceback, with newlines, quotes and non-ASCII).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

LIST_PATH = "/api/v1/beta/batch-processing"
BATCHES_PATH = "/api/v2/batches"

SHAPES = ("filled", "nulls", "omitted", "unknown", "realistic")
HEADLINE = "realistic"
SHAPE_TITLES = {
    "filled": "every property filled",
    "nulls": "optional properties present as null",
    "omitted": "optional properties left out (exclude_none)",
    "unknown": "an unknown property on a third of the entries",
    "realistic": "realistic mix",
}

_JOB_TYPES = ("parse", "extract", "classify")
_STATUSES = ("pending", "running", "dispatched", "completed", "failed", "cancelled")
# The realistic mix's statuses, in 20ths: most jobs of a real listing are done.
_STATUS_MIX = (
    ("completed",) * 11
    + ("failed",) * 2
    + ("cancelled",) * 1
    + ("running",) * 3
    + ("pending",) * 2
    + ("dispatched",) * 1
)
_EPOCH = datetime.datetime(2025, 1, 6, 9, 0, 0, tzinfo=datetime.UTC)
# Spreads consecutive indexes over the whole 128-bit space, so ids look like real UUIDs.
_SPREAD = 0x9E3779B97F4A7C15F39CC0605CEDC835
_MASK = (1 << 128) - 1


def _uuid(index: int, salt: int) -> str:
    return str(uuid.UUID(int=((index + 1) * _SPREAD + salt) & _MASK))


# --- timestamps ------------------------------------------------------------------------------

# The friendly shapes' three forms, in turn: milliseconds with "Z", "+00:00", or no offset.
FRIENDLY_FORMS = ("Z", "+00:00", "naive")
# The realistic mix's six, in turn, e.g. for 2025-01-06 09:00:00.117 UTC:
TIMESTAMP_FORMS = (
    "Z",  # 2025-01-06T09:00:00.117Z (the API's documented style)
    "+00:00",  # 2025-01-06T09:00:00.117+00:00
    "naive",  # 2025-01-06T09:00:00.117 (no offset: clients read it as UTC)
    "no fraction",  # 2025-01-06T09:00:00Z
    "microseconds",  # 2025-01-06T09:00:00.117250+00:00 (Python's isoformat())
    "+02:00",  # 2025-01-06T11:00:00.117+02:00 (another offset, the same instant)
)
_PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))


def timestamp(seconds: float, form: str) -> str:
    """The instant `seconds` after the epoch of the listing, written in `form`."""
    moment = _EPOCH + datetime.timedelta(seconds=seconds)
    if form == "+02:00":
        moment = moment.astimezone(_PLUS_TWO)
    whole = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = f".{moment.microsecond // 1000:03d}"
    if form == "no fraction":
        return whole + "Z"
    if form == "microseconds":
        return f"{whole}.{moment.microsecond:06d}+00:00"
    suffix = {"Z": "Z", "+00:00": "+00:00", "naive": "", "+02:00": "+02:00"}[form]
    return whole + millis + suffix


def _forms(shape: str) -> tuple[str, ...]:
    return TIMESTAMP_FORMS if shape == "realistic" else FRIENDLY_FORMS


# --- long error texts ------------------------------------------------------------------------

_TRACEBACK_LINE = (
    '  File "/srv/worker/pipeline/stage_{n}.py", line {line}, in run\n'
    '    result = self.reader.read(document, pages=pages, mode="accurate")  # étape {n}\n'
)


def _long_error(index: int) -> str:
    """About 2 KB: the kind of text a worker's exception leaves in `error_message`."""
    frames = "".join(_TRACEBACK_LINE.format(n=n, line=100 + index % 400 + n) for n in range(14))
    return (
        f"item {index % 97} could not be processed after 3 attempts:\n"
        f"Traceback (most recent call last):\n{frames}"
        f'ValueError: page {index % 13} of "scan-{index:06d}.pdf" is not a valid PDF object'
    )


# --- beta batch jobs -------------------------------------------------------------------------

OPTIONAL_JOB_PROPERTIES = (
    "completed_at",
    "created_at",
    "directory_id",
    "effective_at",
    "error_message",
    "failed_items",
    "job_record_id",
    "processed_items",
    "skipped_items",
    "started_at",
    "updated_at",
    "workflow_id",
)
# The property the server adds (the spec does not describe it) on every third entry.
UNKNOWN_PROPERTY = "retry_count"


def job_id(index: int) -> str:
    """The id of the job at this position of the listing."""
    return f"bjb-{_uuid(index, 1)}"


def _filled_job(index: int, forms: tuple[str, ...]) -> dict[str, Any]:
    created = index * 37.251_237  # microseconds too, for the form that shows them
    total = 50 + index % 950

    def at(offset: float, field: int) -> str:
        return timestamp(created + offset, forms[(index + field) % len(forms)])

    return {
        "id": job_id(index),
        "job_type": _JOB_TYPES[index % len(_JOB_TYPES)],
        "project_id": f"proj-{_uuid(index % 17, 2)}",
        "status": _STATUSES[index % len(_STATUSES)],
        "total_items": total,
        "completed_at": at(900.5, 0),
        "created_at": at(0.0, 1),
        "directory_id": f"dir-{_uuid(index, 3)}",
        "effective_at": at(60.25, 2),
        "error_message": f"item {index % 97} of the latest attempt could not be read",
        "failed_items": index % 7,
        "job_record_id": f"jrec-{_uuid(index, 4)}",
        "processed_items": total - index % 11,
        "skipped_items": index % 5,
        "started_at": at(30.125, 3),
        "updated_at": at(901.0, 4),
        "workflow_id": f"wf-{_uuid(index, 5)}",
    }


def _realistic_job(index: int) -> dict[str, Any]:
    job = _filled_job(index, TIMESTAMP_FORMS)
    # Spread over the listing, not in runs: 7 is prime to the table's 20 entries.
    status = _STATUS_MIX[index * 7 % len(_STATUS_MIX)]
    job["status"] = status
    waiting = status in ("pending", "dispatched")
    ended = status in ("completed", "failed", "cancelled")
    if waiting:
        for name in ("started_at", "job_record_id", "failed_items", "processed_items"):
            job[name] = None
        job["skipped_items"] = None
    if not ended:
        job["completed_at"] = None
    if status == "failed":
        job["error_message"] = _long_error(index)
    elif status == "cancelled":
        job["error_message"] = "cancelled by the user"
    else:
        job["error_message"] = None
    if index % 3 == 1:
        job["directory_id"] = None  # started from a list of files, not a directory
    if index % 5 == 4:  # older jobs: made before these properties existed
        for name in ("workflow_id", "job_record_id", "failed_items", "skipped_items"):
            del job[name]
    if index % 2 == 1:  # the exclude_none replica
        job = {name: value for name, value in job.items() if value is not None}
    if index % 3 == 0:
        job[UNKNOWN_PROPERTY] = index % 4
    return job


def make_job(index: int, shape: str = "filled") -> dict[str, Any]:
    """The job at this position of the listing, as a server of `shape` sends it."""
    if shape == "realistic":
        return _realistic_job(index)
    job = _filled_job(index, FRIENDLY_FORMS)
    if shape == "nulls":
        job.update(dict.fromkeys(OPTIONAL_JOB_PROPERTIES))
    elif shape == "omitted":
        for name in OPTIONAL_JOB_PROPERTIES:
            del job[name]
    elif shape == "unknown" and index % 3 == 0:
        job[UNKNOWN_PROPERTY] = index % 4
    elif shape not in SHAPES:
        raise ValueError(f"no such data shape: {shape!r}")
    return job


def expected_ids(count: int) -> list[str]:
    """The ids of a whole listing of `count` jobs, in server order."""
    return [job_id(index) for index in range(count)]


# --- v2 batches --------------------------------------------------------------------------------

_BATCH_STATUSES = ("PENDING", "RUNNING", "THROTTLED", "COMPLETED", "FAILED", "CANCELLED")
_BATCH_STATUS_MIX = (
    ("COMPLETED",) * 13 + ("FAILED",) * 2 + ("CANCELLED",) * 1 + ("RUNNING",) * 2 + ("PENDING",) * 2
)
_PRODUCTS = ("parse_v2", "extract_v2")
OPTIONAL_BATCH_PROPERTIES = ("created_at", "results", "updated_at")
# On failed batches of the realistic mix: a property the spec does not describe, ~2 KB.
BATCH_FAILURE_PROPERTY = "failure_detail"


def batch_id(index: int) -> str:
    """The id of the batch at this position of the listing."""
    return f"bat-{_uuid(index, 11)}"


def _filled_batch(index: int, forms: tuple[str, ...]) -> dict[str, Any]:
    created = index * 41.5
    product = _PRODUCTS[index % len(_PRODUCTS)]
    return {
        "id": batch_id(index),
        "config": {"job": {"configuration_id": f"cfg-{_uuid(index % 23, 12)}", "type": product}},
        "project_id": f"proj-{_uuid(index % 17, 2)}",
        "source_directory_id": f"dir-{_uuid(index, 13)}",
        "status": _BATCH_STATUSES[index % len(_BATCH_STATUSES)],
        "created_at": timestamp(created, forms[index % len(forms)]),
        # What `expand=results` adds: one entry per file (two here), a job or an error each.
        "results": [
            {
                "source_directory_file_id": f"dfl-{_uuid(index, 14)}",
                "job_reference": {"id": f"pjb-{_uuid(index, 15)}", "type": product},
                "error_message": None,
            },
            {
                "source_directory_file_id": f"dfl-{_uuid(index, 16)}",
                "job_reference": None,
                "error_message": "the file is empty",
            },
        ],
        "updated_at": timestamp(created + 600.75, forms[(index + 1) % len(forms)]),
    }


def _realistic_batch(index: int) -> dict[str, Any]:
    batch = _filled_batch(index, TIMESTAMP_FORMS)
    status = _BATCH_STATUS_MIX[index * 7 % len(_BATCH_STATUS_MIX)]
    batch["status"] = status
    # A listing is not expanded: results are null, or left out by the exclude_none replica.
    batch["results"] = None
    if status == "PENDING":
        batch["updated_at"] = None
    if status == "FAILED":
        batch[BATCH_FAILURE_PROPERTY] = _long_error(index)
    if index % 2 == 1:
        batch = {name: value for name, value in batch.items() if value is not None}
    if index % 3 == 0:
        batch[UNKNOWN_PROPERTY] = index % 4
    return batch


def make_batch(index: int, shape: str = "filled") -> dict[str, Any]:
    """The v2 batch at this position of the listing, as a server of `shape` sends it."""
    if shape == "realistic":
        return _realistic_batch(index)
    batch = _filled_batch(index, FRIENDLY_FORMS)
    if shape == "nulls":
        batch.update(dict.fromkeys(OPTIONAL_BATCH_PROPERTIES))
    elif shape == "omitted":
        for name in OPTIONAL_BATCH_PROPERTIES:
            del batch[name]
    elif shape == "unknown" and index % 3 == 0:
        batch[UNKNOWN_PROPERTY] = index % 4
    elif shape not in SHAPES:
        raise ValueError(f"no such data shape: {shape!r}")
    return batch


def expected_batch_ids(count: int) -> list[str]:
    """The ids of a whole listing of `count` batches, in server order."""
    return [batch_id(index) for index in range(count)]
