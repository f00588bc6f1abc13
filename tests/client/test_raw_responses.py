"""with_raw_response and with_streaming_response: headers and request ids of successful calls,
parse() giving what the plain call gives, and retries, errors and redaction as for plain calls."""

from __future__ import annotations

import inspect
import json

import httpx
import pytest
from factories import API_KEY, item, job, page, paged
from llama_cloud_batch import (
    APIResponse,
    APIResponseValidationError,
    AsyncAPIResponse,
    AsyncLlamaCloud,
    AsyncPage,
    BatchJobProgress,
    InternalServerError,
    LlamaCloud,
    NotFoundError,
    SyncPage,
)
from scripted_server import Received, Reply, ScriptedServer
from surface_map import resource_methods

PROGRESS = {"job": job(1, status="running"), "progress_percentage": 40}


def progress_reply(request: Received) -> Reply:
    return Reply(200, PROGRESS, headers={"x-request-id": "req-42", "x-ratelimit-remaining": "9"})


def test_raw_response_has_status_headers_request_id_and_parses_as_the_plain_call(
    server: ScriptedServer,
) -> None:
    server.script = progress_reply
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        response = client.beta.batch.with_raw_response.get_status("bjb-1", project_id="p-1")
        plain = client.beta.batch.get_status("bjb-1", project_id="p-1")
    assert isinstance(response, APIResponse)
    assert response.status_code == 200
    assert response.request_id == "req-42"
    assert response.headers["x-ratelimit-remaining"] == "9"
    assert isinstance(response.http_response, httpx.Response)
    assert json.loads(response.read()) == PROGRESS
    parsed = response.parse()
    assert isinstance(parsed, BatchJobProgress)
    assert parsed.to_dict() == plain.to_dict()
    assert response.parse() is parsed  # parsed once
    assert [r.query for r in server.received] == [{"project_id": "p-1"}] * 2


def test_request_id_is_none_when_the_server_sends_none(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, PROGRESS)
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        assert client.beta.batch.with_raw_response.get_status("bjb-1").request_id is None


