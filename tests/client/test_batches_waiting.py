"""client.batches' waiting helpers (sync and async): wait_for_completion follows a batch to a
status the spec marks final (THROTTLED is not one), wait_for_many follows many, iter_results
lists a final batch's per-file results. Scripted answers; sleeps are recorded, not slept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from factories import API_KEY, batch
from llama_cloud_batch import (
    AsyncLlamaCloud,
    BatchStatus,
    BatchWaitResult,
    LlamaCloud,
    NotFoundError,
    WaitTimeoutError,
)
from scripted_server import Received, Reply, ScriptedServer
from virtual_clock import Clock

BATCHES = "/api/v2/batches/"


def progressing(*statuses: str) -> Any:
    """A script answering each batch's GET with the next of `statuses` (the last repeats)."""
    asked: dict[str, int] = {}

    def script(request: Received) -> Reply:
        batch_id = request.path.removeprefix(BATCHES)
        if batch_id.startswith("gone"):
            return Reply(404, {"detail": "Not Found"})
        turn = asked.get(batch_id, 0)
        asked[batch_id] = turn + 1
        status = statuses[min(turn, len(statuses) - 1)]
        results = None
        if request.query.get("expand") == "results" and status == "COMPLETED":
            results = [
                {
                    "source_directory_file_id": "dfl-1",
                    "job_reference": {"type": "parse_v2", "id": "pjb-1"},
                    "error_message": None,
                },
                {"source_directory_file_id": "dfl-2", "job_reference": None, "error_message": "x"},
            ]
        return Reply(200, batch(batch_id, status, results=results))

    return script


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as scripted:
        yield scripted


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_batch_is_followed_through_throttled_to_its_final_status(
    server: ScriptedServer, clock: Clock, flavour: str
) -> None:
    server.script = progressing("PENDING", "THROTTLED", "RUNNING", "COMPLETED")
    seen: list[str] = []

    def on_update(answer: Any) -> None:
        seen.append(str(answer.status))

    if flavour == "sync":
        with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            done = client.batches.wait_for_completion("bat-1", poll_interval=1, on_update=on_update)
    else:

        async def wait() -> Any:
            async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
                return await client.batches.wait_for_completion(
                    "bat-1", poll_interval=1, on_update=on_update
                )

        done = asyncio.run(wait())
    assert done.status == BatchStatus.COMPLETED
    assert seen == ["PENDING", "THROTTLED", "RUNNING", "COMPLETED"]
    assert len(clock.sleeps) == 3  # one pause between polls, none after the final one
    assert not BatchStatus.THROTTLED.is_final


def test_the_deadline_is_kept_and_named(server: ScriptedServer, clock: Clock) -> None:
    server.script = progressing("THROTTLED")
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(WaitTimeoutError) as raised:
            client.batches.wait_for_completion("bat-1", poll_interval=1, max_wait=5)
    assert raised.value.id == "bat-1"
    assert raised.value.last_status == "THROTTLED"
    assert "batch bat-1 is still THROTTLED after 5 s" in str(raised.value)
    assert sum(clock.sleeps) <= 5


def test_an_unknown_status_is_not_final_and_warned_about_once(
    server: ScriptedServer, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = progressing("QUEUED", "QUEUED", "QUEUED", "COMPLETED")
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        done = client.batches.wait_for_completion("bat-1", poll_interval=1)
    assert done.status == "COMPLETED"
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "QUEUED" in r.message]
    assert len(warned) == 1


def test_wait_for_many_reports_each_batch_in_the_order_given(
    server: ScriptedServer, clock: Clock
) -> None:
    server.script = progressing("RUNNING", "COMPLETED")
    updates: list[BatchWaitResult] = []
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        results = client.batches.wait_for_many(
            ["bat-b", "gone-1", "bat-a"], poll_interval=1, on_update=updates.append
        )
    assert [r.batch_id for r in results] == ["bat-b", "gone-1", "bat-a"]
    assert [r.status for r in results] == ["COMPLETED", None, "COMPLETED"]
    assert all(r.succeeded for r in (results[0], results[2]))
    assert isinstance(results[1].error, NotFoundError)
    assert results[0].batch is not None
    assert results[0].batch.id == "bat-b"
    assert len(updates) == 5  # two polls of each real batch, one of the one that is gone


def test_async_wait_for_many_follows_them_all(server: ScriptedServer, clock: Clock) -> None:
    server.script = progressing("PENDING", "FAILED")

    async def wait() -> list[BatchWaitResult]:
        async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            return await client.batches.wait_for_many(["bat-1", "bat-2"], poll_interval=1)

    results = asyncio.run(wait())
    assert [r.status for r in results] == ["FAILED", "FAILED"]
    assert all(r.is_final and not r.succeeded for r in results)


def test_iter_results_lists_a_final_batchs_files(server: ScriptedServer, clock: Clock) -> None:
    server.script = progressing("COMPLETED")
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        results = list(client.batches.iter_results("bat-1"))
    assert [r.source_directory_file_id for r in results] == ["dfl-1", "dfl-2"]
    assert results[0].job_reference is not None
    assert results[0].job_reference.id == "pjb-1"
    assert results[1].error_message == "x"
    (asked,) = server.received
    assert asked.query == {"expand": "results"}


def test_iter_results_of_a_running_batch_says_to_wait(server: ScriptedServer, clock: Clock) -> None:
    server.script = progressing("RUNNING")

    async def results() -> list[Any]:
        async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            return [result async for result in client.batches.iter_results("bat-1")]

    with pytest.raises(ValueError, match="RUNNING, not final: its per-file results are listed"):
        asyncio.run(results())


def test_iter_results_of_a_final_batch_the_api_lists_no_results_for_is_empty(
    server: ScriptedServer, clock: Clock
) -> None:
    server.script = progressing("FAILED")  # final, and its results come as null
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        assert list(client.batches.iter_results("bat-1")) == []


@pytest.mark.parametrize("bad", [{"poll_interval": 0}, {"max_wait": float("nan")}])
def test_bad_numbers_are_refused_before_any_request(
    server: ScriptedServer, bad: dict[str, Any]
) -> None:
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(ValueError, match=next(iter(bad))):
            client.batches.wait_for_completion("bat-1", **bad)
    assert server.received == []
