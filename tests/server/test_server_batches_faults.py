"""The beta's faults apply to the v2 operations too, over raw HTTP and through client.batches."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from llama_cloud_batch import APIResponseValidationError, LlamaCloud, RateLimitError
from llama_cloud_batch.testing import BatchServer, Fault

from .conftest import KEY, unknown_value

BATCHES = "/api/v2/batches"
CREATE = {
    "config": {"job": {"type": "parse_v2", "configuration_id": "c"}},
    "source_directory_id": "d",
}


@pytest.fixture
def client(server: BatchServer) -> Iterator[LlamaCloud]:
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=2, timeout=5.0) as made:
        yield made


def calls(batch_id: str) -> list[tuple[str, str, str, dict | None]]:
    """(operation as the client names it, method, path, JSON body) of each v2 operation."""
    return [
        ("list_batches", "GET", BATCHES, None),
        ("create_batch", "POST", BATCHES, CREATE),
        ("get_batch", "GET", f"{BATCHES}/{batch_id}", None),
        ("cancel_batch", "POST", f"{BATCHES}/{batch_id}/cancel", None),
    ]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_error_faults_answer_each_v2_operation_in_its_place(server, http, status):
    batch_id = server.add_batch()
    for name, method, path, body in calls(batch_id):
        scheduled = server.inject(Fault.error(status), operation=name)
        assert http.request(method, path, json=body).status_code == status
        assert http.request(method, path, json=body).status_code == 200
        assert scheduled.hits == 1
    assert len(server.batches()) == 2  # the refused create made nothing


def test_a_rate_limited_get_is_retried_by_the_client(server, client, sleeps):
    batch_id = server.add_batch()
    server.inject(Fault.rate_limit("0"), times=2, operation="getBatch")
    assert client.batches.get(batch_id).id == batch_id
    assert [r.status for r in server.requests_for("get_batch")] == [429, 429, 200]
    server.inject(Fault.rate_limit("0"), times=3, path=f"{BATCHES}*")
    with pytest.raises(RateLimitError):
        client.batches.list()


def test_an_unknown_status_and_extra_properties_reach_the_client_intact(server, client):
    batch_id = server.add_batch()
    value = unknown_value("BatchStatus")
    server.inject(Fault.unknown_enum(value), operation="get_batch")
    batch = client.batches.get(batch_id)
    assert batch.status == value
    assert not batch.status.is_known
    assert not batch.status.is_final  # unknown is not final: a wait goes on
    server.inject(Fault.extra_properties({"added_later": {"n": 1}}), operation="list_batches")
    listed = client.batches.list().items[0]
    assert listed.additional_properties["added_later"] == {"n": 1}
    assert listed.config.job.additional_properties["added_later"] == {"n": 1}
    assert server.violations == []  # faults break answers after the spec check, on purpose


def test_drop_and_not_json_on_v2(server, http, client):
    batch_id = server.add_batch()
    server.inject(Fault.drop(), operation="cancelBatch")
    with pytest.raises(httpx.RemoteProtocolError):
        http.post(f"{BATCHES}/{batch_id}/cancel")
    assert server.batch(batch_id)["status"] == "PENDING"  # dropped before it reached the store
    server.inject(Fault.not_json(), operation="getBatch")
    with pytest.raises(APIResponseValidationError):
        client.batches.get(batch_id)


def test_a_hang_delays_a_v2_answer(server, http):
    server.inject(Fault.hang(0.3), operation="listBatches")
    started = time.monotonic()
    assert http.get(BATCHES).status_code == 200
    assert time.monotonic() - started >= 0.3
