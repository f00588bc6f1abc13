"""The local server's state: beta jobs and their items, v2 batches over directories of files,
their results, and a clock that moves them.

Nothing here knows HTTP: the handler calls these methods and sends what they return. Every public
method takes the lock, so handler threads, the auto-tick thread and the test see one state.

Life of a job (beta), one step per tick: ``pending`` (or ``dispatched``) -> ``running`` (items to
skip are skipped) -> each following tick finishes the items that were ``processing`` and starts
the next ``items_per_tick`` pending ones -> ``completed`` (or ``failed``) once no item is left.
``cancel`` stops a pending or running job and cancels its unfinished items.

Life of a batch (v2), one step per tick: ``PENDING`` -> ``THROTTLED`` (for `throttled_ticks`
ticks; none skips it) -> ``RUNNING`` -> each following tick gives the next ``items_per_tick``
files a job (or, for a file planned to fail, an error) -> ``COMPLETED`` (or ``FAILED``) once every
file has one. ``cancel`` asks an active batch to stop; it reaches ``CANCELLED`` at the next tick,
keeping the results of the files already done.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import copy
import datetime
import hashlib
import json
import random
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ACTIVE_JOB_STATUSES = frozenset({"pending", "dispatched", "running"})
TERMINAL_JOB_STATUSES = frozenset({"completed", "failed", "cancelled"})
JOB_TYPES = ("parse", "extract", "classify")
DEFAULT_PROJECT_ID = "proj-local"
DEFAULT_LIMIT = 100
DEFAULT_FAILURE_MESSAGE = "Simulated failure: the batch workflow stopped."
ITEM_FAILURE_MESSAGE = "Simulated failure: the file could not be processed."
SKIP_REASON = "The file was already processed with these parameters."

ACTIVE_BATCH_STATUSES = frozenset({"PENDING", "THROTTLED", "RUNNING"})
BATCH_JOB_TYPES = ("parse_v2", "extract_v2")
# A batch's job type -> the prefix of the IDs of the jobs it creates for its files.
_JOB_ID_PREFIXES = {"parse_v2": "pjb", "extract_v2": "ejb"}
DEFAULT_PAGE_SIZE = 100
# The largest page the cursor listing sends, whatever page_size asks: answers stay bounded.
MAX_PAGE_SIZE = 1000
FILE_FAILURE_MESSAGE = "Simulated failure: no job could be created for the file."
_NOT_A_CURSOR = "Invalid page token: pass the next_page_token of a page of this listing."

Outcome = Literal["completed", "failed"]
BatchOutcome = Literal["COMPLETED", "FAILED"]


class NotFound(LookupError):
    """No job, item or batch with that ID (in that project)."""


class InvalidInput(ValueError):
    """A request input that passes the spec's schema but not the server (an unknown page token);
    `loc` says where, as in the API's 422 detail."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass
class _Item:
    item_id: str
    item_name: str
    job_id: str
    planned: Literal["completed", "failed", "skipped"]
    status: str = "pending"
    started_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    effective_at: datetime.datetime | None = None
    error_message: str | None = None
    skip_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "item_name": self.item_name,
            "status": self.status,
            "completed_at": _iso(self.completed_at),
            "effective_at": _iso(self.effective_at),
            "error_message": self.error_message,
            "job_id": self.job_id,
            "job_record_id": None,
            "skip_reason": self.skip_reason,
            "started_at": _iso(self.started_at),
        }


@dataclass
class _Job:
    id: str
    seq: int
    job_type: str
    project_id: str
    status: str
    directory_id: str | None
    job_config: dict[str, Any]
    created_at: datetime.datetime
    outcome: Outcome
    failure_message: str
    items: list[_Item] = field(default_factory=list)
    updated_at: datetime.datetime | None = None
    effective_at: datetime.datetime | None = None
    started_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    error_message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, *statuses: str) -> int:
        return sum(1 for item in self.items if item.status in statuses)

    @property
    def processed(self) -> int:
        return self.count("completed", "failed")

    def progress(self) -> float:
        if not self.items:
            return 100.0 if self.status == "completed" else 0.0
        done = self.count("completed", "failed", "skipped")
        return round(100.0 * done / len(self.items), 2)

    def to_json(self) -> dict[str, Any]:
        documented = {
            "id": self.id,
            "job_type": self.job_type,
            "project_id": self.project_id,
            "status": self.status,
            "total_items": len(self.items),
            "completed_at": _iso(self.completed_at),
            "created_at": _iso(self.created_at),
            "directory_id": self.directory_id,
            "effective_at": _iso(self.effective_at),
            "error_message": self.error_message,
            "failed_items": self.count("failed"),
            "job_record_id": None,
            "processed_items": self.processed,
            "skipped_items": self.count("skipped"),
            "started_at": _iso(self.started_at),
            "updated_at": _iso(self.updated_at),
            "workflow_id": f"batch-workflow-{self.id}",
        }
        # `extra` wins on purpose: it is how a test makes the server hold data the spec forbids.
        return {**documented, **copy.deepcopy(self.extra)}


