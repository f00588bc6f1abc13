"""The server's response validation is live: an answer that breaks the spec is never sent."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from llama_cloud_batch.testing import BatchServer, Fault

from .conftest import JOBS, KEY, UNKNOWN_JOB_TYPE, UNKNOWN_STATUS


@pytest.fixture
def bad_server() -> Iterator[tuple[BatchServer, httpx.Client]]:
    """A server of its own: these tests leave violations behind on purpose."""
    with BatchServer(api_key=KEY) as server:
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=5) as http:
            yield server, http


def test_a_status_the_spec_does_not_know_is_refused(bad_server):
    server, http = bad_server
    good = server.add_job()
    bad = server.add_job(status=UNKNOWN_STATUS)
    response = http.get(JOBS)
    assert response.status_code == 500
    assert "breaks the spec" in response.json()["detail"]
    assert UNKNOWN_STATUS in response.json()["detail"]
    (violation,) = server.violations
    assert violation.operation_id == "listBatchJobs"
    assert violation.status == 200
    assert any("items/0/status" in error for error in violation.errors)
    assert violation.body["items"][0]["id"] == bad
    # Only answers holding the bad job are refused.
    assert http.get(f"{JOBS}/{good}").status_code == 200
    assert http.get(f"{JOBS}/{bad}").status_code == 500
    assert len(server.violations) == 2
    with pytest.raises(AssertionError, match="getBatchJobStatus"):
        server.assert_no_violations()


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"total_items": "three"}, "job/total_items"),
        ({"id": None}, "job/id"),
        ({"created_at": "last tuesday"}, "job/created_at"),
        ({"job_type": UNKNOWN_JOB_TYPE}, "job/job_type"),
    ],
)
def test_stored_data_that_breaks_a_schema_is_refused(bad_server, extra, where):
    server, http = bad_server
    job_id = server.add_job(extra=extra)
    response = http.get(f"{JOBS}/{job_id}")
    assert response.status_code == 500
    (violation,) = server.violations
    assert any(error.startswith(f"at {where}:") for error in violation.errors), violation.errors


def test_unknown_properties_are_fine_because_the_spec_allows_them(bad_server):
    server, http = bad_server
    job_id = server.add_job(extra={"priority_hint": "high"})
    assert http.get(f"{JOBS}/{job_id}").json()["job"]["priority_hint"] == "high"
    assert server.violations == []


def test_a_broken_processing_result_is_refused(bad_server, monkeypatch):
    server, http = bad_server
    job_id = server.add_job(items=1)
    server.run_until_idle()
    item_id = server.items(job_id)[0]["item_id"]
    original = server.store.processing_results

    def without_hash(item: str, job_type: str | None = None) -> dict:
        body = original(item, job_type)
        del body["processing_results"][0]["parameters_hash"]
        return body

    monkeypatch.setattr(server.store, "processing_results", without_hash)
    response = http.get(f"{JOBS}/items/{item_id}/processing-results")
    assert response.status_code == 500
    (violation,) = server.violations
    assert "'parameters_hash' is a required property" in str(violation)


def test_an_undocumented_status_is_refused(bad_server, monkeypatch):
    server, http = bad_server
    job_id = server.add_job()

    def conflict(*args: object, **kwargs: object) -> dict:
        from llama_cloud_batch.testing._app import _Answer

        raise _Answer(409, {"detail": "conflict"})

    monkeypatch.setattr(server.store, "cancel", conflict)
    response = http.post(f"{JOBS}/{job_id}/cancel")
    assert response.status_code == 500
    (violation,) = server.violations
    assert violation.errors == ("status 409 is not a documented answer of cancelBatchJob",)


def test_a_crash_in_the_server_is_a_500_and_recorded(bad_server, monkeypatch):
    server, http = bad_server

    def crash(**kwargs: object) -> dict:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(server.store, "list_jobs", crash)
    response = http.get(JOBS)
    assert response.status_code == 500
    assert "failed" in response.json()["detail"]
    (error,) = server.errors
    assert "ZeroDivisionError: boom" in error
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        server.assert_no_violations()


def test_a_fault_bypasses_validation_only_for_the_answer_it_touches(bad_server):
    server, http = bad_server
    job_id = server.add_job()
    server.inject(Fault.unknown_enum(UNKNOWN_STATUS), times=1)
    assert http.get(f"{JOBS}/{job_id}").json()["job"]["status"] == UNKNOWN_STATUS
    assert server.violations == []
    # The real answer under a transforming fault is still checked.
    bad = server.add_job(extra={"total_items": -1.5})
    server.inject(Fault.extra_properties(), times=1)
    assert http.get(f"{JOBS}/{bad}").status_code == 500
    assert len(server.violations) == 1
