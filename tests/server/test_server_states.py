"""The job life cycle: ticks move jobs and items, results appear, cancel stops work."""

from __future__ import annotations

import datetime
import time

import httpx
import pytest
from llama_cloud_batch.testing import BatchServer

from .conftest import JOBS, KEY


def status(http: httpx.Client, job_id: str) -> dict:
    response = http.get(f"{JOBS}/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


def item_statuses(http: httpx.Client, job_id: str) -> list[str]:
    return [item["status"] for item in http.get(f"{JOBS}/{job_id}/items").json()["items"]]


def test_a_job_moves_pending_running_completed_one_tick_at_a_time(server, http, spec_errors):
    job_id = server.add_job(items=3)  # two items start per tick
    assert status(http, job_id)["job"]["status"] == "pending"
    assert item_statuses(http, job_id) == ["pending"] * 3

    server.tick()
    progress = status(http, job_id)
    assert progress["job"]["status"] == "running"
    assert progress["job"]["started_at"] is not None
    assert progress["progress_percentage"] == 0

    server.tick()
    assert item_statuses(http, job_id) == ["processing", "processing", "pending"]

    server.tick()
    assert item_statuses(http, job_id) == ["completed", "completed", "processing"]
    progress = status(http, job_id)
    assert progress["job"]["processed_items"] == 2
    assert progress["progress_percentage"] == pytest.approx(66.67)

    server.tick()
    progress = status(http, job_id)
    assert progress["job"]["status"] == "completed"
    assert progress["job"]["completed_at"] is not None
    assert progress["job"]["processed_items"] == 3
    assert progress["progress_percentage"] == 100
    assert item_statuses(http, job_id) == ["completed"] * 3
    assert spec_errors("BatchJobProgress", progress) == []


def test_timestamps_follow_the_clock(server, http):
    start = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    with BatchServer(api_key=KEY, start_time=start, tick_seconds=10) as timed:
        job_id = timed.add_job(items=1)
        timed.tick()
        job = timed.job(job_id)
        assert job["created_at"] == "2025-01-02T03:04:05Z"
        assert job["started_at"] == "2025-01-02T03:04:15Z"
        assert timed.advance(25) == 2  # ticks due at +20 s and +30 s
        job = timed.job(job_id)
        assert job["status"] == "completed"
        assert job["completed_at"] == "2025-01-02T03:04:35Z"
        assert timed.advance(4) == 0
        assert timed.advance(1) == 1  # the 6th tick falls due at +50 s


def test_failed_and_skipped_items_and_a_failed_job(server, http):
    job_id = server.add_job(items=5, failed_items=2, skipped_items=1, outcome="failed")
    server.tick()
    assert item_statuses(http, job_id) == ["skipped", "pending", "pending", "pending", "pending"]
    assert server.run_until_idle() > 0
    job = status(http, job_id)["job"]
    assert job["status"] == "failed"
    assert job["error_message"]
    assert (job["processed_items"], job["failed_items"], job["skipped_items"]) == (4, 2, 1)
    items = http.get(f"{JOBS}/{job_id}/items").json()["items"]
    assert [item["status"] for item in items] == [
        "skipped",
        "completed",
        "completed",
        "failed",
        "failed",
    ]
    assert items[0]["skip_reason"]
    assert items[3]["error_message"]
    # Only completed items have results.
    for item in items:
        results = http.get(f"{JOBS}/items/{item['item_id']}/processing-results").json()
        assert len(results["processing_results"]) == (item["status"] == "completed")


def test_a_job_with_failed_items_still_completes_unless_told_to_fail(server, http):
    job_id = server.add_job(items=2, failed_items=1)
    server.run_until_idle()
    job = status(http, job_id)["job"]
    assert (job["status"], job["failed_items"], job["error_message"]) == ("completed", 1, None)


@pytest.mark.parametrize(
    ("job_type", "config_key"),
    [("parse", "job_name"), ("classify", "rules"), ("extract", "job_name")],
)
def test_results_carry_the_job_config_of_the_job_type(
    server, http, spec_errors, job_type, config_key
):
    job_id = server.add_job(job_type=job_type, items=1)
    server.run_until_idle()
    item_id = server.items(job_id)[0]["item_id"]
    body = http.get(f"{JOBS}/items/{item_id}/processing-results").json()
    assert spec_errors("ItemProcessingResults", body) == []
    (result,) = body["processing_results"]
    assert result["job_type"] == job_type
    assert config_key in result["job_config"]
    assert result["item_id"] == item_id
    assert result["output_s3_path"].endswith(f"{item_id}.json")
    component = "ClassifyJob" if job_type == "classify" else "ParseJobConfig"
    assert spec_errors(component, result["job_config"]) == []


def test_results_of_one_file_across_jobs_filter_by_job_type(server, http):
    parse_job = http.post(JOBS, json={"job_config": {}, "item_ids": ["file-a", "file-b"]}).json()
    classify_config = {
        "id": "cls-1",
        "project_id": "proj-local",
        "user_id": "u-1",
        "status": "PENDING",
        "rules": [{"type": "invoice", "description": "An invoice."}],
    }
    classify_job = http.post(
        JOBS, json={"job_config": classify_config, "item_ids": ["file-a"]}
    ).json()
    assert (parse_job["job_type"], classify_job["job_type"]) == ("parse", "classify")
    server.run_until_idle()
    url = f"{JOBS}/items/file-a/processing-results"
    everything = http.get(url).json()["processing_results"]
    assert sorted(r["job_type"] for r in everything) == ["classify", "parse"]
    classify_only = http.get(url, params={"job_type": "classify"}).json()["processing_results"]
    assert [r["job_config"]["id"] for r in classify_only] == ["cls-1"]
    assert http.get(url, params={"job_type": "extract"}).json()["processing_results"] == []


def test_create_over_a_directory_takes_its_files(server, http):
    names = ["a.pdf", "b.pdf", "c.pdf", "d.pdf"]
    file_ids = server.add_directory("dir-known", names)
    job = http.post(JOBS, json={"job_config": {}, "directory_id": "dir-known"}).json()
    assert (job["status"], job["total_items"], job["directory_id"]) == ("pending", 4, "dir-known")
    items = http.get(f"{JOBS}/{job['id']}/items").json()["items"]
    assert [item["item_id"] for item in items] == file_ids
    assert [item["item_name"] for item in items] == names
    assert {item["job_id"] for item in items} == {job["id"]}
    # A directory nobody registered still has files, so a create never needs setup.
    other = http.post(JOBS, json={"job_config": {}, "directory_id": "dir-new"}).json()
    assert other["total_items"] == 3


def test_create_uses_the_project_in_the_query(server, http):
    job = http.post(
        JOBS, params={"project_id": "proj-7"}, json={"job_config": {}, "item_ids": ["f"]}
    ).json()
    assert job["project_id"] == "proj-7"
    # Another project does not see it.
    assert http.get(f"{JOBS}/{job['id']}", params={"project_id": "proj-8"}).status_code == 404
    assert http.get(f"{JOBS}/{job['id']}", params={"project_id": "proj-7"}).status_code == 200


def test_cancel_stops_a_running_job_and_cancels_its_unfinished_items(server, http, spec_errors):
    job_id = server.add_job(items=5)
    server.tick(3)  # running; items 1-2 completed, 3-4 processing, 5 pending
    assert item_statuses(http, job_id) == [
        "completed",
        "completed",
        "processing",
        "processing",
        "pending",
    ]
    response = http.post(f"{JOBS}/{job_id}/cancel", json={"reason": "no longer needed"})
    assert response.status_code == 200
    result = response.json()
    assert spec_errors("BatchJobCancelResult", result) == []
    assert result["job_id"] == job_id
    assert result["status"] == "cancelled"
    assert result["processed_items"] == 2
    assert "no longer needed" in result["message"]
    assert item_statuses(http, job_id) == [
        "completed",
        "completed",
        "cancelled",
        "cancelled",
        "cancelled",
    ]
    server.tick(5)  # a cancelled job never moves again
    assert status(http, job_id)["job"]["status"] == "cancelled"
    assert item_statuses(http, job_id)[2:] == ["cancelled"] * 3


def test_cancel_without_a_body_and_of_a_pending_job(server, http):
    job_id = server.add_job(items=2)
    result = http.post(f"{JOBS}/{job_id}/cancel").json()
    assert result["status"] == "cancelled"
    assert result["processed_items"] == 0


def test_cancel_of_a_finished_job_changes_nothing(server, http):
    job_id = server.add_job(status="completed", items=2)
    result = http.post(f"{JOBS}/{job_id}/cancel", json={}).json()
    assert result["status"] == "completed"
    assert "already completed" in result["message"]
    assert status(http, job_id)["job"]["status"] == "completed"


def test_seeded_jobs_are_consistent_and_varied(server, spec_errors):
    ids = server.seed(14)
    jobs = server.jobs()
    assert [job["id"] for job in jobs] == list(reversed(ids))  # newest first
    assert {job["status"] for job in jobs} == {
        "pending",
        "running",
        "completed",
        "failed",
        "cancelled",
    }
    assert {job["job_type"] for job in jobs} == {"parse", "classify", "extract"}
    for job in jobs:
        assert spec_errors("BatchJob", job) == []
        items = server.items(job["id"])
        assert job["total_items"] == len(items)
        done = [i for i in items if i["status"] in ("completed", "failed")]
        assert job["processed_items"] == len(done)
        if job["status"] == "completed":
            assert {i["status"] for i in items} <= {"completed", "failed", "skipped"}
        if job["status"] == "running":
            assert any(i["status"] == "processing" for i in items)
            assert job["processed_items"] > 0 or job["total_items"] < 2
        if job["status"] == "cancelled":
            assert "cancelled" in {i["status"] for i in items}
    # Same seed, same jobs.
    with BatchServer(api_key=KEY, start_time=None) as again:
        assert again.seed(14) == ids


def test_add_job_in_each_status(server):
    for wanted in ("pending", "dispatched", "running", "completed", "failed", "cancelled"):
        job_id = server.add_job(
            status=wanted, items=4, outcome="failed" if wanted == "failed" else "completed"
        )
        assert server.job(job_id)["status"] == wanted
    dispatched = next(j for j in server.jobs() if j["status"] == "dispatched")
    server.tick()
    assert server.job(dispatched["id"])["status"] == "running"


def test_run_until_idle_is_bounded(server):
    server.add_job(items=50)
    with pytest.raises(RuntimeError, match="still active"):
        server.run_until_idle(max_ticks=3)
    assert server.run_until_idle() > 0


def test_auto_tick_moves_jobs_in_real_time():
    with BatchServer(api_key=KEY, auto_tick=0.02) as auto:
        job_id = auto.add_job(items=2)
        deadline = time.monotonic() + 5
        while auto.job(job_id)["status"] != "completed" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert auto.job(job_id)["status"] == "completed"