@dataclass
class _Batch:
    id: str
    seq: int
    project_id: str
    source_directory_id: str
    config: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    files: list[str]  # the directory's file IDs when the batch was created
    failing: frozenset[int]  # positions of the files that get an error instead of a job
    outcome: BatchOutcome
    throttle_left: int  # THROTTLED ticks still to go
    status: str = "PENDING"
    # One entry per file done so far, in file order: (job ID or None, error message or None).
    done: list[tuple[str | None, str | None]] = field(default_factory=list)
    cancel_requested: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def order(self) -> tuple[datetime.datetime, int]:
        """Where the batch sits in a listing (newest first is the reverse of this order)."""
        return (self.created_at, self.seq)

    def results(self) -> list[dict[str, Any]] | None:
        """Each done file's job or error; None until the batch ends, and for a failed batch,
        which broke down before it could say."""
        if self.status not in {"COMPLETED", "CANCELLED"}:
            return None
        job_type = self.config.get("job", {}).get("type")
        return [
            {
                "source_directory_file_id": file_id,
                "job_reference": None if job_id is None else {"type": job_type, "id": job_id},
                "error_message": error,
            }
            for file_id, (job_id, error) in zip(self.files, self.done, strict=False)
        ]

    def to_json(self, *, expand_results: bool = False) -> dict[str, Any]:
        documented = {
            "id": self.id,
            "config": copy.deepcopy(self.config),
            "project_id": self.project_id,
            "source_directory_id": self.source_directory_id,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "results": self.results() if expand_results else None,
        }
        # `extra` wins on purpose, as for jobs: how a test makes the server hold bad data.
        return {**documented, **copy.deepcopy(self.extra)}


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def every_nth(fail_every: int | None, count: int) -> frozenset[int]:
    """The positions of the nth, 2nth, ... of `count` files (none when fail_every is None)."""
    if fail_every is None:
        return frozenset()
    return frozenset(range(fail_every - 1, count, fail_every))


def default_batch_config(job_type: str) -> dict[str, Any]:
    """A batch's configuration when a test gives none: the job type with a preset's ID."""
    return {"job": {"type": job_type, "configuration_id": f"preset-{job_type}-default"}}


def default_job_config(job_type: str, project_id: str, new_id: str) -> dict[str, Any]:
    """A plausible configuration for a job added without one: classify rules or parse settings."""
    if job_type == "classify":
        return {
            "id": new_id,
            "project_id": project_id,
            "user_id": "user-local",
            "status": "PENDING",
            "mode": "FAST",
            "rules": [
                {"type": "invoice", "description": "A bill that asks for payment."},
                {"type": "receipt", "description": "Proof that a payment was made."},
            ],
        }
    return {
        "job_name": "parse_raw_file_job",
        "project_id": project_id,
        "parameters": {"lang": "en", "parse_mode": "parse_page_with_llm"},
    }


