"""wait_for_many (sync and async): follows many jobs, reports each job's trouble, polls politely.

Sleeps are recorded instead of slept; where a job has to move between polls, a sleep ticks the
local server, so no test depends on how fast the machine is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from factories import API_KEY, job
from llama_cloud_batch import (
    AsyncLlamaCloud,
    InternalServerError,
    JobWaitResult,
    LlamaCloud,
    NotFoundError,
    RateLimitError,
)
from llama_cloud_batch.testing import BatchServer, Fault
from scripted_server import Received, Reply, ScriptedServer

STATUS_PATH = "/api/v1/beta/batch-processing/"


@pytest.fixture
def batch_server() -> Iterator[BatchServer]:
    with BatchServer(api_key=API_KEY) as server:
        yield server
    server.assert_no_violations()


def _statuses(results: list[JobWaitResult]) -> list[str | None]:
    return [result.status for result in results]


def test_follows_every_job_to_its_final_status_in_the_order_given(batch_server, clock):
    done = batch_server.add_job(items=4)
    failing = batch_server.add_job(items=6, outcome="failed", failure_message="disk full")
    partly = batch_server.add_job(items=3, failed_items=1)
    clock.on_sleep = batch_server.tick
    updates: list[JobWaitResult] = []
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        results = client.beta.batch.wait_for_many(
            [failing, done, partly], poll_interval=1.0, on_update=updates.append
        )
    assert [r.job_id for r in results] == [failing, done, partly]
    assert _statuses(results) == ["failed", "completed", "completed"]
    assert all(r.is_final and r.error is None and not r.timed_out for r in results)
    assert results[0].job is not None
    assert results[0].job.error_message == "disk full"
    assert not results[0].succeeded
    assert results[1].succeeded
    assert results[2].job is not None
    assert results[2].job.failed_items == 1
    # Every poll was reported, and each job's last report is its result.
    assert {u.job_id for u in updates} == {failing, done, partly}
    for result in results:
        assert [u for u in updates if u.job_id == result.job_id][-1] == result
    # A final job is not polled again: one status request per job and round it was open.
    polls = batch_server.requests_for("getBatchJobStatus")
    assert len(polls) == len(updates)


def test_a_job_that_does_not_exist_is_reported_and_the_others_followed(batch_server, clock):
    real = batch_server.add_job(items=2)
    clock.on_sleep = batch_server.tick
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        missing, followed = client.beta.batch.wait_for_many(["bjb-gone", real])
    assert isinstance(missing.error, NotFoundError)
    assert missing.progress is None
    assert missing.status is None
    assert not missing.is_final
    assert followed.status == "completed"
    assert followed.error is None
    # The missing job was asked about once, not on every round.
    gone = [r for r in batch_server.requests if r.path.endswith("/bjb-gone")]
    assert len(gone) == 1


def test_a_job_that_vanishes_midway_keeps_its_last_state(clock):
    calls = {"a": 0}

    def script(request: Received) -> Reply:
        if request.path.endswith("/job-a"):
            calls["a"] += 1
            if calls["a"] == 1:
                return Reply(
                    body={"job": job(1, id="job-a", status="running"), "progress_percentage": 40.0}
                )
            return Reply(404, {"detail": "Batch job 'job-a' not found"})
        body = job(2, id="job-b", status="running" if len(clock.sleeps) < 3 else "completed")
        return Reply(body={"job": body, "progress_percentage": 50.0})

    with (
        ScriptedServer(script) as server,
        LlamaCloud(api_key=API_KEY, base_url=server.url) as client,
    ):
        vanished, other = client.beta.batch.wait_for_many(["job-a", "job-b"])
    assert vanished.status == "running"  # the last state seen
    assert isinstance(vanished.error, NotFoundError)
    assert not vanished.is_final
    assert not vanished.timed_out
    assert other.status == "completed"
    assert other.error is None
    assert calls["a"] == 2  # not polled again after the 404


def test_retry_after_is_honoured_between_rounds(clock):
    answers = iter(
        [
            Reply(429, {"detail": "slow down"}, headers={"retry-after": "7"}),
            Reply(
                body={"job": job(1, id="job-a", status="completed"), "progress_percentage": 100.0}
            ),
        ]
    )
    with (
        ScriptedServer(lambda request: next(answers)) as server,
        LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=0) as client,
    ):
        seen: list[JobWaitResult] = []
        (result,) = client.beta.batch.wait_for_many(
            ["job-a"], poll_interval=0.5, on_update=seen.append
        )
    assert isinstance(seen[0].error, RateLimitError)
    assert result.status == "completed"
    assert result.error is None
    assert clock.sleeps == [7.0]  # the server's wait, not the half second the schedule had


def test_polls_back_off_from_poll_interval_to_max(clock):
    def script(request: Received) -> Reply:
        status = "running" if len(clock.sleeps) < 6 else "completed"
        return Reply(body={"job": job(1, id="job-a", status=status), "progress_percentage": 1.0})

    with (
        ScriptedServer(script) as server,
        LlamaCloud(api_key=API_KEY, base_url=server.url) as client,
    ):
        client.beta.batch.wait_for_many(["job-a"], poll_interval=1.0, max_poll_interval=3.0)
    assert clock.sleeps == [1.0, 1.5, 2.25, 3.0, 3.0, 3.0]


def test_persistent_server_errors_end_in_a_timeout_not_an_exception(clock):
    def script(request: Received) -> Reply:
        return Reply(503, {"detail": "down"}, headers={"retry-after": "0"})

    with (
        ScriptedServer(script) as server,
        LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=1) as client,
    ):
        (result,) = client.beta.batch.wait_for_many(["job-a"], poll_interval=2.0, max_wait=10.0)
    assert result.timed_out
    assert not result.is_final
    assert isinstance(result.error, InternalServerError)
    assert sum(clock.sleeps) == pytest.approx(10.0, abs=0.5)  # it stopped at the deadline


def test_timeout_zero_polls_once_and_reports_open_jobs(batch_server, clock):
    open_job = batch_server.add_job(items=3)
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        (result,) = client.beta.batch.wait_for_many([open_job], max_wait=0)
    assert result.timed_out
    assert result.status == "pending"
    assert result.error is None
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("job_ids", "options", "message"),
    [
        (["a", "a"], {}, "more than once: a"),
        (["a", ""], {}, "non-empty"),
        (["a", 3], {}, "non-empty"),
        (["a"], {"poll_interval": 0}, "poll_interval"),
        (["a"], {"poll_interval": 5.0, "max_poll_interval": 1.0}, "poll_interval"),
        (["a"], {"max_wait": -1}, "max_wait"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(job_ids, options, message):
    with ScriptedServer() as server, LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(ValueError, match=message):
            client.beta.batch.wait_for_many(job_ids, **options)
        assert server.received == []


def test_one_string_is_not_taken_for_a_list_of_ids():
    with ScriptedServer() as server, LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(TypeError, match="not one string"):
            client.beta.batch.wait_for_many("bjb-1")  # type: ignore[arg-type]
        assert server.received == []


def test_no_jobs_is_an_empty_answer():
    with ScriptedServer() as server, LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        assert client.beta.batch.wait_for_many([]) == []
        assert server.received == []


# ----- asyncio ----------------------------------------------------------------------------


async def test_async_follows_every_job_and_reports_the_missing_one(batch_server, clock):
    done = batch_server.add_job(items=4)
    failing = batch_server.add_job(items=2, outcome="failed")
    clock.on_sleep = batch_server.tick
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        results = await client.beta.batch.wait_for_many([failing, "bjb-gone", done])
    assert _statuses(results) == ["failed", None, "completed"]
    assert isinstance(results[1].error, NotFoundError)


async def test_async_polls_at_most_concurrency_jobs_at_once(clock):
    in_flight = 0
    most = 0
    lock = threading.Lock()
    # The first two polls wait for each other: they can only both finish if they overlap.
    pair = threading.Barrier(2, timeout=10)

    def script(request: Received) -> Reply:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
            first_round = len([r for r in server.received if r.path.startswith(STATUS_PATH)]) <= 2
        if first_round:
            pair.wait()
        with lock:
            in_flight -= 1
        job_id = request.path.rsplit("/", 1)[1]
        return Reply(
            body={"job": job(1, id=job_id, status="completed"), "progress_percentage": 100.0}
        )

    ids = [f"job-{n}" for n in range(7)]
    with ScriptedServer(script) as server:
        async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            results = await client.beta.batch.wait_for_many(ids, concurrency=2)
    assert [r.job_id for r in results] == ids
    assert all(r.status == "completed" for r in results)
    assert most == 2


async def test_async_retry_after_is_honoured(clock):
    answers = iter(
        [
            Reply(429, {"detail": "slow down"}, headers={"retry-after": "4"}),
            Reply(
                body={"job": job(1, id="job-a", status="cancelled"), "progress_percentage": 10.0}
            ),
        ]
    )
    with ScriptedServer(lambda request: next(answers)) as server:
        async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
            (result,) = await client.beta.batch.wait_for_many(["job-a"], poll_interval=1.0)
    assert result.status == "cancelled"
    assert result.is_final
    assert not result.succeeded
    assert clock.sleeps == [4.0]


async def test_async_refuses_a_concurrency_below_one():
    async with AsyncLlamaCloud(api_key=API_KEY, base_url="http://127.0.0.1:9") as client:
        with pytest.raises(ValueError, match="concurrency"):
            await client.beta.batch.wait_for_many(["a"], concurrency=0)


def test_a_status_the_spec_does_not_know_yet_is_not_final(batch_server, clock):
    job_id = batch_server.add_job(items=2)
    batch_server.inject(Fault.unknown_enum("queued"), times=2, operation="getBatchJobStatus")
    clock.on_sleep = batch_server.tick
    seen: list[str | None] = []
    with LlamaCloud(api_key=API_KEY, base_url=batch_server.url) as client:
        (result,) = client.beta.batch.wait_for_many(
            [job_id], on_update=lambda r: seen.append(r.status)
        )
    assert seen[:2] == ["queued", "queued"]
    assert result.status == "completed"


@pytest.mark.parametrize("status", ["COMPLETED", "cANCELLED", "completed "])
def test_a_status_that_only_looks_final_is_not_final(status, clock):
    # Unknown values whose made-up enum name (or stripped text) matches a final member's.
    def script(request: Received) -> Reply:
        return Reply(body={"job": job(1, id="job-a", status=status), "progress_percentage": 1.0})

    with (
        ScriptedServer(script) as server,
        LlamaCloud(api_key=API_KEY, base_url=server.url) as client,
    ):
        (result,) = client.beta.batch.wait_for_many(["job-a"], poll_interval=1.0, max_wait=3.0)
    assert result.status == status
    assert not result.is_final
    assert result.timed_out


def test_the_wait_results_stay_importable_from_the_resource_modules() -> None:
    # 2.0.0 defined them there; they load from there on first use, as from the package.
    import llama_cloud_batch
    from llama_cloud_batch.resources import batch, batches
    from llama_cloud_batch.resources.batch import JobWaitResult
    from llama_cloud_batch.resources.batches import BatchWaitResult

    assert JobWaitResult is llama_cloud_batch.JobWaitResult
    assert BatchWaitResult is llama_cloud_batch.BatchWaitResult
    assert {"JobWaitResult", "BatchWaitResult"} <= {*batch.__all__, *batches.__all__}
    with pytest.raises(AttributeError, match="has no attribute 'BatchWaitResult'"):
        batch.BatchWaitResult  # noqa: B018  # each module exports its own resource's result
