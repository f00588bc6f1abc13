"""What the server derives from the spec alone: an operation added later is routed, checked and
faulted with no server code, and answered 501 (naming it) until it has a handler; operations
are named by operationId or as the client prints them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from llama_cloud_batch.testing import BatchServer, Fault
from llama_cloud_batch.testing._spec import Spec, load_spec

from .conftest import KEY

HEADERS = {"Authorization": f"Bearer {KEY}"}


def scratch_server(edit: Callable[[dict[str, Any]], None]) -> BatchServer:
    """A server over a copy of the package's spec, changed by `edit` (the package's own spec,
    and every other server, stay as they are)."""
    document = load_spec()
    edit(document)
    return BatchServer(api_key=KEY, spec=Spec(document))


def new_name(taken: Any, name: str) -> str:
    while name in taken:
        name += "Again"
    return name


@pytest.fixture
def added() -> Iterator[tuple[BatchServer, str]]:
    """A server whose spec has one more operation, `GET /api/v9/things/{thing_id}`."""
    names: list[str] = []

    def add(document: dict[str, Any]) -> None:
        taken = {op["operationId"] for item in document["paths"].values() for op in item.values()}
        names.append(new_name(taken, "getThing"))
        document["paths"]["/api/v9/things/{thing_id}"] = {
            "get": {
                "operationId": names[0],
                "parameters": [
                    {
                        "name": "thing_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "depth", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": {
                    "200": {"description": "A thing."},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "422": {"$ref": "#/components/responses/ValidationError"},
                },
            }
        }

    with scratch_server(add) as server:
        yield server, names[0]
    server.assert_no_violations()


def test_an_operation_without_a_handler_answers_501_naming_it(added):
    server, name = added
    with httpx.Client(base_url=server.url, headers=HEADERS, timeout=5.0) as http:
        answer = http.get("/api/v9/things/t-1", params={"depth": 2})
        assert answer.status_code == 501
        detail = answer.json()["detail"]
        assert name in detail
        assert "GET /api/v9/things/{thing_id}" in detail
        assert "no local implementation" in detail
        # Everything before the answer comes from the spec: the key, validation, routes.
        assert httpx.get(server.url + "/api/v9/things/t-1").status_code == 401
        invalid = http.get("/api/v9/things/t-1", params={"depth": 0})
        assert invalid.status_code == 422
        assert invalid.json()["detail"][0]["loc"] == ["query", "depth"]
        assert http.post("/api/v9/things/t-1").status_code == 405
    assert [r.status for r in server.requests_for(name)] == [501, 401, 422]
    assert server.violations == []  # the server speaking of itself is no spec violation
    assert server.errors == []  # ... nor a failure of the server


def test_faults_apply_to_an_operation_added_later(added):
    server, name = added
    server.inject(Fault.error(503), operation=name)
    with httpx.Client(base_url=server.url, headers=HEADERS, timeout=5.0) as http:
        assert http.get("/api/v9/things/t-1").status_code == 503
        assert http.get("/api/v9/things/t-1").status_code == 501


def test_an_input_added_later_is_refused_not_ignored():
    def add(document: dict[str, Any]) -> None:
        listing = document["paths"]["/api/v2/batches"]["get"]
        taken = {parameter["name"] for parameter in listing["parameters"]}
        name = new_name(taken, "added_later")
        listing["parameters"].append({"name": name, "in": "query", "schema": {"type": "string"}})
        created = document["components"]["schemas"]["BatchCreate"]["properties"]
        created[new_name(created, "added_later")] = {"type": "string"}

    with (
        scratch_server(add) as server,
        httpx.Client(base_url=server.url, headers=HEADERS, timeout=5.0) as http,
    ):
        assert http.get("/api/v2/batches").status_code == 200
        filtered = http.get("/api/v2/batches", params={"added_later": "x"})
        assert filtered.status_code == 501
        assert "listBatches" in filtered.json()["detail"]
        assert "added_later" in filtered.json()["detail"]
        body = {"config": {"job": {"type": "parse_v2", "configuration_id": "c"}}}
        body["source_directory_id"] = "d"
        refused = http.post("/api/v2/batches", json={**body, "added_later": "x"})
        assert refused.status_code == 501
        assert "added_later" in refused.json()["detail"]
        assert server.batches() == []  # refused before it reached the store
        # A property the spec does not list is not an input of the API: allowed as before.
        assert http.post("/api/v2/batches", json={**body, "not_in_spec": 1}).status_code == 200
        server.assert_no_violations()


def test_every_handler_answers_an_operation_of_the_spec(server):
    # A handler left behind by an operation removed from the spec is dead code.
    assert set(server.app.handlers) <= set(server.app.spec.by_id)


# ----- naming operations -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["getBatch", "get_batch", "GET_BATCH", "getbatch", "get_batch_"])
def test_operations_are_named_by_operation_id_or_as_the_client_prints_them(server, http, name):
    batch_id = server.add_batch()
    server.inject(Fault.error(502), operation=name)
    assert http.get("/api/v2/batches").status_code == 200
    assert http.get(f"/api/v2/batches/{batch_id}").status_code == 502
    assert [r.status for r in server.requests_for(name)] == [502]


def test_the_name_in_a_client_error_is_one_the_server_takes(server):
    from llama_cloud_batch import LlamaCloud, NotFoundError

    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(NotFoundError) as raised:
            client.batches.get("bat-missing")
    printed = str(raised.value).split(":", 1)[0]
    assert server.requests_for(printed)[0].status == 404


@pytest.mark.parametrize("name", ["batches.get", "getBatches", "deleteEverything", ""])
def test_a_name_that_is_no_operation_raises_listing_the_valid_ones(server, name):
    with pytest.raises(ValueError, match="no operation") as raised:
        server.inject(Fault.drop(), operation=name)
    message = str(raised.value)
    for operation in server.app.spec.operations:
        assert operation.operation_id in message
    assert "get_batch" in message  # as the client prints it
    with pytest.raises(ValueError, match="no operation"):
        server.requests_for(name)
    assert server.faults.pending() == []
