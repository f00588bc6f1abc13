"""Faults the local server can inject, met by the public client (sync and async): typed errors
for answers that are not JSON, unknown enum values and properties kept, and what arrives on the
wire. How the client retries (429, 5xx, dropped connections, timeouts) is tests/client/
test_retries.py's, against a scripted server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from llama_cloud_batch import (
    APIResponseValidationError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    NotFoundError,
)
from llama_cloud_batch.testing import BatchServer, Fault

from .conftest import KEY, UNKNOWN_JOB_TYPE, UNKNOWN_STATUS


@pytest.fixture
def client(server: BatchServer) -> Iterator[LlamaCloud]:
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=2, timeout=5.0) as made:
        yield made


@pytest.fixture
async def aclient(server: BatchServer) -> AsyncIterator[AsyncLlamaCloud]:
    made = AsyncLlamaCloud(api_key=KEY, base_url=server.url, max_retries=2, timeout=5.0)
    yield made
    await made.close()


# ----- a body that is not JSON -------------------------------------------------------------


def test_a_body_that_is_not_json_raises_a_validation_error(server, client):
    job_id = server.add_job()
    server.inject(Fault.not_json())
    with pytest.raises(APIResponseValidationError) as raised:
        client.beta.batch.get_status(job_id)
    assert str(raised.value).startswith("get_batch_job_status: ")
    assert "not JSON" in str(raised.value)
    assert len(server.requests) == 1  # a 200 is an answer: nothing to retry


def test_a_5xx_html_page_is_an_internal_server_error(server, client):
    server.inject(Fault.not_json(b"<h1>Bad Gateway</h1>", status=502, content_type="text/html"), 3)
    with pytest.raises(InternalServerError) as raised:
        client.beta.batch.list()
    assert raised.value.status_code == 502


async def test_async_not_json(server, aclient):
    server.inject(Fault.not_json())
    with pytest.raises(APIResponseValidationError):
        await aclient.beta.batch.list()


# ----- enum values and properties the spec does not know -----------------------------------


def test_unknown_enum_values_parse_and_compare_as_strings(server, client):
    job_id = server.add_job(status="running", items=2)
    server.inject(Fault.unknown_enum(UNKNOWN_STATUS), times=3)
    (job,) = client.beta.batch.list().items
    assert job.status == UNKNOWN_STATUS
    assert not job.status.is_known
    assert job.to_dict()["status"] == UNKNOWN_STATUS
    assert client.beta.batch.get_status(job_id).job.status == UNKNOWN_STATUS
    items = client.beta.batch.job_items.list(job_id).items
    assert {item.status for item in items} == {UNKNOWN_STATUS}
    server.inject(Fault.unknown_enum(UNKNOWN_JOB_TYPE, field="job_type"))
    assert client.beta.batch.get_status(job_id).job.job_type == UNKNOWN_JOB_TYPE


def test_unknown_properties_are_kept_and_round_trip(server, client):
    job_id = server.add_job(status="completed", items=1)
    item_id = server.items(job_id)[0]["item_id"]
    extra = {"x_new_field": {"nested": [1, 2]}}
    server.inject(Fault.extra_properties(extra), times=3)
    page = client.beta.batch.list()
    (job,) = page.items
    assert job.additional_properties == extra
    assert job.to_dict()["x_new_field"] == {"nested": [1, 2]}
    results = client.beta.batch.job_items.get_processing_results(item_id)
    result = results.processing_results[0]
    assert result.additional_properties == extra
    assert result.job_config.to_dict()["x_new_field"] == {"nested": [1, 2]}
    assert client.beta.batch.get_status(job_id).to_dict()["job"]["x_new_field"] == {
        "nested": [1, 2]
    }


async def test_async_unknown_enum_and_properties(server, aclient):
    job_id = server.add_job()
    server.inject(Fault.unknown_enum(UNKNOWN_STATUS))
    assert (await aclient.beta.batch.get_status(job_id)).job.status == UNKNOWN_STATUS
    server.inject(Fault.extra_properties({"later": True}))
    assert (await aclient.beta.batch.cancel(job_id)).additional_properties == {"later": True}


# ----- what arrives on the wire ------------------------------------------------------------


def test_path_parameters_arrive_percent_encoded(server, client):
    for call in (
        lambda: client.beta.batch.get_status("../x"),
        lambda: client.beta.batch.job_items.list("../x").items,
        lambda: client.beta.batch.cancel("a/b?c"),
        lambda: client.beta.batch.job_items.get_processing_results("../x"),
    ):
        with pytest.raises(NotFoundError, match="not found"):
            call()
    paths = [r.path for r in server.requests]
    assert paths == [
        "/api/v1/beta/batch-processing/..%2Fx",
        "/api/v1/beta/batch-processing/..%2Fx/items",
        "/api/v1/beta/batch-processing/a%2Fb%3Fc/cancel",
        "/api/v1/beta/batch-processing/items/..%2Fx/processing-results",
    ]
    assert {r.operation_id for r in server.requests} == {
        "getBatchJobStatus",
        "listBatchJobItems",
        "cancelBatchJob",
        "getItemProcessingResults",
    }


def test_the_client_sends_nothing_the_spec_does_not_have(server, client):
    job_id = server.add_job(status="completed", items=3)
    list(client.beta.batch.list(limit=1, status="completed", job_type="parse"))
    list(client.beta.batch.job_items.list(job_id, limit=2, status="completed"))
    # The server refuses unknown query parameters and checks every body against the spec.
    assert {r.status for r in server.requests} == {200}
    assert all(r.authorized for r in server.requests)
    assert all(KEY not in str(r.headers) for r in server.requests)


def test_server_helpers_work_with_a_fresh_server():
    with BatchServer(api_key=KEY) as fresh, LlamaCloud(api_key=KEY, base_url=fresh.url) as client:
        job_id = fresh.add_job(items=2)
        fresh.run_until_idle()
        assert client.beta.batch.get_status(job_id).progress_percentage == 100
