"""Bad answers and odd inputs stay inside the error tree: deep JSON, floods, failures of this
side's own making, odd ids and headers, a closed client. (Odd Retry-After values and statuses
are tests/client/test_retries.py's.)"""

from __future__ import annotations

import logging
import pickle

import httpx
import pytest
from llama_cloud_batch import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    LlamaCloudError,
    NotFoundError,
    ResponseTooLargeError,
    UnprocessableEntityError,
)
from servers import KEY, HostileServer, flood, nested, progress, reply


async def _call(client: LlamaCloud | AsyncLlamaCloud, job_id: str = "bjb-1", **options: object):
    outcome = client.beta.batch.get_status(job_id, **options)
    return await outcome if isinstance(client, AsyncLlamaCloud) else outcome


async def _close(client: LlamaCloud | AsyncLlamaCloud) -> None:
    if isinstance(client, AsyncLlamaCloud):
        await client.close()
    else:
        client.close()


CLIENTS = [LlamaCloud, AsyncLlamaCloud]

# ----- deep JSON -------------------------------------------------------------------------------

DEEP = {
    200: APIResponseValidationError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    500: InternalServerError,
}


@pytest.mark.parametrize("status", DEEP)
@pytest.mark.parametrize("levels", [900, 100_000])
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_deeply_nested_json_gives_a_typed_error(
    status: int, levels: int, client_class: type
) -> None:
    with HostileServer(lambda seen: reply(status, nested(levels))) as server:
        client = client_class(api_key=KEY, base_url=server.url, max_retries=0)
        with pytest.raises(DEEP[status]) as raised:
            await _call(client)
        await _close(client)
    error = raised.value
    assert error.status_code == status
    assert type(pickle.loads(pickle.dumps(error))) is DEEP[status]
    assert str(error)


# ----- the body cap ----------------------------------------------------------------------------

FLOOD = 64 << 20


@pytest.mark.parametrize("declare_length", [True, False])
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_body_past_the_cap_is_refused_without_being_read_whole(
    declare_length: bool, client_class: type
) -> None:
    with HostileServer(lambda seen: flood(FLOOD, declare_length=declare_length)) as server:
        client = client_class(api_key=KEY, base_url=server.url, max_retries=0)
        client.max_response_bytes = 1 << 20
        with pytest.raises(ResponseTooLargeError) as raised:
            await _call(client)
        await _close(client)
    assert "max_response_bytes" in str(raised.value)
    assert isinstance(raised.value, APIResponseValidationError)
    # The client stopped reading: the server could not push the flood through.
    assert server.bytes_sent < FLOOD // 2


@pytest.mark.parametrize("declare_length", [True, False])
@pytest.mark.parametrize("reading", ["parse", "read", "text"])
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_streamed_body_past_the_cap_is_refused_when_read(
    declare_length: bool, reading: str, client_class: type
) -> None:
    """with_streaming_response leaves the body for later; later is under the same cap."""
    with HostileServer(lambda seen: flood(FLOOD, declare_length=declare_length)) as server:
        client = client_class(api_key=KEY, base_url=server.url, max_retries=0)
        client.max_response_bytes = 1 << 20
        streamed = client.beta.batch.with_streaming_response.get_status("bjb-1")
        with pytest.raises(ResponseTooLargeError) as raised:
            if isinstance(client, AsyncLlamaCloud):
                async with streamed as response:
                    await getattr(response, reading)()
            else:
                with streamed as response:
                    getattr(response, reading)()
        await _close(client)
    assert "max_response_bytes" in str(raised.value)
    assert server.bytes_sent < FLOOD // 2


def test_a_body_under_the_cap_is_read() -> None:
    with HostileServer(
        lambda seen: reply(200, progress("completed", note="n" * 300_000))
    ) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            client.max_response_bytes = 1 << 20
            assert client.beta.batch.get_status("bjb-1").job.status == "completed"


# ----- failures of this side's own making --------------------------------------------------------


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x/"])
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_redirect_to_a_scheme_httpx_cannot_follow_fails_at_once(
    location: str, client_class: type, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="llama_cloud_batch")
    with HostileServer(lambda seen: reply(302, b"", {"location": location})) as server:
        client = client_class(api_key=KEY, base_url=server.url, max_retries=2)
        with pytest.raises(APIConnectionError):
            await _call(client)
        await _close(client)
    assert len(server.seen) == 1
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]


@pytest.mark.parametrize(
    "headers",
    [{"x-note": "caf\u00e9"}, {"x-note": "a\nb"}, {"x-note": "a\x00b"}, {"bad name": "v"}],
)
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_an_extra_header_http_cannot_carry_is_refused_before_sending(
    headers: dict[str, str], client_class: type
) -> None:
    with HostileServer(lambda seen: reply(200, progress())) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        with pytest.raises(ValueError, match="header"):
            await _call(client, extra_headers=headers)
        await _close(client)
        with pytest.raises(ValueError, match="default_headers"):
            client_class(api_key=KEY, base_url=server.url, default_headers=headers)
    assert server.seen == []


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_100000_character_id_is_refused_before_sending(client_class: type) -> None:
    with HostileServer(lambda seen: reply(200, progress())) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        with pytest.raises(ValueError):
            await _call(client, "b" * 100_000)
        await _close(client)
    assert server.seen == []


# ----- a closed client -------------------------------------------------------------------------


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_call_after_close_is_a_clear_llama_cloud_error(client_class: type) -> None:
    with HostileServer(lambda seen: reply(200, progress())) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        await _call(client)
        await _close(client)
        with pytest.raises(LlamaCloudError, match="closed"):
            await _call(client)
    assert len(server.seen) == 1


def test_a_call_on_a_client_whose_caller_owned_http_client_was_closed_is_clear() -> None:
    http = httpx.Client()
    client = LlamaCloud(api_key=KEY, base_url="http://127.0.0.1:9", http_client=http)
    http.close()
    with pytest.raises(LlamaCloudError, match="closed"):
        client.beta.batch.get_status("bjb-1")
