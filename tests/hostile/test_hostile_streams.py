"""A streamed body cut short raises what the plain call raises (APIConnectionError), from every
way of reading it, sync and async, and the error never shows the key."""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from llama_cloud_batch import APIConnectionError, AsyncLlamaCloud, LlamaCloud
from servers import KEY, HostileServer, Seen, Wire, progress

BODY = json.dumps(progress()).encode()


def cut_short(chunked: bool) -> Callable[[Seen], Callable[[Wire], None]]:
    """A 200 whose body stops half-way and whose connection then closes: short of its
    content-length, or in the middle of a chunk."""

    def answer(wire: Wire) -> None:
        half = BODY[: len(BODY) // 2]
        if chunked:
            framing = b"transfer-encoding: chunked\r\n\r\n"
            data = b"%x\r\n" % len(BODY) + half
        else:
            framing = b"content-length: %d\r\n\r\n" % len(BODY)
            data = half
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
        wire.send(head + framing + data)

    return lambda seen: answer


def _texts(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


READS = ["parse", "read", "text", "iter_bytes"]
FRAMINGS = [pytest.param(False, id="content-length"), pytest.param(True, id="chunked")]


@pytest.mark.parametrize("chunked", FRAMINGS)
@pytest.mark.parametrize("how", READS)
def test_a_cut_stream_raises_a_connection_error(how: str, chunked: bool) -> None:
    with (
        HostileServer(cut_short(chunked)) as server,
        LlamaCloud(api_key=KEY, base_url=server.url) as client,
    ):
        with client.beta.batch.with_streaming_response.get_status("bjb-1") as response:
            with pytest.raises(APIConnectionError) as raised:
                read: Any = getattr(response, how)
                outcome = read()
                if how == "iter_bytes":
                    list(outcome)
    assert "get_batch_job_status" in str(raised.value)
    assert KEY not in _texts(raised.value)


@pytest.mark.parametrize("chunked", FRAMINGS)
@pytest.mark.parametrize("how", READS)
async def test_a_cut_stream_raises_a_connection_error_async(how: str, chunked: bool) -> None:
    with HostileServer(cut_short(chunked)) as server:
        async with AsyncLlamaCloud(api_key=KEY, base_url=server.url) as client:
            streamed = client.beta.batch.with_streaming_response.get_status("bjb-1")
            async with streamed as response:
                with pytest.raises(APIConnectionError) as raised:
                    if how == "iter_bytes":
                        [chunk async for chunk in response.iter_bytes()]
                    else:
                        await getattr(response, how)()
    assert "get_batch_job_status" in str(raised.value)
    assert KEY not in _texts(raised.value)


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_the_plain_call_raises_the_same(client_class: type) -> None:
    with HostileServer(cut_short(False)) as server:
        client = client_class(api_key=KEY, base_url=server.url, max_retries=0)
        with pytest.raises(APIConnectionError):
            if client_class is AsyncLlamaCloud:
                try:
                    await client.beta.batch.get_status("bjb-1")
                finally:
                    await client.close()
            else:
                with client:
                    client.beta.batch.get_status("bjb-1")
