"""Mistakes in a job configuration: each line marked `# rejected` must be a type error under
mypy --strict and pyright, and no other line may be."""

from __future__ import annotations

from llama_cloud_batch import LlamaCloud
from llama_cloud_batch.types import BatchJob


def mistakes(client: LlamaCloud, job: BatchJob) -> None:
    client.beta.batch.create(
        job_config={"job_nme": "parse_raw_file_job"},  # rejected
        item_ids=["a"],
    )
    client.beta.batch.create(job_config={"parameters": {"lang": 5}}, item_ids=["a"])  # rejected
    client.beta.batch.create(job_config={"parameters": {"langg": "en"}}, item_ids=["a"])  # rejected
    client.beta.batch.create(job_config={"job_name": "parse_it"}, item_ids=["a"])  # rejected
    client.beta.batch.create(
        job_config={"parameters": {"webhook_configurations": [{"webhook_ulr": "x"}]}},  # rejected
        item_ids=["a"],
    )
    job.completed_at.isoformat()  # rejected
    client.beta.batch.create(job_config={"job_name": "parse_raw_file_job"}, item_ids=["a"])
