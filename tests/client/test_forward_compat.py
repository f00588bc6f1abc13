"""Values and properties the spec does not know survive parsing and a round trip."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import (
    APIResponseValidationError,
    AsyncLlamaCloud,
    BatchJobStatus,
    JobType,
    LlamaCloud,
)
from llama_cloud_batch.types import BatchJob, ClassifyJob, ItemProcessingResults, ParseJobConfig
from scripted_server import Received, Reply, ScriptedServer


def test_unknown_status_and_extra_property_survive_a_list_and_a_round_trip(
    server: ScriptedServer,
) -> None:
    body = job(1, status="zz-queued", job_type="zz-summarize", shard="eu-3")
    server.script = lambda r: Reply(200, page([body], 1))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        (listed,) = client.beta.batch.list()
    assert listed.status == "zz-queued"
    assert isinstance(listed.status, BatchJobStatus)
    assert not listed.status.is_known
    assert listed.status.value == "zz-queued"
    assert listed.job_type == "zz-summarize"
    assert isinstance(listed.job_type, JobType)
    assert listed["shard"] == "eu-3"
    assert listed.additional_properties == {"shard": "eu-3"}
    again = listed.to_dict()
    assert again["status"] == "zz-queued"
    assert again["shard"] == "eu-3"
    assert BatchJob.from_dict(again) == listed


def test_known_values_are_enum_members() -> None:
    assert BatchJobStatus("running") is BatchJobStatus.RUNNING
    assert BatchJobStatus.RUNNING.is_known
    assert JobType.PARSE == "parse"


def test_a_value_read_from_a_response_is_the_member_itself() -> None:
    assert BatchJob.from_dict(job(1, status="running")).status is BatchJobStatus.RUNNING
    # A value the server added since: one object for it however many jobs carry it.
    first, second = (BatchJob.from_dict(job(n, status="zz-paused")) for n in (2, 3))
    assert first.status is second.status
    assert isinstance(first.status, BatchJobStatus)
    assert not first.status.is_known


def test_timestamps_are_timezone_aware(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(
        200,
        page([job(1, created_at="2024-05-01T10:00:00", updated_at="2024-05-01T12:00:00+02:00")], 1),
    )
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        (listed,) = client.beta.batch.list()
    assert listed.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert isinstance(listed.updated_at, datetime)
    assert listed.updated_at.utcoffset() is not None
    assert listed.updated_at == datetime(2024, 5, 1, 10, tzinfo=UTC)


RESULT = {
    "item_id": "itm-1",
    "item_name": "a.pdf",
    "processing_results": [
        {
            "item_id": "itm-1",
            "job_type": "classify",
            "output_s3_path": "s3://out/1",
            "parameters_hash": "h1",
            "processed_at": "2024-01-01T00:00:00Z",
            "result_id": "res-1",
            # Every property of the parse variant is optional, so a first-fit union would
            # take this classify job for a parse configuration.
            "job_config": {
                "id": "cls-1",
                "project_id": "proj-1",
                "rules": [{"type": "invoice", "description": "Invoices"}],
                "status": "SUCCESS",
                "user_id": "usr-1",
            },
        },
        {
            "item_id": "itm-1",
            "job_type": "parse",
            "output_s3_path": "s3://out/2",
            "parameters_hash": "h2",
            "processed_at": "2024-01-01T00:00:00Z",
            "result_id": "res-2",
            "job_config": {
                "job_name": "parse_raw_file_job",
                "parameters": {"type": "parse", "lang": "en"},
            },
        },
    ],
}


async def test_job_config_variant_follows_job_type(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, RESULT)
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        results = await client.beta.batch.job_items.get_processing_results("itm-1")
    assert isinstance(results, ItemProcessingResults)
    classify, parse = results.processing_results
    assert isinstance(classify.job_config, ClassifyJob)
    assert classify.job_config.rules[0].description == "Invoices"
    assert isinstance(parse.job_config, ParseJobConfig)
    assert parse.job_config.job_name == "parse_raw_file_job"
    assert server.received[0].path == "/api/v1/beta/batch-processing/items/itm-1/processing-results"


def test_an_unknown_value_differing_from_a_member_only_in_case_is_not_known() -> None:
    from llama_cloud_batch.types import ClassifyJobStatus

    odd = ClassifyJobStatus("cANCELLED")
    assert odd == "cANCELLED"
    assert not odd.is_known
    assert ClassifyJobStatus("CANCELLED").is_known


def _statuses(*statuses: str) -> Callable[[Received], Reply]:
    queue = list(statuses)

    def script(request: Received) -> Reply:
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        return Reply(200, {"job": job(1, status=status), "progress_percentage": 50})

    return script


def test_waiting_stops_at_the_specs_final_statuses_and_warns_once_per_unknown_one(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="llama_cloud_batch")
    final = sorted(BatchJobStatus.FINAL)
    # Names no maintainer would give a real status: the test must not break when one is added.
    server.script = _statuses("pending", "zz-new-1", "zz-new-1", "zz-new-2", final[-1])
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        done = client.beta.batch.wait_for_completion(
            "bjb-1", poll_interval=0.01, max_poll_interval=0.02
        )
    assert done.job.status == final[-1]
    assert len(server.received) == 5
    # One warning per unknown status, however often it is polled.
    first, second = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert "'zz-new-1'" in first.getMessage()
    assert "'zz-new-2'" in second.getMessage()
    assert "bjb-1" in first.getMessage()


@pytest.mark.parametrize("status", sorted(BatchJobStatus.FINAL))
async def test_waiting_returns_at_every_final_status(server: ScriptedServer, status: str) -> None:
    server.script = _statuses("running", status)
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        done = await client.beta.batch.wait_for_completion("bjb-1", poll_interval=0.01)
    assert done.job.status == status
    assert len(server.received) == 2


def test_a_bad_value_deep_in_a_page_is_located_and_never_echoed(server: ScriptedServer) -> None:
    jobs = [job(index) for index in range(40)]
    jobs[37]["created_at"] = f"Bearer {API_KEY}"
    server.script = lambda r: Reply(200, page(jobs, 40))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(APIResponseValidationError) as raised:
            client.beta.batch.list()
    message = str(raised.value)
    assert message.startswith("list_batch_jobs:")
    assert "items[37].created_at: not an ISO 8601 date-time (BatchJob 'bjb-00000037')" in message
    linked: BaseException | None = raised.value
    while linked is not None:
        assert API_KEY not in str(linked)
        assert API_KEY not in repr(linked.args)
        linked = linked.__cause__ or linked.__context__
