"""Deadlines are deadlines: wait_for_completion(max_wait=T) ends by T whatever the server does,
and a numeric per-call timeout bounds the whole call.

These are the only checks on elapsed time in the suite, because the deadline is the promise.
Each misbehaviour lasts far longer than the bound checked (8 s to 30 s against T + MARGIN), so
a slow machine cannot make them pass wrongly, and the margin is generous so it cannot make them
fail either.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from llama_cloud_batch import (
    APITimeoutError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    WaitTimeoutError,
)
from servers import (
    KEY,
    Answer,
    HostileServer,
    Seen,
    after,
    hang,
    progress,
    reply,
    trickle,
    trickle_head,
)

# Long enough for two bytes of a trickle (one every 0.2 s) to arrive before the deadline.
T = 0.5
MARGIN = 2.5

MISBEHAVIOURS: dict[str, Callable[[Seen], Answer]] = {
    "one slow poll": lambda seen: after(8.0, reply(200, progress("running"))),
    "503 with Retry-After: 8": lambda seen: reply(503, {"detail": "busy"}, {"retry-after": "8"}),
    "never answers": lambda seen: hang(),
    "trickles a byte every 0.2 s": lambda seen: trickle(every=0.2),
}


@pytest.mark.parametrize("name", MISBEHAVIOURS)
def test_wait_for_completion_ends_by_its_deadline(name: str) -> None:
    with HostileServer(MISBEHAVIOURS[name]) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            with pytest.raises(WaitTimeoutError) as raised:
                client.beta.batch.wait_for_completion("bjb-1", max_wait=T, poll_interval=0.1)
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN, f"{name}: {elapsed:.1f} s"
    assert raised.value.job_id == "bjb-1"


@pytest.mark.parametrize("name", MISBEHAVIOURS)
async def test_async_wait_for_completion_ends_by_its_deadline(name: str) -> None:
    with HostileServer(MISBEHAVIOURS[name]) as server:
        async with AsyncLlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            with pytest.raises(WaitTimeoutError):
                await client.beta.batch.wait_for_completion("bjb-1", max_wait=T, poll_interval=0.1)
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN, f"{name}: {elapsed:.1f} s"


def test_a_running_job_is_still_waited_for_within_the_deadline() -> None:
    polls = iter(["running", "running", "completed"])
    with HostileServer(lambda seen: reply(200, progress(next(polls)))) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            done = client.beta.batch.wait_for_completion("bjb-1", max_wait=20, poll_interval=0.05)
    assert done.job.status == "completed"
    assert len(server.seen) == 3


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_an_unknown_status_is_warned_about_once_and_named_at_the_deadline(
    client_class: type, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="llama_cloud_batch")
    with HostileServer(lambda seen: reply(200, progress("queued"))) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        with pytest.raises(WaitTimeoutError) as raised:
            waiting = client.beta.batch.wait_for_completion(
                "bjb-1", max_wait=0.6, poll_interval=0.05, max_poll_interval=0.05
            )
            if client_class is AsyncLlamaCloud:
                await waiting
        if client_class is AsyncLlamaCloud:
            await client.close()
        else:
            client.close()
    assert len(server.seen) > 2
    warnings = [r for r in caplog.records if "queued" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "queued" in str(raised.value)
    assert raised.value.last_status == "queued"


# ----- wait_for_many: the same deadline, over many jobs --------------------------------------


@pytest.mark.parametrize("jobs", [1, 3])
@pytest.mark.parametrize("name", MISBEHAVIOURS)
def test_wait_for_many_ends_by_its_deadline(name: str, jobs: int) -> None:
    ids = [f"bjb-{n}" for n in range(jobs)]
    with HostileServer(MISBEHAVIOURS[name]) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            results = client.beta.batch.wait_for_many(ids, max_wait=T, poll_interval=0.1)
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN, f"{name}, {jobs} jobs: {elapsed:.1f} s"
    assert [r.job_id for r in results] == ids
    assert all(r.timed_out and not r.is_final for r in results)


@pytest.mark.parametrize("jobs", [1, 3])
@pytest.mark.parametrize("name", MISBEHAVIOURS)
async def test_async_wait_for_many_ends_by_its_deadline(name: str, jobs: int) -> None:
    ids = [f"bjb-{n}" for n in range(jobs)]
    with HostileServer(MISBEHAVIOURS[name]) as server:
        async with AsyncLlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            results = await client.beta.batch.wait_for_many(
                ids, max_wait=T, poll_interval=0.1, concurrency=1
            )
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN, f"{name}, {jobs} jobs: {elapsed:.1f} s"
    assert all(r.timed_out and not r.is_final for r in results)


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_wait_for_many_warns_once_per_unknown_status(
    client_class: type, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="llama_cloud_batch")
    with HostileServer(lambda seen: reply(200, progress("queued"))) as server:
        client = client_class(api_key=KEY, base_url=server.url)
        waiting = client.beta.batch.wait_for_many(
            ["bjb-1", "bjb-2"], max_wait=0.6, poll_interval=0.05, max_poll_interval=0.05
        )
        results = await waiting if client_class is AsyncLlamaCloud else waiting
        if client_class is AsyncLlamaCloud:
            await client.close()
        else:
            client.close()
    assert len(server.seen) > 4
    assert [r.status for r in results] == ["queued", "queued"]
    assert all(r.timed_out for r in results)
    warnings = [r for r in caplog.records if "queued" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


# ----- per-call timeout ----------------------------------------------------------------------


def test_a_numeric_per_call_timeout_bounds_a_trickling_answer() -> None:
    with HostileServer(lambda seen: trickle(every=0.2)) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                client.beta.batch.get_status("bjb-1", timeout=T)
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN


async def test_async_a_numeric_client_timeout_bounds_a_trickling_answer() -> None:
    with HostileServer(lambda seen: trickle(every=0.2)) as server:
        async with AsyncLlamaCloud(api_key=KEY, base_url=server.url, timeout=T) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await client.beta.batch.get_status("bjb-1")
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN


async def test_async_a_numeric_timeout_cuts_off_headers_sent_a_byte_at_a_time() -> None:
    # The sync client bounds each wait for a header byte by the time left (see the README).
    with HostileServer(lambda seen: trickle_head(every=0.2)) as server:
        async with AsyncLlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                await client.beta.batch.get_status("bjb-1", timeout=T)
            elapsed = time.monotonic() - started
    assert elapsed < T + MARGIN


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_a_retry_the_timeout_leaves_no_room_for_is_not_waited_for(client_class: type) -> None:
    script = MISBEHAVIOURS["503 with Retry-After: 8"]
    with HostileServer(script) as server:
        client = client_class(api_key=KEY, base_url=server.url, timeout=T)
        started = time.monotonic()
        with pytest.raises(InternalServerError):
            call = client.beta.batch.get_status("bjb-1")
            if client_class is AsyncLlamaCloud:
                await call
        elapsed = time.monotonic() - started
        if client_class is AsyncLlamaCloud:
            await client.close()
    assert elapsed < T + MARGIN
    assert len(server.seen) == 1
