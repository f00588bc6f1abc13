"""The public API as the README uses it: mypy --strict and pyright must accept every line."""

from __future__ import annotations

import datetime

from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
from llama_cloud_batch.types import (
    BatchJob,
    BatchJobStatus,
    ParseJobConfigParam,
    ParseParametersParam,
    WebhookConfigurationParam,
)


def finished_at(job: BatchJob) -> datetime.datetime | None:
    if job.completed_at is not None:
        return job.completed_at.astimezone(datetime.UTC)
    return None


def error_text(job: BatchJob) -> str:
    return job.error_message.strip() if job.error_message is not None else ""


def sync_usage() -> None:
    client = LlamaCloud()
    page = client.beta.batch.list(status="running", limit=100)
    print(page.total_size, [job.id for job in page.items])
    for job in client.beta.batch.list(job_type="parse"):
        print(job.id, job.status, job.created_at, finished_at(job))
    job = client.beta.batch.create(
        job_config={
            "job_name": "parse_raw_file_job",
            "parameters": {
                "type": "parse",
                "lang": "en",
                "webhook_configurations": [
                    {"webhook_url": "https://example.com/hook", "webhook_events": ["parse.success"]}
                ],
            },
        },
        directory_id="dir-...",
    )
    done = client.beta.batch.wait_for_completion(job.id, max_wait=1800)
    if done.job.status.is_final and done.job.status in BatchJobStatus.FINAL:
        print(error_text(done.job))
    for item in client.beta.batch.job_items.list(job.id, status="failed"):
        print(item.item_name, item.error_message)
    # Model instances are accepted where plain dicts are.
    config = ParseJobConfigParam(
        parameters=ParseParametersParam(
            webhook_configurations=[WebhookConfigurationParam(webhook_url="https://example.com")]
        )
    )
    client.beta.batch.create(job_config=config, item_ids=["itm-1"])
    typed: ParseJobConfigParam.Dict = {"job_name": "parse_raw_file_job"}
    client.beta.batch.create(job_config=typed, item_ids=["itm-1"])


async def async_usage() -> None:
    async with AsyncLlamaCloud() as client:
        async for job in client.beta.batch.list(limit=100):
            print(job.id, finished_at(job))
