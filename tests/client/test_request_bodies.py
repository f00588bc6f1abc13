"""Nested request objects go out exactly as given, whether a typed dict or a model: a model built
in code sends only what it was given (no nulls for what it was not), and a null it holds on
purpose because it was received stays null."""

from __future__ import annotations

from factories import API_KEY, job
from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
from llama_cloud_batch.types import (
    ParseJobConfigParam,
    ParseParametersParam,
    WebhookConfigurationParam,
)
from scripted_server import Reply, ScriptedServer

WEBHOOK = {"webhook_url": "https://example.com/hook", "webhook_headers": {"X-Token": "t"}}
CONFIG = {"job_name": "parse_raw_file_job", "parameters": {"type": "parse", "lang": "en"}}


def test_a_typed_dict_and_a_model_send_the_same_body(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, job(1))
    model = ParseJobConfigParam(
        job_name="parse_raw_file_job",
        parameters=ParseParametersParam(
            type="parse",
            lang="en",
            webhook_configurations=[WebhookConfigurationParam.from_dict(WEBHOOK)],
        ),
    )
    as_dict = {
        **CONFIG,
        "parameters": {**CONFIG["parameters"], "webhook_configurations": [WEBHOOK]},
    }
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.create(job_config=as_dict, directory_id="dir-1")
        client.beta.batch.create(job_config=model, directory_id="dir-1")
    sent_dict, sent_model = (request.body["job_config"] for request in server.received)
    assert sent_dict == as_dict
    assert sent_model == as_dict


async def test_a_received_null_is_sent_back_as_null(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, job(1))
    received = ParseJobConfigParam.from_dict({**CONFIG, "session_id": None})
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        await client.beta.batch.create(job_config=received, item_ids=["itm-1"])
    (request,) = server.received
    assert request.body["job_config"]["session_id"] is None
    assert "user_id" not in request.body["job_config"]
