"""Response bodies of the API's shape, for scripted answers."""

from __future__ import annotations

from typing import Any

API_KEY = "sk-test-4f1e2d3c-secret"
TIMESTAMP = "2019-12-27T18:11:19.117Z"


def job(index: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"bjb-{index:08d}",
        "job_type": "parse",
        "project_id": "proj-1",
        "status": "pending",
        "total_items": 3,
        "completed_at": TIMESTAMP,
        "created_at": TIMESTAMP,
        "directory_id": "dir-1",
        "effective_at": TIMESTAMP,
        "error_message": None,
        "failed_items": 0,
        "job_record_id": "job_record_id",
        "processed_items": 0,
        "skipped_items": 0,
        "started_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "workflow_id": "workflow_id",
    }
    body.update(overrides)
    return body


def batch(batch_id: str, status: str, **extra: Any) -> dict[str, Any]:
    """A v2 batch (as GET /api/v2/batches/{id} answers, and webhook deliveries carry it)."""
    return {
        "id": batch_id,
        "config": {"job": {"type": "parse_v2", "configuration_id": "cfg-1"}},
        "project_id": "prj-1",
        "source_directory_id": "dir-1",
        "status": status,
        "created_at": "2026-01-02T03:04:05Z",
        **extra,
    }


def item(index: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "item_id": f"itm-{index}",
        "item_name": f"file-{index}.pdf",
        "status": "pending",
    }
    body.update(overrides)
    return body


def page(
    items: list[dict[str, Any]], total_size: int | None, token: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"items": items, "next_page_token": token}
    if total_size is not None:
        body["total_size"] = total_size
    return body


def paged(
    jobs: list[dict[str, Any]], query: dict[str, str], total: int | None = None
) -> dict[str, Any]:
    """The page of `jobs` that limit/offset in `query` select."""
    offset = int(query.get("offset", 0))
    limit = int(query.get("limit", 50))
    return page(jobs[offset : offset + limit], len(jobs) if total is None else total)
