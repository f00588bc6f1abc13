"""The local server's state: jobs, their items, per-item results, and a clock that moves them.

Nothing here knows HTTP: the handler calls these methods and sends what they return. Every public
method takes the lock, so handler threads, the auto-tick thread and the test see one state.

Life of a job, one step per tick: ``pending`` (or ``dispatched``) -> ``running`` (items to skip
are skipped) -> each following tick finishes the items that were ``processing`` and starts the
next ``items_per_tick`` pending ones -> ``completed`` (or ``failed``) once no item is left.
``cancel`` stops a pending or running job and cancels its unfinished items.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import random
import threading
import uuid
from collections.abc import Mapping, Sequence
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

Outcome = Literal["completed", "failed"]


class NotFound(LookupError):
    """No job or item with that ID (in that project)."""


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


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


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
        seed: int = 0,
    ) -> None:
        if tick_seconds <= 0 or items_per_tick < 1 or default_directory_size < 0:
            raise ValueError("tick_seconds > 0, items_per_tick >= 1, default_directory_size >= 0")
        self.lock = threading.RLock()
        now = start or datetime.datetime.now(datetime.UTC)
        self.now = now.replace(microsecond=0)
        self.tick_seconds = tick_seconds
        self.items_per_tick = items_per_tick
        self.default_directory_size = default_directory_size
        # IDs only need to be unique and repeatable per seed, not unguessable.
        self._rng = random.Random(seed)  # noqa: S311
        self._elapsed = 0.0
        self._seq = 0
        self._jobs: dict[str, _Job] = {}
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
        """Whether any job can still move."""
        with self.lock:
            return any(job.status in ACTIVE_JOB_STATUSES for job in self._jobs.values())

    def _step(self) -> None:
        self.ticks += 1
        for job in sorted(self._jobs.values(), key=lambda j: j.seq):
            if job.status in {"pending", "dispatched"}:
                self._start(job)
            elif job.status == "running":
                self._advance_job(job)

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
            return self._jobs[job_id].to_json()

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
