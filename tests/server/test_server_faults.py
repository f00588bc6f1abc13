"""Fault injection, seen at the raw HTTP level, and the record of every request."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from llama_cloud_batch.testing import BatchServer, Fault

from .conftest import JOBS, KEY, UNKNOWN_JOB_TYPE, UNKNOWN_STATUS


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_error_statuses_for_the_next_n_requests(server, http, status):
    server.seed(2)
    scheduled = server.inject(Fault.error(status), times=2)
    for _ in range(2):
        response = http.get(JOBS)
        assert response.status_code == status
        assert str(status) in response.json()["detail"]
    assert http.get(JOBS).status_code == 200
    assert (scheduled.hits, scheduled.remaining) == (2, 0)
    assert [r.fault for r in server.requests] == ["status", "status", None]
    assert [r.status for r in server.requests] == [status, status, 200]


@pytest.mark.parametrize("retry_after", ["0", "2", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_rate_limit_sends_retry_after(server, http, retry_after):
    server.inject(Fault.rate_limit(retry_after))
    response = http.get(JOBS)
    assert response.status_code == 429
    assert response.headers["retry-after"] == retry_after
    assert "detail" in response.json()


def test_rate_limit_without_retry_after(server, http):
    server.inject(Fault.rate_limit(None))
    response = http.get(JOBS)
    assert response.status_code == 429
    assert "retry-after" not in response.headers


def test_a_failed_create_creates_nothing(server, http):
    server.inject(Fault.error(503), method="POST")
    assert http.post(JOBS, json={"job_config": {}, "item_ids": ["f"]}).status_code == 503
    assert server.jobs() == []
    assert http.post(JOBS, json={"job_config": {}, "item_ids": ["f"]}).status_code == 200
    assert len(server.jobs()) == 1


def test_faults_match_method_path_and_operation(server, http):
    job_id = server.add_job()
    server.inject(Fault.error(502), method="POST")
    server.inject(Fault.error(500), path=f"{JOBS}/*/items*")
    server.inject(Fault.error(503), operation="getBatchJobStatus")
    assert http.get(JOBS).status_code == 200
    assert http.get(f"{JOBS}/{job_id}/items", params={"limit": 1}).status_code == 500
    assert http.get(f"{JOBS}/{job_id}/items").status_code == 200
    assert http.get(f"{JOBS}/{job_id}").status_code == 503
    assert http.post(f"{JOBS}/{job_id}/cancel").status_code == 502
    assert server.faults.pending() == []
    with pytest.raises(ValueError, match="no operation"):
        server.inject(Fault.drop(), operation="deleteEverything")


def test_faults_apply_in_the_order_they_were_added(server, http):
    server.inject(Fault.error(500), times=1)
    server.inject(Fault.error(502), times=1)
    assert [http.get(JOBS).status_code for _ in range(3)] == [500, 502, 200]
    server.inject(Fault.error(503), times=5)
    server.clear_faults()
    assert http.get(JOBS).status_code == 200


def test_faults_come_before_auth(server):
    # A rate limiter answers before the API looks at the key.
    server.inject(Fault.rate_limit("1"))
    assert httpx.get(server.url + JOBS).status_code == 429
    assert httpx.get(server.url + JOBS).status_code == 401


def test_hang_outlasts_the_client_timeout_then_serves_again(server):
    server.add_job()
    server.inject(Fault.hang(2.0))
    headers = {"Authorization": f"Bearer {KEY}"}
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.url + JOBS, headers=headers, timeout=0.3)
    assert time.monotonic() - started < 1.5
    assert httpx.get(server.url + JOBS, headers=headers, timeout=5).status_code == 200
    assert [r.fault for r in server.requests] == ["hang", None]


def test_a_hang_answers_normally_when_the_client_waits(server, http):
    server.inject(Fault.hang(0.2))
    started = time.monotonic()
    assert http.get(JOBS).status_code == 200
    assert time.monotonic() - started >= 0.2


def test_stop_cuts_a_hang_short():
    server = BatchServer(api_key=KEY).start()
    server.inject(Fault.hang(60))
    failures: list[BaseException] = []

    def call() -> None:
        try:
            httpx.get(server.url + JOBS, headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
        except httpx.HTTPError as error:
            failures.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    while not server.requests:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    caller.join(10)
    assert not caller.is_alive()
    assert time.monotonic() - started < 5
    assert len(failures) == 1  # the hung request got no answer


def test_drop_closes_the_connection_without_an_answer(server, http):
    server.inject(Fault.drop())
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(JOBS)
    assert http.get(JOBS).status_code == 200
    assert [(r.fault, r.status) for r in server.requests] == [("drop", None), (None, 200)]


def test_not_json(server, http):
    server.inject(Fault.not_json())
    response = http.get(JOBS)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()
    server.inject(Fault.not_json(b"Bad Gateway", status=502, content_type="text/plain"))
    response = http.get(JOBS)
    assert (response.status_code, response.text) == (502, "Bad Gateway")
    assert response.headers["content-type"] == "text/plain"


def test_unknown_enum_values(server, http):
    job_id = server.add_job(status="running")
    server.inject(Fault.unknown_enum(UNKNOWN_STATUS), times=3)
    assert {job["status"] for job in http.get(JOBS).json()["items"]} == {UNKNOWN_STATUS}
    assert http.get(f"{JOBS}/{job_id}").json()["job"]["status"] == UNKNOWN_STATUS
    items = http.get(f"{JOBS}/{job_id}/items").json()["items"]
    assert {item["status"] for item in items} == {UNKNOWN_STATUS}
    assert http.get(f"{JOBS}/{job_id}").json()["job"]["status"] == "running"
    server.inject(Fault.unknown_enum(UNKNOWN_JOB_TYPE, field="job_type"))
    assert http.get(f"{JOBS}/{job_id}").json()["job"]["job_type"] == UNKNOWN_JOB_TYPE


def test_extra_properties_on_every_object(server, http):
    job_id = server.add_job(status="completed", items=1)
    item_id = server.items(job_id)[0]["item_id"]
    server.inject(Fault.extra_properties({"brand_new": {"nested": [1]}}), times=2)
    page = http.get(JOBS).json()
    assert page["brand_new"] == {"nested": [1]}
    assert page["items"][0]["brand_new"] == {"nested": [1]}
    results = http.get(f"{JOBS}/items/{item_id}/processing-results").json()
    assert results["brand_new"] == results["processing_results"][0]["brand_new"]
    assert results["processing_results"][0]["job_config"]["brand_new"] == {"nested": [1]}
    assert "brand_new" not in http.get(JOBS).json()


def test_fault_arguments_are_checked():
    with pytest.raises(ValueError, match="4xx or 5xx"):
        Fault.error(200)
    with pytest.raises(ValueError, match="at most 300"):
        Fault.hang(301)
    with pytest.raises(ValueError, match="at least one"):
        BatchServer(api_key=KEY).inject(Fault.drop(), times=0)


def test_requests_are_recorded_without_the_key(server, http):
    http.post(
        f"{JOBS}/..%2Fx/cancel",
        params={"project_id": "p 1", "organization_id": "o"},
        json={"reason": "why"},
        headers={"temporal-namespace": "ns"},
    )
    (record,) = server.requests
    assert record.method == "POST"
    assert record.path == f"{JOBS}/..%2Fx/cancel"  # as sent: still percent-encoded
    assert record.raw_path.startswith(record.path + "?")
    assert record.query == {"project_id": ["p 1"], "organization_id": ["o"]}
    assert record.json() == {"reason": "why"}
    assert record.headers["temporal-namespace"] == "ns"
    assert record.headers["authorization"] == "Bearer [redacted]"
    assert record.authorized is True
    assert record.operation_id == "cancelBatchJob"
    assert record.status == 404  # no job "../x"
    assert KEY not in repr(server.requests)
    assert len(server.requests_for("cancelBatchJob")) == 1
    server.clear_requests()
    assert server.requests == []


@pytest.mark.parametrize(
    ("value", "kept"),
    [(f"Bearer {KEY}", "Bearer [redacted]"), (KEY, "[redacted]"), (f"Bearer{KEY}", "[redacted]")],
)
def test_no_form_of_the_authorization_header_is_recorded(server, value, kept):
    httpx.get(server.url + JOBS, headers={"Authorization": value})
    (record,) = server.requests
    assert record.headers["authorization"] == kept


def test_a_job_id_with_a_slash_stays_one_path_segment(server, http):
    response = http.get(f"{JOBS}/a%2Fb%3Fc/items")
    assert response.status_code == 404
    assert "'a/b?c'" in response.json()["detail"]
    assert server.requests[0].operation_id == "listBatchJobItems"


def test_every_answer_has_a_request_id(server, http):
    ids = {http.get(JOBS).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