def test_raw_error_status_raises_the_typed_error_after_the_same_retries(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    # The error body echoes the key: the message must not.
    server.script = lambda r: Reply(500, {"detail": f"token {API_KEY} rejected"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=2) as client:
        with pytest.raises(InternalServerError) as raised:
            client.beta.batch.with_raw_response.get_status("bjb-1")
        assert len(server.received) == 3
        with pytest.raises(InternalServerError):
            with client.beta.batch.with_streaming_response.get_status("bjb-1", max_retries=0):
                pytest.fail("the body of an error is not handed out")
    assert len(server.received) == 4
    assert API_KEY not in str(raised.value)
    assert "[redacted]" in str(raised.value)


def test_raw_create_still_checks_its_arguments_and_is_not_resent_after_a_500(
    server: ScriptedServer,
) -> None:
    server.script = lambda r: Reply(500, {"detail": "boom"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(ValueError, match="exactly one of directory_id and item_ids"):
            client.beta.batch.with_raw_response.create(job_config={"job_name": "x"})
        assert server.received == []
        with pytest.raises(InternalServerError):
            client.beta.batch.with_raw_response.create(
                job_config={"job_name": "x"}, directory_id="d"
            )
    assert len(server.received) == 1


def test_a_body_that_breaks_the_spec_raises_on_parse_not_on_the_call(
    server: ScriptedServer,
) -> None:
    server.script = lambda r: Reply(200, raw=f"not json {API_KEY}".encode())
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        response = client.beta.batch.with_raw_response.get_status("bjb-1")
        assert response.status_code == 200
        with pytest.raises(APIResponseValidationError) as raised:
            response.parse()
    assert API_KEY not in str(raised.value)


def test_raw_listing_parses_into_the_page_that_walks_the_rest(server: ScriptedServer) -> None:
    jobs = [job(i) for i in range(5)]
    server.script = lambda r: Reply(200, paged(jobs, r.query), headers={"x-request-id": "r1"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        response = client.beta.batch.with_raw_response.list(limit=2)
        assert len(server.received) == 1
        first = response.parse()
        assert len(server.received) == 1  # the first page is the response already received
        assert isinstance(first, SyncPage)
        assert response.request_id == "r1"
        assert [j.id for j in first] == [j["id"] for j in jobs]
    # The first page is never asked for again; later pages carry their offset.
    offsets = [r.query.get("offset") for r in server.received]
    assert offsets[0] is None
    assert None not in offsets[1:]


def test_raw_sub_resource_listing(server: ScriptedServer) -> None:
    items = [item(i) for i in range(3)]
    server.script = lambda r: Reply(200, page(items, 3))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        response = client.beta.batch.with_raw_response.job_items.list("bjb-1")
        assert [i.item_id for i in response.parse().items] == ["itm-0", "itm-1", "itm-2"]
    assert server.received[0].path == "/api/v1/beta/batch-processing/bjb-1/items"


def test_streaming_response_reads_the_body_only_when_asked(server: ScriptedServer) -> None:
    server.script = progress_reply
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with client.beta.batch.with_streaming_response.get_status("bjb-1") as response:
            assert response.request_id == "req-42"
            assert not response.http_response.is_stream_consumed
            assert response.parse().progress_percentage == 40
            assert response.http_response.is_stream_consumed
        assert response.http_response.is_closed
        with client.beta.batch.with_streaming_response.get_status("bjb-1") as unread:
            assert unread.status_code == 200
        assert unread.http_response.is_closed
        assert not unread.http_response.is_stream_consumed


async def test_async_raw_and_streaming_responses(server: ScriptedServer) -> None:
    server.script = progress_reply
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        response = await client.beta.batch.with_raw_response.get_status("bjb-1")
        assert isinstance(response, AsyncAPIResponse)
        assert response.request_id == "req-42"
        assert (await response.parse()).progress_percentage == 40
        async with client.beta.batch.with_streaming_response.get_status("bjb-1") as streamed:
            assert not streamed.http_response.is_stream_consumed
            assert (await streamed.parse()).job.status == "running"
        assert streamed.http_response.is_closed
        server.script = lambda r: Reply(404, {"detail": f"no job for {API_KEY}"})
        with pytest.raises(NotFoundError) as raised:
            await client.beta.batch.with_raw_response.get_status("bjb-2")
        assert API_KEY not in str(raised.value)


async def test_async_raw_listing_walks_every_page(server: ScriptedServer) -> None:
    jobs = [job(i) for i in range(5)]
    server.script = lambda r: Reply(200, paged(jobs, r.query))
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        response = await client.beta.batch.with_raw_response.list(limit=2)
        first = await response.parse()
        assert isinstance(first, AsyncPage)
        assert [j.id async for j in first] == [j["id"] for j in jobs]
    offsets = [r.query.get("offset") for r in server.received]
    assert offsets.count(None) == 1  # the first page is the response already received


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_method_of_every_resource_has_raw_and_streaming_forms_with_its_signature(
    flavour: str,
) -> None:
    client: LlamaCloud | AsyncLlamaCloud = (
        LlamaCloud(api_key=API_KEY) if flavour == "sync" else AsyncLlamaCloud(api_key=API_KEY)
    )
    methods = resource_methods()
    assert methods
    for path, method, _operation in methods:
        resource: object = client
        for name in path:
            resource = getattr(resource, name)
        plain = inspect.signature(getattr(resource, method))
        for view in ("with_raw_response", "with_streaming_response"):
            assert inspect.signature(getattr(getattr(resource, view), method)) == plain
            # ... and from the top of the tree: client.beta.with_raw_response.batch.<method>
            through: object = getattr(getattr(client, path[0]), view)
            for name in path[1:]:
                through = getattr(through, name)
            assert inspect.signature(getattr(through, method)) == plain, (path, method)