class Store:
    """Jobs, items and results behind a lock, moved by a virtual clock."""

    def __init__(
        self,
        *,
        start: datetime.datetime | None = None,
        tick_seconds: float = 1.0,
        items_per_tick: int = 2,
        default_directory_size: int = 3,
        fail_every: int | None = None,
        seed: int = 0,
    ) -> None:
        if tick_seconds <= 0 or items_per_tick < 1 or default_directory_size < 0:
            raise ValueError("tick_seconds > 0, items_per_tick >= 1, default_directory_size >= 0")
        if fail_every is not None and fail_every < 1:
            raise ValueError("fail_every is None or at least 1")
        self.lock = threading.RLock()
        now = start or datetime.datetime.now(datetime.UTC)
        self.now = now.replace(microsecond=0)
        self.tick_seconds = tick_seconds
        self.items_per_tick = items_per_tick
        self.default_directory_size = default_directory_size
        self.fail_every = fail_every
        # IDs only need to be unique and repeatable per seed, not unguessable.
        self._rng = random.Random(seed)  # noqa: S311
        self._elapsed = 0.0
        self._seq = 0
        self._jobs: dict[str, _Job] = {}
        self._batches: dict[str, _Batch] = {}  # in creation order
        # The same batches oldest first, as listings read them (kept sorted: a listing then
        # costs its page, not a sort of every batch).
        self._listing: list[_Batch] = []
        self._files: dict[str, str] = {}
        self._directories: dict[str, list[str]] = {}
        self._results: dict[str, list[dict[str, Any]]] = {}
        self.ticks = 0

    # ----- ids and files -------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}-{uuid.UUID(int=self._rng.getrandbits(128), version=4)}"

    def add_directory(self, directory_id: str, names: Sequence[str]) -> list[str]:
        """Registers a directory and its files; returns the files' item IDs."""
        with self.lock:
            ids = []
            for name in names:
                file_id = self.new_id("file")
                self._files[file_id] = name
                ids.append(file_id)
            self._directories[directory_id] = ids
            return list(ids)

    def _directory_files(self, directory_id: str) -> list[str]:
        if directory_id not in self._directories:
            # A directory the test never registered exists with a few files, like any the API
            # would know: creating a job over it must work without setup.
            names = [f"document-{n + 1}.pdf" for n in range(self.default_directory_size)]
            self.add_directory(directory_id, names)
        return self._directories[directory_id]

    def _file(self, file_id: str) -> str:
        return self._files.setdefault(file_id, f"{file_id}.pdf")

    # ----- creating ------------------------------------------------------------------------

    def add_job(
        self,
        *,
        job_type: str = "parse",
        directory_id: str | None = None,
        item_ids: Sequence[str] | None = None,
        items: int | Sequence[str] | None = None,
        project_id: str | None = None,
        job_config: Mapping[str, Any] | None = None,
        failed_items: int = 0,
        skipped_items: int = 0,
        outcome: Outcome = "completed",
        failure_message: str | None = None,
        created_at: datetime.datetime | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """A new pending job; returns its ID. See BatchServer.add_job for the arguments."""
        with self.lock:
            project = project_id or DEFAULT_PROJECT_ID
            files = self._job_files(directory_id, item_ids, items)
            if failed_items < 0 or skipped_items < 0 or failed_items + skipped_items > len(files):
                raise ValueError(
                    "failed_items + skipped_items must be between 0 and the item count"
                )
            self._seq += 1
            job_id = self.new_id("bjb")
            config = dict(job_config or default_job_config(job_type, project, self.new_id("cls")))
            job = _Job(
                id=job_id,
                seq=self._seq,
                job_type=job_type,
                project_id=project,
                status="pending",
                directory_id=directory_id,
                job_config=copy.deepcopy(config),
                created_at=created_at or self.now,
                outcome=outcome,
                failure_message=failure_message or DEFAULT_FAILURE_MESSAGE,
                extra=dict(extra or {}),
            )
            job.updated_at = job.effective_at = job.created_at
            for index, file_id in enumerate(files):
                planned: Literal["completed", "failed", "skipped"] = "completed"
                if index < skipped_items:
                    planned = "skipped"
                elif index >= len(files) - failed_items:
                    planned = "failed"
                job.items.append(_Item(file_id, self._file(file_id), job_id, planned))
                job.items[-1].effective_at = job.created_at
            self._jobs[job_id] = job
            return job_id

    def _job_files(
        self,
        directory_id: str | None,
        item_ids: Sequence[str] | None,
        items: int | Sequence[str] | None,
    ) -> list[str]:
        if item_ids is not None:
            return list(dict.fromkeys(item_ids))  # one item per file, in the order given
        if isinstance(items, int):
            return [self._named_file(f"document-{n + 1}.pdf") for n in range(items)]
        if items is not None:
            return [self._named_file(name) for name in items]
        if directory_id is not None:
            return list(self._directory_files(directory_id))
        return [self._named_file(f"document-{n + 1}.pdf") for n in range(3)]

    def _named_file(self, name: str) -> str:
        file_id = self.new_id("file")
        self._files[file_id] = name
        return file_id

    def set_status(self, job_id: str, status: str) -> None:
        """Drives a job to a status the way ticks would (used to seed jobs in any state)."""
        with self.lock:
            job = self._job(job_id)
            if status == "pending":
                return
            if status == "dispatched":
                job.status = "dispatched"
                return
            if status not in {"running", "completed", "failed", "cancelled"}:
                # Unknown to the spec: stored as is, so tests can make the server hold bad data.
                job.status = status
                return
            self._start(job)
            if status in {"completed", "failed"}:
                job.outcome = "completed" if status == "completed" else "failed"
                for _ in range(len(job.items) + 2):  # bounded: each round finishes items
                    if job.status != "running":
                        break
                    self._advance_job(job)
            elif status == "running":
                self._work_through(job, len(job.items) // 2)
            else:  # cancelled, after some of the work
                self._work_through(job, len(job.items) // 3)
                self._cancel(job)

    def _work_through(self, job: _Job, done: int) -> None:
        """Finishes pending items until `done` are finished, and starts the next one."""
        for item in job.items:
            if item.status != "pending":
                continue
            item.started_at = self.now
            if job.count("completed", "failed", "skipped") >= done:
                item.status = "processing"
                item.effective_at = self.now
                break
            self._finish_item(job, item)
        self._touch(job)

    # ----- the clock -----------------------------------------------------------------------

    def tick(self, count: int = 1) -> None:
        """Moves the clock by `count` ticks, each one step of every active job."""
        with self.lock:
            for _ in range(count):
                self.now += datetime.timedelta(seconds=self.tick_seconds)
                self._elapsed += self.tick_seconds
                self._step()

    def advance(self, seconds: float) -> int:
        """Moves the clock by `seconds`, taking the ticks that fall due; returns how many."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self.lock:
            base_now, base_elapsed = self.now, self._elapsed
            first = int(base_elapsed // self.tick_seconds) + 1
            due = int((base_elapsed + seconds) // self.tick_seconds) - first + 1
            for boundary in range(first, first + due):
                # Each tick happens at its own instant, so timestamps show when things moved.
                offset = boundary * self.tick_seconds - base_elapsed
                self.now = base_now + datetime.timedelta(seconds=offset)
                self._step()
            self.now = base_now + datetime.timedelta(seconds=seconds)
            self._elapsed = base_elapsed + seconds
            return due

    def active(self) -> bool:
        """Whether any job or batch can still move."""
        with self.lock:
            return any(job.status in ACTIVE_JOB_STATUSES for job in self._jobs.values()) or any(
                batch.status in ACTIVE_BATCH_STATUSES for batch in self._batches.values()
            )

    def _step(self) -> None:
        self.ticks += 1
        for job in sorted(self._jobs.values(), key=lambda j: j.seq):
            if job.status in {"pending", "dispatched"}:
                self._start(job)
            elif job.status == "running":
                self._advance_job(job)
        for batch in self._batches.values():
            if batch.status in ACTIVE_BATCH_STATUSES:
                self._advance_batch(batch)

    def _touch(self, job: _Job, status: str | None = None) -> None:
        if status is not None and status != job.status:
            job.status = status
            job.effective_at = self.now
        job.updated_at = self.now

    def _start(self, job: _Job) -> None:
        if job.status not in {"pending", "dispatched"}:
            return
        job.started_at = self.now
        self._touch(job, "running")
        for item in job.items:
            if item.planned == "skipped":
                item.status = "skipped"
                item.skip_reason = SKIP_REASON
                item.effective_at = item.completed_at = self.now

    def _advance_job(self, job: _Job) -> None:
        for item in job.items:
            if item.status == "processing":
                self._finish_item(job, item)
        started = 0
        for item in job.items:
            if item.status == "pending" and started < self.items_per_tick:
                item.status = "processing"
                item.started_at = item.effective_at = self.now
                started += 1
        if not job.count("pending", "processing"):
            job.completed_at = self.now
            if job.outcome == "failed":
                job.error_message = job.failure_message
            self._touch(job, job.outcome)
        else:
            self._touch(job)

    def _finish_item(self, job: _Job, item: _Item) -> None:
        item.completed_at = item.effective_at = self.now
        if item.planned == "failed":
            item.status = "failed"
            item.error_message = ITEM_FAILURE_MESSAGE
            return
        item.status = "completed"
        config_text = json.dumps(job.job_config, sort_keys=True)
        self._results.setdefault(item.item_id, []).append(
            {
                "item_id": item.item_id,
                "job_config": copy.deepcopy(job.job_config),
                "job_type": job.job_type,
                "output_s3_path": f"s3://llama-cloud-batch-local/{job.id}/{item.item_id}.json",
                "parameters_hash": hashlib.sha256(config_text.encode()).hexdigest()[:32],
                "processed_at": _iso(self.now),
                "result_id": self.new_id("res"),
                "output_metadata": {"job_id": job.id, "pages": 1 + len(item.item_name) % 7},
            }
        )

    def _cancel(self, job: _Job) -> None:
        for item in job.items:
            if item.status in {"pending", "processing"}:
                item.status = "cancelled"
                item.effective_at = item.completed_at = self.now
        job.completed_at = self.now
        self._touch(job, "cancelled")

    # ----- what the operations read and do -------------------------------------------------

    def _job(self, job_id: str, project_id: str | None = None) -> _Job:
        job = self._jobs.get(job_id)
        if job is None or (project_id is not None and job.project_id != project_id):
            raise NotFound(f"Batch job {job_id!r} not found")
        return job

    def list_jobs(
        self,
        *,
        directory_id: str | None = None,
        job_type: str | None = None,
        status: str | None = None,
        project_id: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            jobs = [
                job
                for job in self._jobs.values()
                if (directory_id is None or job.directory_id == directory_id)
                and (job_type is None or job.job_type == job_type)
                and (status is None or job.status == status)
                and (project_id is None or job.project_id == project_id)
            ]
            # Newest first; jobs created at the same instant keep their creation order reversed.
            jobs.sort(key=lambda job: (job.created_at, job.seq), reverse=True)
            return _page([job.to_json() for job in jobs], limit, offset)

    def job(self, job_id: str, project_id: str | None = None) -> dict[str, Any]:
        with self.lock:
            return self._job(job_id, project_id).to_json()

    def job_progress(self, job_id: str, project_id: str | None = None) -> dict[str, Any]:
        with self.lock:
            job = self._job(job_id, project_id)
            return {"job": job.to_json(), "progress_percentage": job.progress()}

    def create_job(
        self,
        *,
        job_type: str,
        job_config: Mapping[str, Any],
        directory_id: str | None,
        item_ids: Sequence[str] | None,
        project_id: str | None,
    ) -> dict[str, Any]:
        with self.lock:
            job_id = self.add_job(
                job_type=job_type,
                job_config=job_config,
                directory_id=directory_id,
                item_ids=item_ids,
                project_id=project_id,
            )
            job = self._jobs[job_id]
            for position in every_nth(self.fail_every, len(job.items)):
                job.items[position].planned = "failed"
            return job.to_json()

    def cancel(
        self, job_id: str, reason: str | None = None, project_id: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            job = self._job(job_id, project_id)
            if job.status in ACTIVE_JOB_STATUSES:
                self._cancel(job)
                message = "Batch job cancelled."
                if reason:
                    message = f"Batch job cancelled: {reason}"
            else:
                message = f"Batch job is already {job.status}; nothing to cancel."
            return {
                "job_id": job.id,
                "message": message,
                "processed_items": job.processed,
                "status": job.status,
            }

    def list_items(
        self,
        job_id: str,
        *,
        status: str | None = None,
        project_id: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            job = self._job(job_id, project_id)
            items = [item.to_json() for item in job.items if status in (None, item.status)]
            return _page(items, limit, offset)

    def item_ids(self, job_id: str) -> list[str]:
        with self.lock:
            return [item.item_id for item in self._job(job_id).items]

    def job_ids(self) -> list[str]:
        with self.lock:
            return list(self._jobs)

    def processing_results(self, item_id: str, job_type: str | None = None) -> dict[str, Any]:
        with self.lock:
            if item_id not in self._files:
                raise NotFound(f"Item {item_id!r} not found")
            results = [
                copy.deepcopy(result)
                for result in self._results.get(item_id, [])
                if job_type is None or result["job_type"] == job_type
            ]
            return {
                "item_id": item_id,
                "item_name": self._files[item_id],
                "processing_results": results,
            }

    # ----- batches (v2) --------------------------------------------------------------------

    def add_batch(
        self,
        *,
        source_directory_id: str | None = None,
        files: int | Sequence[str] | None = None,
        job_type: str = "parse_v2",
        config: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        failed_files: int = 0,
        outcome: BatchOutcome = "COMPLETED",
        throttled_ticks: int = 1,
        created_at: datetime.datetime | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """A new PENDING batch; returns its ID. See BatchServer.add_batch for the arguments."""
        if throttled_ticks < 0:
            raise ValueError("throttled_ticks is 0 or more")
        with self.lock:
            directory = source_directory_id or self.new_id("dir")
            if isinstance(files, int):
                self.add_directory(directory, [f"document-{n + 1}.pdf" for n in range(files)])
            elif files is not None:
                self.add_directory(directory, files)
            file_ids = list(self._directory_files(directory))
            if not 0 <= failed_files <= len(file_ids):
                raise ValueError("failed_files must be between 0 and the file count")
            self._seq += 1
            created = created_at or self.now
            batch = _Batch(
                id=self.new_id("bat"),
                seq=self._seq,
                project_id=project_id or DEFAULT_PROJECT_ID,
                source_directory_id=directory,
                config=copy.deepcopy(dict(config or default_batch_config(job_type))),
                created_at=created,
                updated_at=created,
                files=file_ids,
                failing=frozenset(range(len(file_ids) - failed_files, len(file_ids))),
                outcome=outcome,
                throttle_left=throttled_ticks,
                extra=dict(extra or {}),
            )
            self._batches[batch.id] = batch
            bisect.insort(self._listing, batch, key=_order)
            return batch.id

    def set_batch_status(self, batch_id: str, status: str) -> None:
        """Drives a batch to a status the way ticks would (used to seed batches in any state)."""
        with self.lock:
            batch = self._batch(batch_id)
            if status == "PENDING":
                return
            if status not in {"THROTTLED", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"}:
                # Unknown to the spec: stored as is, so tests can make the server hold bad data.
                batch.status = status
                return
            if status == "THROTTLED":
                batch.throttle_left = max(batch.throttle_left, 1)
            if status in {"COMPLETED", "FAILED"}:
                batch.outcome = "COMPLETED" if status == "COMPLETED" else "FAILED"
            # Running: about half its files done; cancelled: after about a third.
            wanted = {"RUNNING": len(batch.files) // 2, "CANCELLED": len(batch.files) // 3}

            def there() -> bool:
                if status == "THROTTLED":
                    return batch.status == "THROTTLED"
                if status in wanted:
                    return batch.status == "RUNNING" and len(batch.done) >= wanted[status]
                return batch.status not in ACTIVE_BATCH_STATUSES

            for _ in range(batch.throttle_left + len(batch.files) + 3):  # each step moves it on
                if there():
                    break
                self._advance_batch(batch)
            if status == "CANCELLED":
                batch.cancel_requested = True
                self._advance_batch(batch)

    def _advance_batch(self, batch: _Batch) -> None:
        if batch.cancel_requested:
            self._touch_batch(batch, "CANCELLED")
        elif batch.status == "PENDING":
            self._touch_batch(batch, "THROTTLED" if batch.throttle_left else "RUNNING")
        elif batch.status == "THROTTLED":
            batch.throttle_left -= 1
            if batch.throttle_left <= 0:
                self._touch_batch(batch, "RUNNING")
        elif batch.status == "RUNNING":
            prefix = _JOB_ID_PREFIXES.get(batch.config.get("job", {}).get("type"), "job")
            first = len(batch.done)
            for position in range(first, min(first + self.items_per_tick, len(batch.files))):
                failed = position in batch.failing
                batch.done.append(
                    (None, FILE_FAILURE_MESSAGE) if failed else (self.new_id(prefix), None)
                )
            finished = len(batch.done) == len(batch.files)
            self._touch_batch(batch, batch.outcome if finished else None)

    def _touch_batch(self, batch: _Batch, status: str | None = None) -> None:
        if status is not None:
            batch.status = status
        batch.updated_at = self.now

    def _batch(self, batch_id: str, project_id: str | None = None) -> _Batch:
        batch = self._batches.get(batch_id)
        if batch is None or (project_id is not None and batch.project_id != project_id):
            raise NotFound(f"Batch {batch_id!r} not found")
        return batch

    def create_batch(
        self,
        *,
        config: Mapping[str, Any],
        source_directory_id: str,
        project_id: str | None,
    ) -> dict[str, Any]:
        with self.lock:
            batch = self._batch(
                self.add_batch(
                    config=config, source_directory_id=source_directory_id, project_id=project_id
                )
            )
            batch.failing = every_nth(self.fail_every, len(batch.files))
            return batch.to_json()

    def batch(
        self, batch_id: str, *, expand_results: bool = False, project_id: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            return self._batch(batch_id, project_id).to_json(expand_results=expand_results)

    def cancel_batch(self, batch_id: str, project_id: str | None = None) -> dict[str, Any]:
        """Asks an active batch to stop (it is CANCELLED at the next tick); a batch in a final
        status stays as it is."""
        with self.lock:
            batch = self._batch(batch_id, project_id)
            if batch.status in ACTIVE_BATCH_STATUSES and not batch.cancel_requested:
                batch.cancel_requested = True
                self._touch_batch(batch)
            return batch.to_json()

    def list_batches(
        self,
        *,
        status: str | None = None,
        source_directory_id: str | None = None,
        created_on_or_after: datetime.datetime | None = None,
        created_on_or_before: datetime.datetime | None = None,
        project_id: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> dict[str, Any]:
        """One page of the batches that pass the filters, newest first, by cursor."""
        with self.lock:
            tests: list[Callable[[_Batch], bool]] = []
            if status is not None:
                tests.append(lambda batch: batch.status == status)
            if source_directory_id is not None:
                tests.append(lambda batch: batch.source_directory_id == source_directory_id)
            if project_id is not None:
                tests.append(lambda batch: batch.project_id == project_id)
            if created_on_or_after is not None:
                tests.append(lambda batch: batch.created_at >= created_on_or_after)
            if created_on_or_before is not None:
                tests.append(lambda batch: batch.created_at <= created_on_or_before)
            # A token names the last batch of the page before by its place in the order, so
            # batches created meanwhile (newer: ahead of the walk) neither repeat nor shift it.
            end = len(self._listing)
            if page_token is not None:
                end = bisect.bisect_left(self._listing, _read_token(page_token), key=_order)
            # The spec sets no minimum: a size below 1 gets the server's default, like none.
            size = DEFAULT_PAGE_SIZE if page_size is None or page_size < 1 else page_size
            size = min(size, MAX_PAGE_SIZE)
            page: list[_Batch] = []
            more = False
            for index in range(end - 1, -1, -1):  # newest first
                batch = self._listing[index]
                if all(test(batch) for test in tests):
                    more = len(page) == size
                    if more:
                        break
                    page.append(batch)
            return {
                "items": [batch.to_json() for batch in page],
                "next_page_token": _token(page[-1]) if more else None,
            }

    def all_batches(self) -> list[dict[str, Any]]:
        """Every batch as the API lists it, newest first."""
        with self.lock:
            return [batch.to_json() for batch in reversed(self._listing)]

    def batch_ids(self) -> list[str]:
        with self.lock:
            return list(self._batches)


def _order(batch: _Batch) -> tuple[datetime.datetime, int]:
    return batch.order


def _token(batch: _Batch) -> str:
    text = f"{batch.created_at.isoformat()}|{batch.seq}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _read_token(token: str) -> tuple[datetime.datetime, int]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created_text, _, seq_text = text.partition("|")
        created, seq = datetime.datetime.fromisoformat(created_text), int(seq_text)
    except (ValueError, binascii.Error) as error:  # UnicodeDecodeError is a ValueError
        raise InvalidInput(("query", "page_token"), _NOT_A_CURSOR) from error
    if created.tzinfo is None:  # every token this server hands out has its offset
        raise InvalidInput(("query", "page_token"), _NOT_A_CURSOR)
    return created, seq


def _page(entries: list[dict[str, Any]], limit: int | None, offset: int | None) -> dict[str, Any]:
    start = offset or 0
    size = DEFAULT_LIMIT if limit is None else limit
    page = entries[start : start + size]
    following = start + len(page)
    return {
        "items": page,
        # The API hands out a token that no operation accepts; clients must page by offset.
        "next_page_token": f"offset-{following}" if following < len(entries) else None,
        "total_size": len(entries),
    }
