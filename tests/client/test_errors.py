"""Error statuses map to typed errors; a malformed answer raises an error naming the operation."""

from __future__ import annotations

import httpx
import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import (
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AsyncLlamaCloud,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LlamaCloud,
    LlamaCloudError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from scripted_server import Reply, ScriptedServer


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (504, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_error_class(
    server: ScriptedServer, status: int, error: type[APIStatusError]
) -> None:
    server.script = lambda r: Reply(status, {"detail": "nope"}, headers={"x-request-id": "req-42"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(error) as raised:
            client.beta.batch.get_status("bjb-1")
    assert type(raised.value) is error
    assert isinstance(raised.value, APIError)
    assert isinstance(raised.value, LlamaCloudError)
    assert raised.value.status_code == status
    assert raised.value.body == {"detail": "nope"}
    assert raised.value.request_id == "req-42"
    assert raised.value.headers["x-request-id"] == "req-42"
    assert f"get_batch_job_status: HTTP {status}" in str(raised.value)
    assert "nope" in str(raised.value)


def test_422_exposes_validation_details(server: ScriptedServer) -> None:
    detail = [
        {"loc": ["query", "limit"], "msg": "must be >= 1", "type": "greater_than_equal"},
        {"something": "else"},
    ]
    server.script = lambda r: Reply(422, {"detail": detail})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(UnprocessableEntityError) as raised:
            client.beta.batch.list(limit=5)  # the script answers 422 to anything
    (entry,) = raised.value.detail
    assert entry.loc == ["query", "limit"]
    assert entry.msg == "must be >= 1"
    assert raised.value.other_detail == [{"something": "else"}]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>oops</html>", "not JSON"),
        (b'{"items": [{"id": "x"}], "total_size": 1}', "'job_type' is missing"),
        (b'{"items": {"id": "x"}, "total_size": 1}', "items: expected an array"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"items": [], "total_size": "many"}', "total_size: expected an integer"),
    ],
)
def test_malformed_success_body_raises_naming_the_operation(
    server: ScriptedServer, body: bytes, reason: str
) -> None:
    server.script = lambda r: Reply(200, raw=body)
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(APIResponseValidationError) as raised:
            client.beta.batch.list()
    message = str(raised.value)
    assert message.startswith("list_batch_jobs: the HTTP 200 answer does not match")
    assert reason in message
    assert not isinstance(raised.value, KeyError)


def test_malformed_timestamp_raises_instead_of_passing_through(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, page([job(1, created_at="yesterday-ish")], 1))
    with (
        LlamaCloud(api_key=API_KEY, base_url=server.url) as client,
        pytest.raises(APIResponseValidationError, match="created_at: not an ISO 8601 date-time"),
    ):
        client.beta.batch.list()


async def test_async_errors_are_the_same(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(404, {"detail": "Not Found"})
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(NotFoundError):
            await client.beta.batch.cancel("bjb-404")
        server.script = lambda r: Reply(200, raw=b"not json")
        with pytest.raises(APIResponseValidationError, match="get_batch_job_status"):
            await client.beta.batch.get_status("bjb-1")


def test_no_call_returns_none_for_an_undocumented_status(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(304, {})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(APIStatusError) as raised:
            client.beta.batch.get_status("bjb-1")
    assert raised.value.status_code == 304


def test_the_error_keeps_a_readable_response_and_hooks_see_every_answer(
    server: ScriptedServer,
) -> None:
    seen: list[httpx.Response] = []
    answers = iter([Reply(503, {"detail": "busy"}, headers={"Retry-After": "0"})])
    server.script = lambda r: next(answers, Reply(404, {"detail": "no such job"}))
    http = httpx.Client(event_hooks={"response": [seen.append]})
    with LlamaCloud(api_key=API_KEY, base_url=server.url, http_client=http) as client:
        with pytest.raises(NotFoundError) as raised:
            client.beta.batch.get_status("bjb-1")
    http.close()
    assert raised.value.response.json() == {"detail": "no such job"}
    # Answers are streamed, so a hook sees them before their body; after the call, it is there.
    assert [response.json()["detail"] for response in seen] == ["busy", "no such job"]
