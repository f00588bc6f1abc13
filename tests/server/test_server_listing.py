"""Both listings: filters, newest-first order, and paging by limit/offset with total_size."""

from __future__ import annotations

import datetime

import pytest

from .conftest import JOBS


def walk(http, path: str, limit: int, **params) -> tuple[list[dict], int]:
    """Pages the way the reference says: next offset = offset + len(items), until total_size."""
    seen: list[dict] = []
    offset, requests = 0, 0
    while True:
        page = http.get(path, params={**params, "limit": limit, "offset": offset}).json()
        requests += 1
        seen.extend(page["items"])
        offset += len(page["items"])
        if not page["items"] or offset >= page["total_size"]:
            return seen, requests


def test_jobs_are_listed_newest_first(server, http):
    base = server.store.now
    ids = [server.add_job(created_at=base - datetime.timedelta(hours=hours)) for hours in (5, 1, 3)]
    listed = [job["id"] for job in http.get(JOBS).json()["items"]]
    assert listed == [ids[1], ids[2], ids[0]]
    created = http.post(JOBS, json={"job_config": {}, "item_ids": ["x"]}).json()
    assert http.get(JOBS).json()["items"][0]["id"] == created["id"]


def test_paging_covers_every_job_once(server, http, spec_errors):
    ids = server.seed(23)
    first = http.get(JOBS, params={"limit": 10}).json()
    assert spec_errors("BatchJobPage", first) == []
    assert (len(first["items"]), first["total_size"]) == (10, 23)
    assert first["next_page_token"]  # handed out, accepted by nothing
    jobs, requests = walk(http, JOBS, 10)
    assert requests == 3
    assert [job["id"] for job in jobs] == list(reversed(ids))
    last = http.get(JOBS, params={"limit": 10, "offset": 20}).json()
    assert (len(last["items"]), last["next_page_token"]) == (3, None)


def test_offset_past_the_end_gives_an_empty_page(server, http):
    server.seed(3)
    page = http.get(JOBS, params={"offset": 50}).json()
    assert page == {"items": [], "next_page_token": None, "total_size": 3}


def test_default_limit_is_one_hundred(server, http):
    server.seed(120)
    page = http.get(JOBS).json()
    assert (len(page["items"]), page["total_size"]) == (100, 120)


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"status": "running"}, lambda job: job["status"] == "running"),
        ({"job_type": "classify"}, lambda job: job["job_type"] == "classify"),
        ({"directory_id": "dir-2"}, lambda job: job["directory_id"] == "dir-2"),
        (
            {"status": "completed", "job_type": "extract"},
            lambda job: job["status"] == "completed" and job["job_type"] == "extract",
        ),
    ],
)
def test_job_filters(server, http, params, predicate):
    server.seed(30)
    everything = server.jobs()
    expected = [job["id"] for job in everything if predicate(job)]
    assert expected  # the seed has some of each
    assert len(expected) < len(everything)
    jobs, _ = walk(http, JOBS, 4, **params)
    assert [job["id"] for job in jobs] == expected
    assert http.get(JOBS, params=params).json()["total_size"] == len(expected)


def test_project_scopes_the_listing(server, http):
    mine = server.add_job(project_id="proj-a")
    server.add_job(project_id="proj-b")
    page = http.get(JOBS, params={"project_id": "proj-a"}).json()
    assert [job["id"] for job in page["items"]] == [mine]
    assert page["total_size"] == 1
    # organization_id is accepted and changes nothing here.
    assert http.get(JOBS, params={"organization_id": "org-1"}).json()["total_size"] == 2


def test_items_page_and_filter_by_status(server, http, spec_errors):
    job_id = server.add_job(items=7, failed_items=2)
    server.run_until_idle()
    path = f"{JOBS}/{job_id}/items"
    page = http.get(path, params={"limit": 3}).json()
    assert spec_errors("BatchJobItemPage", page) == []
    assert (len(page["items"]), page["total_size"]) == (3, 7)
    items, requests = walk(http, path, 3)
    assert requests == 3
    assert [item["item_id"] for item in items] == [i["item_id"] for i in server.items(job_id)]
    failed = http.get(path, params={"status": "failed"}).json()
    assert failed["total_size"] == 2
    assert {item["status"] for item in failed["items"]} == {"failed"}
    completed, _ = walk(http, path, 2, status="completed")
    assert len(completed) == 5
    assert http.get(path, params={"status": "processing"}).json()["total_size"] == 0
