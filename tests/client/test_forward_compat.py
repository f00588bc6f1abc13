"""Values and properties the spec does not know survive parsing and a round trip."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import API_KEY, job, page
from llama_cloud_batch import AsyncLlamaCloud, BatchJobStatus, JobType, LlamaCloud
from llama_cloud_batch.types import BatchJob, ClassifyJob, ItemProcessingResults, ParseJobConfig
from scripted_server import Reply, ScriptedServer


def test_unknown_status_and_extra_property_survive_a_list_and_a_round_trip(
    server: ScriptedServer,
) -> None:
    body = job(1, status="queued", job_type="summarize", shard="eu-3")
    server.script = lambda r: Reply(200, page([body], 1))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        (listed,) = client.beta.batch.list()
    assert listed.status == "queued"
    assert isinstance(listed.status, BatchJobStatus)
    assert not listed.status.is_known
    assert listed.status.value == "queued"
    assert listed.job_type == "summarize"
    assert isinstance(listed.job_type, JobType)
    assert listed["shard"] == "eu-3"
    assert listed.additional_properties == {"shard": "eu-3"}
    again = listed.to_dict()
    assert again["status"] == "queued"
    assert again["shard"] == "eu-3"
    assert BatchJob.from_dict(again) == listed


def test_known_values_are_enum_members() -> None:
    assert BatchJobStatus("running") is BatchJobStatus.RUNNING
    assert BatchJobStatus.RUNNING.is_known
    assert JobType.PARSE == "parse"


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
