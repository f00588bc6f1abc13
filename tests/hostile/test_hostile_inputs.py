"""Odd caller inputs are refused with a clear TypeError or ValueError before anything is sent:
request data that contains itself (or nests past what can be sent), and numbers a wait cannot
use (nan, infinities, zero or less, not numbers at all)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
from servers import KEY, HostileServer, progress, reply

CLIENTS = [LlamaCloud, AsyncLlamaCloud]


async def _refused(client_class: type, call: Any) -> BaseException:
    """What `call(client)` raises; the server must not have seen a request."""
    with HostileServer(lambda seen: reply(200, progress("completed"))) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        try:
            with pytest.raises((TypeError, ValueError)) as raised:
                outcome = call(client)
                if client_class is AsyncLlamaCloud:
                    await outcome
        finally:
            if client_class is AsyncLlamaCloud:
                await client.close()
            else:
                client.close()
    assert server.seen == []
    assert not isinstance(raised.value, RecursionError)
    return raised.value


# ----- request data that contains itself -------------------------------------------------------


def _config_containing_itself() -> dict[str, Any]:
    config: dict[str, Any] = {"job_name": "parse_raw_file_job", "parameters": {"type": "parse"}}
    config["parameters"]["again"] = config
    return config


def _config_with_a_list_containing_itself() -> dict[str, Any]:
    loop: list[Any] = ["x"]
    loop.append(loop)
    return {"job_name": "parse_raw_file_job", "parameters": {"type": "parse", "tags": loop}}


def _config_nested_too_deep() -> dict[str, Any]:
    deep: dict[str, Any] = {}
    for _ in range(5000):
        deep = {"next": deep}
    return {"job_name": "parse_raw_file_job", "parameters": {"type": "parse", "deep": deep}}


def _item_ids_containing_themselves() -> list[Any]:
    ids: list[Any] = ["file-1"]
    ids.append(ids)
    return ids


CYCLES = {
    "job_config refers to itself": lambda c: c.beta.batch.create(
        job_config=_config_containing_itself(), item_ids=["file-1"]
    ),
    "a list in job_config holds itself": lambda c: c.beta.batch.create(
        job_config=_config_with_a_list_containing_itself(), item_ids=["file-1"]
    ),
    "job_config nests 5,000 deep": lambda c: c.beta.batch.create(
        job_config=_config_nested_too_deep(), item_ids=["file-1"]
    ),
    "item_ids holds itself": lambda c: c.beta.batch.create(
        job_config={"job_name": "parse_raw_file_job", "parameters": {"type": "parse"}},
        item_ids=_item_ids_containing_themselves(),
    ),
    "extra_body refers to itself": lambda c: c.beta.batch.cancel(
        "bjb-1", extra_body={"note": _config_containing_itself()}
    ),
}


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("case", CYCLES)
async def test_request_data_that_cannot_be_sent_is_refused_before_sending(
    client_class: type, case: str
) -> None:
    error = await _refused(client_class, CYCLES[case])
    assert "itself" in str(error) or "deep" in str(error), error


# ----- numbers a wait cannot use ---------------------------------------------------------------

NAN, INF = math.nan, math.inf
BAD_WAITS = {
    "poll_interval=nan": {"poll_interval": NAN},
    "poll_interval=inf": {"poll_interval": INF, "max_poll_interval": INF},
    "poll_interval=0": {"poll_interval": 0},
    "poll_interval=-1": {"poll_interval": -1},
    "poll_interval='1'": {"poll_interval": "1"},
    "poll_interval=True": {"poll_interval": True},
    "max_poll_interval=nan": {"max_poll_interval": NAN},
    "max_poll_interval=inf": {"max_poll_interval": INF},
    "max_poll_interval<poll_interval": {"poll_interval": 2, "max_poll_interval": 1},
    "max_wait=nan": {"max_wait": NAN},
    "max_wait=inf": {"max_wait": INF},
    "max_wait=-1": {"max_wait": -1},
    "max_wait='60'": {"max_wait": "60"},
}


WAITS = {
    "beta.batch.wait_for_completion": lambda c, options: c.beta.batch.wait_for_completion(
        "bjb-1", **options
    ),
    "beta.batch.wait_for_many": lambda c, options: c.beta.batch.wait_for_many(
        ["bjb-1", "bjb-2"], **options
    ),
    "batches.wait_for_completion": lambda c, options: c.batches.wait_for_completion(
        "bat-1", **options
    ),
    "batches.wait_for_many": lambda c, options: c.batches.wait_for_many(
        ["bat-1", "bat-2"], **options
    ),
}


@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("wait", WAITS)
@pytest.mark.parametrize("case", BAD_WAITS)
async def test_a_wait_checks_its_numbers_before_polling(
    client_class: type, wait: str, case: str
) -> None:
    options = BAD_WAITS[case]
    error = await _refused(client_class, lambda c: WAITS[wait](c, options))
    assert next(iter(options)) in str(error), error


@pytest.mark.parametrize("resource", ["beta.batch", "batches"])
@pytest.mark.parametrize("concurrency", [0, NAN, 1.5, True, "2"])
async def test_async_wait_for_many_checks_its_concurrency(
    resource: str, concurrency: object
) -> None:
    def wait(client: AsyncLlamaCloud) -> Any:
        target = client.beta.batch if resource == "beta.batch" else client.batches
        return target.wait_for_many(["x-1"], concurrency=concurrency)

    error = await _refused(AsyncLlamaCloud, wait)
    assert "concurrency" in str(error)


@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_finite_wait_still_works(client_class: type) -> None:
    with HostileServer(lambda seen: reply(200, progress("completed"))) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        waiting = client.beta.batch.wait_for_completion("bjb-1", poll_interval=1, max_wait=30)
        done = await waiting if client_class is AsyncLlamaCloud else waiting
        if client_class is AsyncLlamaCloud:
            await client.close()
        else:
            client.close()
    assert done.job.status == "completed"
