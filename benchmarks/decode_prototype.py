"""Prototype of a cheaper decode path for listings, measured on today's generated BatchJob.

    python -m benchmarks.decode_prototype            # every section, about a minute
    python -m benchmarks.decode_prototype --quick    # seconds; proves the variants agree

Nothing here changes the package: each idea is a function written the way a template or
`_base_client` could emit it, checked to build the very same models as today's generated
`BatchJobPage.from_dict` (same values, same timezone objects, unknown properties kept, open
enums) and to raise the same errors on bad input, then timed in client CPU time
(`time.process_time`), median of alternating rounds. The findings and the recipe that follows
from them are in benchmarks/DECODE_FINDINGS.md.

Sections:
  1. decoders: bytes of one 100-job page to builtins (json, orjson, msgspec)
  2. timestamps: one parse per form (Z, +00:00, naive) today and in the cheaper forms
  3. page build: decode + models, today against each variant, per page
  4. request side: httpx build_request against a prebuilt httpx.Request
  5. end to end: one list call against the benchmark server, ratios to raw httpx + json.loads
  6. end to end: whole sync walks, the same
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import operator
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from functools import partial
from typing import Any
from urllib.parse import urlencode

import httpx
from llama_cloud_batch._generated.models import BatchJob, BatchJobPage
from llama_cloud_batch._generated.models.batch_job_status import BatchJobStatus
from llama_cloud_batch._generated.models.job_type import JobType
from llama_cloud_batch._generated.types import UNSET, parse_datetime

from .contenders import API_KEY, raw_pages
from .data import LIST_PATH, expected_ids, make_job
from .server import Catalog
from .timing import Spread, round_ratios

Decode = Callable[[bytes], Any]

# --- timestamps -------------------------------------------------------------------------------

_fromisoformat = datetime.datetime.fromisoformat
_UTC = datetime.UTC


def timestamp_today(value: Any, name: str) -> datetime.datetime:
    """What every generated from_dict does today, per timestamp."""
    try:
        parsed = _fromisoformat(value)
    except (TypeError, ValueError):
        parsed = parse_datetime(value, name)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def timestamp_suffix(value: Any, name: str) -> datetime.datetime:
    """Cheaper: an offset-less string gets "+00:00" appended before the one C parse, instead
    of a second object from replace(tzinfo=...); anything odd goes the old way (same errors).

    The result must be checked for an offset: fromisoformat takes any character as the
    date/time separator, so a date-only "2025-01-06" + "+00:00" parses as a *naive* midnight
    (separator "+", time "00:00").
    """
    if type(value) is str and len(value) > 6:
        # An offset is "Z" or ends in "±HH:MM"; the 3rd-last character of "+00:00" is ":".
        suffixed = value if value[-1] == "Z" or (value[-3] == ":" and value[-6] in "+-") else None
        try:
            parsed = _fromisoformat(suffixed or value + "+00:00")
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    return timestamp_today(value, name)


def timestamp_try_first(value: Any, name: str) -> datetime.datetime:
    """Cheaper for "Z"/"+00:00", as today for naive: parse, then fix a missing offset."""
    try:
        parsed = _fromisoformat(value)
    except (TypeError, ValueError):
        return parse_datetime(value, name)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=_UTC) if len(value) <= 10 else _fromisoformat(value + "+00:00")
    return parsed


# --- the lean from_dict a template could emit ---------------------------------------------------

# Typed once here, so no typing.cast is needed at each lookup (the enum's own map is typed
# dict[Any, Enum]); `table.get(value) or Enum(value)` keeps the enum open.
_JOB_TYPES: Mapping[Any, JobType] = JobType._value2member_map_  # type: ignore[assignment]
_STATUSES: Mapping[Any, BatchJobStatus] = BatchJobStatus._value2member_map_  # type: ignore[assignment]
_REQUIRED = ("id", "job_type", "project_id", "status", "total_items")
# The wire names are the attrs field names for this model (no renamed properties).
_ALL_KEYS = frozenset(field.name for field in BatchJob.__attrs_attrs__ if field.init)
# Bound once: the attrs __init__ itself (positional), skipping the classmethod's cls lookup.
_new_job = BatchJob


def _stamp(value: Any, name: str) -> Any:
    # Nullable and optional: None and UNSET pass through as today.
    if value is None or value is UNSET:
        return value
    return timestamp_suffix(value, name)


def job_lean(d: Any) -> BatchJob:
    """Leaner per-field code: module-level bindings, no typing.cast, the cheaper timestamps.

    Same checks, in the same order, with the same messages as today's generated code.
    """
    if type(d) is not dict:
        return BatchJob.from_dict(d)
    id_ = d["id"]
    if not isinstance(id_, str):
        raise TypeError(f"id: expected a string, got {type(id_).__name__}")
    job_type = d["job_type"]
    job_type = _JOB_TYPES.get(job_type) or JobType(job_type)
    project_id = d["project_id"]
    if not isinstance(project_id, str):
        raise TypeError(f"project_id: expected a string, got {type(project_id).__name__}")
    status = d["status"]
    status = _STATUSES.get(status) or BatchJobStatus(status)
    total_items = d["total_items"]
    if type(total_items) is not int:
        raise TypeError(f"total_items: expected an integer, got {type(total_items).__name__}")
    get = d.get
    strings = {}
    for key in ("directory_id", "error_message", "job_record_id", "workflow_id"):
        value = get(key, UNSET)
        if value is not None and value is not UNSET and not isinstance(value, str):
            raise TypeError(f"{key}: expected str or null, got {type(value).__name__}")
        strings[key] = value
    ints = {}
    for key in ("failed_items", "processed_items", "skipped_items"):
        value = get(key, UNSET)
        if value is not None and value is not UNSET and type(value) is not int:
            raise TypeError(f"{key}: expected int or null, got {type(value).__name__}")
        ints[key] = value
    job = _new_job(
        id_,
        job_type,
        project_id,
        status,
        total_items,
        _stamp(get("completed_at", UNSET), "completed_at"),
        _stamp(get("created_at", UNSET), "created_at"),
        strings["directory_id"],
        _stamp(get("effective_at", UNSET), "effective_at"),
        strings["error_message"],
        ints["failed_items"],
        strings["job_record_id"],
        ints["processed_items"],
        ints["skipped_items"],
        _stamp(get("started_at", UNSET), "started_at"),
        _stamp(get("updated_at", UNSET), "updated_at"),
        strings["workflow_id"],
    )
    if not d.keys() <= _ALL_KEYS:
        extra = job.additional_properties
        for key, value in d.items():
            if key not in _ALL_KEYS:
                extra[key] = value
    return job


def job_fast(d: Any) -> BatchJob:
    """The fast path: when the object has exactly the known keys (the common case, one set
    comparison), read them by index and check every type in one expression; timestamps take
    the cheap form inline. Anything else (a missing or unknown key, a wrong type, an odd
    timestamp) goes to today's code, which raises today's errors or keeps the unknown keys.
    """
    if type(d) is not dict or d.keys() != _ALL_KEYS:
        return BatchJob.from_dict(d)
    id_, project_id, total_items = d["id"], d["project_id"], d["total_items"]
    directory_id, error_message = d["directory_id"], d["error_message"]
    job_record_id, workflow_id = d["job_record_id"], d["workflow_id"]
    failed, processed, skipped = d["failed_items"], d["processed_items"], d["skipped_items"]
    if not (
        type(id_) is str
        and type(project_id) is str
        and type(total_items) is int
        and (directory_id is None or type(directory_id) is str)
        and (error_message is None or type(error_message) is str)
        and (job_record_id is None or type(job_record_id) is str)
        and (workflow_id is None or type(workflow_id) is str)
        and (failed is None or type(failed) is int)
        and (processed is None or type(processed) is int)
        and (skipped is None or type(skipped) is int)
    ):
        return BatchJob.from_dict(d)
    job_type, status = d["job_type"], d["status"]
    job_type = _JOB_TYPES.get(job_type) or JobType(job_type)
    status = _STATUSES.get(status) or BatchJobStatus(status)
    try:
        stamps = [_fast_stamp(d[key]) for key in _STAMP_KEYS]
    except (TypeError, ValueError, IndexError):
        return BatchJob.from_dict(d)
    return _new_job(
        id_,
        job_type,
        project_id,
        status,
        total_items,
        stamps[0],
        stamps[1],
        directory_id,
        stamps[2],
        error_message,
        failed,
        job_record_id,
        processed,
        skipped,
        stamps[3],
        stamps[4],
        workflow_id,
    )


_STAMP_KEYS = ("completed_at", "created_at", "effective_at", "started_at", "updated_at")


def _fast_stamp(value: Any) -> datetime.datetime | None:
    # Raises on anything unusual; the caller then rebuilds the job the slow, exact way.
    if value is None:
        return None
    if value[-1] == "Z" or (value[-3] == ":" and value[-6] in "+-"):
        parsed = _fromisoformat(value)
    else:
        parsed = _fromisoformat(value + "+00:00")
    if parsed.tzinfo is None:  # "2025-01-06" + "+00:00" parses naive: see timestamp_suffix
        raise ValueError(value)
    return parsed


def _then(
    decode: Callable[[bytes], Any], build: Callable[[Any], BatchJobPage]
) -> Callable[[bytes], BatchJobPage]:
    return lambda body: build(decode(body))


def page_with(build: Callable[[Any], BatchJob]) -> Callable[[Any], BatchJobPage]:
    """BatchJobPage.from_dict with its items built by `build`, in one list comprehension."""

    def parse(data: Any) -> BatchJobPage:
        if type(data) is not dict:
            return BatchJobPage.from_dict(data)
        items = data["items"]
        if not isinstance(items, list):
            return BatchJobPage.from_dict(data)
        token, total = data.get("next_page_token", UNSET), data.get("total_size", UNSET)
        if (
            not (token is None or token is UNSET or isinstance(token, str))
            or not (total is UNSET or type(total) is int)
            or not data.keys() <= _PAGE_KEYS
        ):
            return BatchJobPage.from_dict(data)
        return BatchJobPage([build(item) for item in items], token, total)

    return parse


_PAGE_KEYS = frozenset({"items", "next_page_token", "total_size"})


# --- msgspec: typed decoding straight from bytes, as a validated fast path ---------------------


def msgspec_page_parser(
    datetimes: bool = False, columns: bool = False, inline: bool = False
) -> Callable[[bytes], BatchJobPage] | None:
    """msgspec Structs mirroring BatchJobPage, decoded and type-checked in C straight from the
    bytes, then turned into the attrs models. Timestamps stay strings in the Struct (msgspec
    would leave naive ones naive) and take the cheap parse. An unknown property fails the typed
    decode (forbid_unknown_fields), and so does any other mismatch: the page then goes the
    exact way (json.loads + today's code), so unknown properties are kept and errors are
    today's. None when msgspec is not installed.

    With `datetimes`, msgspec parses the timestamps itself (in C) and only naive ones are
    fixed in Python; faster, but msgspec's RFC 3339 reading differs from fromisoformat at the
    edges (it takes "t"/"z" in lower case and rounds a 7th fraction digit, where today's code
    raises or truncates), so it changes behaviour.

    With `columns`, the page is converted property by property instead of job by job: each
    property of every job is one C-level `map` (attrgetter, the enum table's get,
    fromisoformat, and finally the attrs __init__ over 17 iterables), with a Python loop
    only for what needs fixing (a naive timestamp, an enum value the spec does not list).

    With `inline`, each job is converted by one function written the way a template would
    emit it (job_from_wire): every property inline, no helper call per timestamp.
    """
    try:
        import msgspec
    except ImportError:
        return None
    text, number = str | None, int | None
    stamp = datetime.datetime | None if datetimes else text
    job = msgspec.defstruct(
        "Job",
        [
            ("id", str),
            ("job_type", str),
            ("project_id", str),
            ("status", str),
            ("total_items", int),
            *(
                (name, kind, UNSET)
                for name, kind in (
                    ("completed_at", stamp),
                    ("created_at", stamp),
                    ("directory_id", text),
                    ("effective_at", stamp),
                    ("error_message", text),
                    ("failed_items", number),
                    ("job_record_id", text),
                    ("processed_items", number),
                    ("skipped_items", number),
                    ("started_at", stamp),
                    ("updated_at", stamp),
                    ("workflow_id", text),
                )
            ),
        ],
        forbid_unknown_fields=True,
        # Scalars and strings only: no cycles possible, so the GC need not track them.
        gc=False,
    )
    page = msgspec.defstruct(
        "Page",
        [("items", list[job]), ("next_page_token", text, UNSET), ("total_size", int, UNSET)],  # type: ignore[valid-type]
        forbid_unknown_fields=True,
    )
    decoder = msgspec.json.Decoder(page)
    exact = page_with(job_fast)
    convert = _naive_to_utc if datetimes else _stamp_or_unset
    if columns:
        columnar: Callable[[bytes], BatchJobPage] = _columnar_parser(msgspec, decoder, exact)
        return columnar
    if inline:

        def parse_inline(body: bytes) -> BatchJobPage:
            try:
                decoded: Any = decoder.decode(body)
                items = list(map(job_from_wire, decoded.items))
            except (msgspec.ValidationError, ValueError):
                return exact(json.loads(body))
            return BatchJobPage(items, decoded.next_page_token, decoded.total_size)

        return parse_inline

    def parse(body: bytes) -> BatchJobPage:
        try:
            decoded: Any = decoder.decode(body)
            items = [
                _new_job(
                    j.id,
                    _JOB_TYPES.get(j.job_type) or JobType(j.job_type),
                    j.project_id,
                    _STATUSES.get(j.status) or BatchJobStatus(j.status),
                    j.total_items,
                    convert(j.completed_at),
                    convert(j.created_at),
                    j.directory_id,
                    convert(j.effective_at),
                    j.error_message,
                    j.failed_items,
                    j.job_record_id,
                    j.processed_items,
                    j.skipped_items,
                    convert(j.started_at),
                    convert(j.updated_at),
                    j.workflow_id,
                )
                for j in decoded.items
            ]
        except (msgspec.ValidationError, ValueError, IndexError):
            # Anything the typed decode refuses is read the exact way, which keeps unknown
            # properties and raises today's errors.
            return exact(json.loads(body))
        return BatchJobPage(items, decoded.next_page_token, decoded.total_size)

    return parse


def job_from_wire(j: Any) -> BatchJob:
    """One job from its msgspec Struct, as model.py.jinja could emit it for each model: the
    types are already checked by msgspec, so only enums and timestamps are converted, inline.
    A timestamp is parsed once; a naive one (no offset) is parsed again with "+00:00", or, for
    a date only, given UTC (fromisoformat would read "2025-01-06+00:00" as a naive midnight).
    Raises ValueError for anything else, and the page is then read the exact way."""
    job_type, status = j.job_type, j.status
    completed_at = j.completed_at
    if completed_at is not None and completed_at is not UNSET:
        completed_at = _fromisoformat(completed_at)
        if completed_at.tzinfo is None:
            completed_at = _naive_as_utc(j.completed_at, completed_at)
    created_at = j.created_at
    if created_at is not None and created_at is not UNSET:
        created_at = _fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = _naive_as_utc(j.created_at, created_at)
    effective_at = j.effective_at
    if effective_at is not None and effective_at is not UNSET:
        effective_at = _fromisoformat(effective_at)
        if effective_at.tzinfo is None:
            effective_at = _naive_as_utc(j.effective_at, effective_at)
    started_at = j.started_at
    if started_at is not None and started_at is not UNSET:
        started_at = _fromisoformat(started_at)
        if started_at.tzinfo is None:
            started_at = _naive_as_utc(j.started_at, started_at)
    updated_at = j.updated_at
    if updated_at is not None and updated_at is not UNSET:
        updated_at = _fromisoformat(updated_at)
        if updated_at.tzinfo is None:
            updated_at = _naive_as_utc(j.updated_at, updated_at)
    return _new_job(
        j.id,
        _JOB_TYPES.get(job_type) or JobType(job_type),
        j.project_id,
        _STATUSES.get(status) or BatchJobStatus(status),
        j.total_items,
        completed_at,
        created_at,
        j.directory_id,
        effective_at,
        j.error_message,
        j.failed_items,
        j.job_record_id,
        j.processed_items,
        j.skipped_items,
        started_at,
        updated_at,
        j.workflow_id,
    )


def _naive_as_utc(text: str, parsed: datetime.datetime) -> datetime.datetime:
    if len(text) <= 10:  # a date only: see job_from_wire
        return parsed.replace(tzinfo=_UTC)
    return _fromisoformat(text + "+00:00")


_FIELDS = [field.name for field in BatchJob.__attrs_attrs__ if field.init]
_GETTERS = {name: operator.attrgetter(name) for name in _FIELDS}


def _enum_column(values: list[Any], table: Mapping[Any, Any], enum: Any) -> list[Any]:
    members = list(map(table.get, values))
    if None in members:  # a value the spec does not list: the open enum makes it
        members = [member or enum(value) for member, value in zip(members, values, strict=True)]
    return members


_tzinfo = operator.attrgetter("tzinfo")


def _stamp_column(values: list[Any]) -> list[Any]:
    """One timestamp property of every job: one C-level map of fromisoformat when all are
    strings; item by item when some are null or left out; naive ones re-read as UTC."""
    try:
        parsed = list(map(_fromisoformat, values))
    except (TypeError, ValueError):
        return [_stamp_or_unset(value) for value in values]
    if None in map(_tzinfo, parsed):
        return [
            stamp if stamp.tzinfo is not None else _fast_stamp(value)
            for stamp, value in zip(parsed, values, strict=True)
        ]
    return parsed


def _columnar_parser(msgspec: Any, decoder: Any, exact: Callable[[Any], BatchJobPage]) -> Any:
    stamps = set(_STAMP_KEYS)

    def parse(body: bytes) -> BatchJobPage:
        try:
            decoded: Any = decoder.decode(body)
            jobs = decoded.items
            columns: list[Any] = []
            for name in _FIELDS:
                column = list(map(_GETTERS[name], jobs))
                if name in stamps:
                    column = _stamp_column(column)
                elif name == "job_type":
                    column = _enum_column(column, _JOB_TYPES, JobType)
                elif name == "status":
                    column = _enum_column(column, _STATUSES, BatchJobStatus)
                columns.append(column)
            items = list(map(_new_job, *columns))
        except (msgspec.ValidationError, ValueError, IndexError):
            return exact(json.loads(body))
        return BatchJobPage(items, decoded.next_page_token, decoded.total_size)

    return parse


def _stamp_or_unset(value: Any) -> Any:
    return UNSET if value is UNSET else _fast_stamp(value)


def _naive_to_utc(value: Any) -> Any:
    if value is None or value is UNSET or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=_UTC)


def constructor_variants() -> dict[str, Callable[[], object]]:
    """Building one BatchJob from its 17 values: the attrs __init__ (positional, keywords)
    against object.__new__ plus the slots' own setters."""
    job = BatchJob.from_dict(make_job(0))
    names = [field for field in BatchJob.__attrs_attrs__ if field.init]
    values = [getattr(job, field.name) for field in names]
    keywords = {field.name: getattr(job, field.name) for field in names}
    setters = [getattr(BatchJob, field.name).__set__ for field in names]
    set_extra = vars(BatchJob)["additional_properties"].__set__
    new = object.__new__

    def by_slots() -> BatchJob:
        built = new(BatchJob)
        for setter, value in zip(setters, values, strict=True):
            setter(built, value)
        set_extra(built, {})
        return built

    assert by_slots() == job
    return {
        "attrs __init__, positional": lambda: _new_job(*values),
        "attrs __init__, keywords": lambda: BatchJob(**keywords),
        "object.__new__ + slot setters": by_slots,
    }


# --- measuring ------------------------------------------------------------------------------


def cpu_per_call(
    variants: Mapping[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, list[float]]:
    """CPU seconds per call of each variant, one figure per round, alternating the order."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for name in names:
        variants[name]()
    for round_index in range(rounds):
        for name in names if round_index % 2 == 0 else reversed(names):
            run = variants[name]
            gc.collect()
            started = time.process_time()
            for _ in range(calls):
                run()
            samples[name].append((time.process_time() - started) / calls)
    return samples


def _us(seconds: float) -> str:
    micro = seconds * 1e6
    return f"{micro:.3f} µs" if micro < 10 else f"{micro:.1f} µs"


def _print_table(title: str, figures: Mapping[str, list[float]], baseline: str) -> None:
    """Median CPU per call, and the per-round ratio to the baseline's same round: median
    with its interquartile range."""
    print(f"\n## {title}\n")
    print(f"| variant | CPU per call (median) | x {baseline}, per round: median (IQR) |")
    print("|---|---|---|")
    for name, values in figures.items():
        spread = Spread.of(round_ratios(values, figures[baseline]))
        ratio = f"{spread.median:.2f}x ({spread.q1:.2f} to {spread.q3:.2f})"
        print(f"| {name} | {_us(statistics.median(values))} | {ratio} |")


def _decoders() -> dict[str, Decode]:
    decoders: dict[str, Decode] = {"json.loads": json.loads}
    try:
        import orjson

        decoders["orjson.loads"] = orjson.loads
    except ImportError:
        pass
    try:
        import msgspec

        decoders["msgspec.json.decode"] = msgspec.json.Decoder().decode
    except ImportError:
        pass
    return decoders


def same_models(left: BatchJobPage, right: BatchJobPage) -> bool:
    """Equal models, and equal timezones on every timestamp (UTC as the same object)."""
    if left != right:
        return False
    for a, b in zip(left.items, right.items, strict=True):
        for key in _STAMP_KEYS:
            one, other = getattr(a, key), getattr(b, key)
            if isinstance(one, datetime.datetime) and (
                one.tzinfo != other.tzinfo or (one.tzinfo is _UTC) != (other.tzinfo is _UTC)
            ):
                return False
    return True


def check_agreement(parsers: Mapping[str, Callable[[bytes], BatchJobPage]]) -> None:
    """Every variant builds today's models from good pages and raises today's errors on bad
    ones (the same exception type and message)."""
    good = Catalog(60).page_body(0, 60)
    odd_jobs = [make_job(index) for index in range(6)]
    odd_jobs[0]["shard"] = 7  # an unknown property, kept
    odd_jobs[1]["status"] = "queued"  # an enum value the spec does not list, kept
    odd_jobs[2]["created_at"] = "2025-01-06"  # a date only: midnight UTC today
    odd_jobs[3]["started_at"] = "2025-01-06T09:00:00+05:30"  # another offset
    del odd_jobs[4]["workflow_id"]  # an optional property left out: UNSET
    odd_jobs[5]["error_message"] = None
    odd = json.dumps({"items": odd_jobs, "next_page_token": None, "total_size": 6}).encode()
    bad_cases = {
        "wrong type": ("total_items", "12"),
        "bad timestamp": ("created_at", "yesterday"),
        "timestamp not a string": ("updated_at", 5),
        "bool as int": ("failed_items", True),
        "missing required": ("id", None),
    }
    today = page_with(BatchJob.from_dict)
    odd_parsers = {name: p for name, p in parsers.items() if name != TYPED_DATETIMES}
    for body in (good, odd):
        expected = BatchJobPage.from_dict(json.loads(body))
        assert same_models(today(json.loads(body)), expected)
        for name, parse in (parsers if body is good else odd_parsers).items():
            assert same_models(parse(body), expected), name
    for case, (key, value) in bad_cases.items():
        job = make_job(0)
        if value is None:
            del job[key]
        else:
            job[key] = value
        body = json.dumps({"items": [make_job(1), job], "total_size": 2}).encode()
        outcomes: set[tuple[type[BaseException] | None, str]] = set()
        for parse in [lambda b: BatchJobPage.from_dict(json.loads(b)), *odd_parsers.values()]:
            try:
                parse(body)
            except (KeyError, TypeError, ValueError) as error:
                outcomes.add((type(error), str(error)))
            else:
                outcomes.add((None, "accepted"))
        assert len(outcomes) == 1, (case, outcomes)
        assert None not in {kind for kind, _ in outcomes}, (case, outcomes)


def section_decoders(body: bytes, calls: int, rounds: int) -> None:
    figures = cpu_per_call(
        {name: partial(decode, body) for name, decode in _decoders().items()}, calls, rounds
    )
    _print_table(
        f"1. Decoding one page ({len(body)} bytes, 100 jobs) to builtins", figures, "json.loads"
    )


def _fast_stamp_named(value: Any, _name: str) -> datetime.datetime | None:
    return _fast_stamp(value)


def _repeated(parse: Callable[[Any, str], object], value: str, times: int) -> list[object]:
    return [parse(value, "x") for _ in range(times)]


def _repeated_get(cache: dict[str, datetime.datetime], value: str, times: int) -> list[object]:
    return [cache.get(value) for _ in range(times)]


def section_timestamps(calls: int, rounds: int) -> None:
    forms = {
        "Z": "2025-01-06T09:15:00.500Z",
        "+00:00": "2025-01-06T09:15:00.500+00:00",
        "naive": "2025-01-06T09:15:00.500",
    }
    variants: dict[str, Callable[[], object]] = {}
    repeat = 100
    for form, value in forms.items():
        for label, parse in (
            ("today", timestamp_today),
            ("suffix", timestamp_suffix),
            ("try first", timestamp_try_first),
            ("inline fast", _fast_stamp_named),
        ):
            variants[f"{form}: {label}"] = partial(_repeated, parse, value, repeat)
        cache = {value: timestamp_today(value, "x")}
        variants[f"{form}: dict cache hit"] = partial(_repeated_get, cache, value, repeat)
    figures = {
        name: [value / repeat for value in values]
        for name, values in cpu_per_call(variants, calls, rounds).items()
    }
    _print_table("2. One timestamp (list comprehension of 100, per item)", figures, "Z: today")


DECODE_ONLY = "json.loads only (the raw loop's decode)"
TYPED = "msgspec typed decode (Structs, timestamps as str) + attrs"
TYPED_DATETIMES = "msgspec typed decode (Structs, msgspec datetimes) + attrs"
TYPED_COLUMNS = "msgspec typed decode (Structs, timestamps as str), columnar + attrs"
TYPED_INLINE = "msgspec typed decode (Structs, timestamps as str), one inline function per job"
# The variants worth a whole walk (section 5); the others are settled by section 3.
END_TO_END = (
    "json.loads + today's from_dict",
    "orjson.loads + today's from_dict",
    "json.loads + fast path",
    "orjson.loads + fast path",
    "msgspec.json.decode + fast path",
    TYPED,
    TYPED_DATETIMES,
    TYPED_COLUMNS,
    TYPED_INLINE,
)


def section_page_build(
    body: bytes, calls: int, rounds: int
) -> dict[str, Callable[[bytes], BatchJobPage]]:
    """Decode + build of one page per variant; returns the parsers (decode only left out)."""
    parsers: dict[str, Callable[[bytes], Any]] = {DECODE_ONLY: json.loads, **_all_parsers()}
    figures = cpu_per_call(
        {name: partial(parse, body) for name, parse in parsers.items()}, calls, rounds
    )
    _print_table("3. Decode + build one page of 100 BatchJobs", figures, DECODE_ONLY)
    return {name: p for name, p in parsers.items() if name != DECODE_ONLY}


def _all_parsers() -> dict[str, Callable[[bytes], BatchJobPage]]:
    """Every decode + build variant, by name."""
    parsers: dict[str, Callable[[bytes], BatchJobPage]] = {}
    lean, fast = page_with(job_lean), page_with(job_fast)
    for name, decode in _decoders().items():
        parsers[f"{name} + today's from_dict"] = _then(decode, BatchJobPage.from_dict)
        parsers[f"{name} + lean from_dict"] = _then(decode, lean)
        parsers[f"{name} + fast path"] = _then(decode, fast)
    typed = msgspec_page_parser()
    if typed is not None:
        parsers[TYPED] = typed
        typed_datetimes = msgspec_page_parser(datetimes=True)
        assert typed_datetimes is not None
        parsers[TYPED_DATETIMES] = typed_datetimes
        typed_columns = msgspec_page_parser(columns=True)
        assert typed_columns is not None
        parsers[TYPED_COLUMNS] = typed_columns
        typed_inline = msgspec_page_parser(inline=True)
        assert typed_inline is not None
        parsers[TYPED_INLINE] = typed_inline
    return parsers


def section_one_form(
    parsers: Mapping[str, Callable[[bytes], BatchJobPage]], calls: int, rounds: int
) -> None:
    """Section 3 for a server that sends one timestamp form only ("Z"), a few variants."""
    jobs = [make_job(index) for index in range(100)]
    for job in jobs:
        for key in _STAMP_KEYS:
            job[key] = job[key].removesuffix("+00:00").removesuffix("Z") + "Z"
    body = json.dumps({"items": jobs, "next_page_token": "x", "total_size": 1000}).encode()
    chosen = (
        "json.loads + today's from_dict",
        "orjson.loads + fast path",
        TYPED,
        TYPED_COLUMNS,
        TYPED_INLINE,
    )
    variants: dict[str, Callable[[], object]] = {DECODE_ONLY: lambda: json.loads(body)}
    variants.update({name: partial(parsers[name], body) for name in chosen if name in parsers})
    figures = cpu_per_call(variants, calls, rounds)
    _print_table('3c. Decode + build one page, every timestamp ending in "Z"', figures, DECODE_ONLY)


def section_requests(calls: int, rounds: int) -> None:
    headers = {
        "Accept": "application/json",
        "User-Agent": "llama-cloud-batch/0 httpx/0",
        "Authorization": f"Bearer {API_KEY}",
    }
    base = "http://127.0.0.1:9"
    timeout = httpx.Timeout(60.0, connect=5.0)
    extensions = {"timeout": timeout.as_dict()}
    with httpx.Client() as http:
        url = httpx.URL(base + LIST_PATH)
        variants: dict[str, Callable[[], object]] = {
            "client.build_request(method, url, params=, headers=, timeout=)": lambda: (
                http.build_request(
                    "GET",
                    base + LIST_PATH,
                    params={"limit": 100, "offset": 500},
                    headers=headers,
                    timeout=timeout,
                )
            ),
            "httpx.Request(method, URL.copy_with(query=...), headers=, extensions=)": lambda: (
                httpx.Request(
                    "GET",
                    url.copy_with(query=b"limit=100&offset=500"),
                    headers=headers,
                    extensions=extensions,
                )
            ),
            "httpx.Request(method, url + '?' + urlencode(params), headers=, extensions=)": lambda: (
                httpx.Request(
                    "GET",
                    f"{base}{LIST_PATH}?{urlencode({'limit': 100, 'offset': 500})}",
                    headers=headers,
                    extensions=extensions,
                )
            ),
            "httpx.Request(method, str url with query, headers=, extensions=)": lambda: (
                httpx.Request(
                    "GET",
                    f"{base}{LIST_PATH}?limit=100&offset=500",
                    headers=headers,
                    extensions=extensions,
                )
            ),
        }
        figures = cpu_per_call(variants, calls, rounds)
    _print_table("4. Building one request", figures, next(iter(variants)))


# --- 5. end to end ------------------------------------------------------------------------------


class PrototypeClient:
    """The request side as the recipe would make it: headers merged once, the query written
    directly into a prebuilt httpx.Request (no Client.build_request), the body handed to
    `parse` as bytes; the walk remembers the ids of the last two pages only."""

    def __init__(self, http: httpx.Client, base_url: str) -> None:
        self._http = http
        self._url = httpx.URL(base_url + LIST_PATH)
        self._headers = {
            **http.headers,
            "Accept": "application/json",
            "Authorization": f"Bearer {API_KEY}",
        }
        self._extensions = {"timeout": httpx.Timeout(60.0, connect=5.0).as_dict()}

    def page(self, limit: int, offset: int, parse: Callable[[bytes], BatchJobPage]) -> BatchJobPage:
        query = f"limit={limit}&offset={offset}" if offset else f"limit={limit}"
        request = httpx.Request(
            "GET",
            self._url.copy_with(query=query.encode()),
            headers=self._headers,
            extensions=self._extensions,
        )
        response = self._http.send(request, follow_redirects=True)
        if not response.is_success:
            response.raise_for_status()
        return parse(response.content)

    def walk_ids(self, limit: int, parse: Callable[[bytes], BatchJobPage]) -> list[str]:
        return [job.id for job in self.walk(limit, parse)]

    def count_first_page(self, limit: int, parse: Callable[[bytes], BatchJobPage]) -> int:
        return len(self.page(limit, 0, parse).items)

    def walk(self, limit: int, parse: Callable[[bytes], BatchJobPage]) -> Iterator[BatchJob]:
        offset, previous = 0, frozenset[str]()
        while True:
            page = self.page(limit, offset, parse)
            current = set()
            for job in page.items:
                if job.id not in previous and job.id not in current:
                    current.add(job.id)
                    yield job
            previous = frozenset(current)
            offset += len(page.items)
            total = page.total_size
            if not page.items or (isinstance(total, int) and offset >= total):
                return


def section_end_to_end(
    jobs: int,
    limit: int,
    rounds: int,
    calls: int,
    parsers: Mapping[str, Callable[[bytes], BatchJobPage]],
) -> None:
    from llama_cloud_batch import LlamaCloud

    from .processes import running_server

    expected = expected_ids(jobs)
    auth = {"Authorization": f"Bearer {API_KEY}"}
    chosen = {name: parse for name, parse in parsers.items() if name in END_TO_END}
    with running_server(jobs, 0.0) as server, ExitStack() as stack:
        base_url = server.fast_url
        client = stack.enter_context(LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0))
        proto = PrototypeClient(stack.enter_context(httpx.Client()), base_url)
        raw_http = stack.enter_context(httpx.Client(base_url=base_url, headers=auth))
        walks: dict[str, Callable[[], list[str]]] = {
            RAW: lambda: [j["id"] for items in raw_pages(raw_http, limit) for j in items],
            TODAY: lambda: [j.id for j in client.beta.batch.list(limit=limit)],
        }
        calls_of: dict[str, Callable[[], int]] = {
            RAW: lambda: len(
                json.loads(raw_http.get(LIST_PATH, params={"limit": limit}).content)["items"]
            ),
            TODAY: lambda: len(client.beta.batch.list(limit=limit).items),
        }
        for name, parse in chosen.items():
            walks[f"prototype: {name}"] = partial(proto.walk_ids, limit, parse)
            calls_of[f"prototype: {name}"] = partial(proto.count_first_page, limit, parse)
        # What the cyclic GC costs: every attrs instance is GC-tracked (plain JSON dicts of
        # scalars are not), so building 100 models a page triggers collections.
        walks[f"{TODAY}, gc disabled during the walk"] = _without_gc(walks[TODAY])
        if TYPED in chosen:
            walks[f"prototype: {TYPED}, gc disabled"] = _without_gc(walks[f"prototype: {TYPED}"])
        for name, walk in walks.items():
            assert walk() == expected, name
        one = cpu_per_call(calls_of, calls, rounds)
        whole = cpu_per_call(walks, 1, rounds)
    _print_table(f"5. One list(limit={limit}) call (client CPU)", one, RAW)
    _print_table(f"6. Whole sync walk, {jobs} jobs, limit {limit} (client CPU)", whole, RAW)


def _without_gc(walk: Callable[[], list[str]]) -> Callable[[], list[str]]:
    def run() -> list[str]:
        gc.disable()
        try:
            return walk()
        finally:
            gc.enable()

    return run


RAW = "raw httpx + json.loads"
TODAY = "today's client (LlamaCloud)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decode_prototype")
    parser.add_argument("--quick", action="store_true", help="few rounds: checks, no figures")
    parser.add_argument("--end-to-end", action="store_true", help="sections 5 and 6 only")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of sections 5 and 6")
    args = parser.parse_args(argv)
    calls, rounds = (5, 2) if args.quick else (200, 9)
    walk_rounds = args.rounds or (3 if args.quick else 15)
    body = Catalog(100).page_body(0, 100)
    print(f"# decode prototype (client CPU, medians of {rounds} alternating rounds)")
    if args.end_to_end:
        parsers = {name: p for name, p in _all_parsers().items() if name in END_TO_END}
        check_agreement(parsers)
        section_end_to_end(10_000, 100, walk_rounds, 20, parsers)
        return
    section_decoders(body, calls, rounds)
    section_timestamps(calls, rounds)
    parsers = section_page_build(body, calls, rounds)
    check_agreement(parsers)
    print("\nEvery variant built today's models (values, timezones) and raised today's errors.")
    section_one_form(parsers, calls, rounds)
    per_job = cpu_per_call(constructor_variants(), calls * 50, rounds)
    _print_table("3b. Building one BatchJob from its values", per_job, "attrs __init__, positional")
    section_requests(calls * 10, rounds)
    section_end_to_end(2000 if args.quick else 10_000, 100, walk_rounds, 20, parsers)


if __name__ == "__main__":
    main()
