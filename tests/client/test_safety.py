"""Path values cannot escape their segment; auth never leaves its host; plain HTTP stays on this
machine; secrets in job configs stay out of reprs. (The key in errors and logs is
test_redaction.py's.)"""

from __future__ import annotations

import httpx
import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import (
    AsyncLlamaCloud,
    InsecureConnectionError,
    LlamaCloud,
    MissingAPIKeyError,
)
from llama_cloud_batch.types import ParseParametersParam, WebhookConfigurationParam
from scripted_server import Reply, ScriptedServer


def test_secrets_in_job_configs_stay_out_of_reprs() -> None:
    params = ParseParametersParam(
        azure_openai_key="azure-secret-1", vendor_multimodal_api_key="vendor-secret-2"
    )
    webhook = WebhookConfigurationParam(webhook_signing_secret="signing-secret-3")
    text = repr(params) + repr(webhook)
    assert "azure-secret-1" not in text
    assert "vendor-secret-2" not in text
    assert "signing-secret-3" not in text
    assert params.to_dict()["azure_openai_key"] == "azure-secret-1"  # still sent


@pytest.mark.parametrize(
    ("job_id", "raw"),
    [("../x", "..%2Fx"), ("a/b?c", "a%2Fb%3Fc"), ("..", "%2E%2E"), ("a#b c", "a%23b%20c")],
)
def test_path_values_are_percent_encoded(server: ScriptedServer, job_id: str, raw: str) -> None:
    server.script = lambda r: Reply(200, {"job": job(1), "progress_percentage": 50})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.get_status(job_id)
    (request,) = server.received
    assert request.raw_path == f"/api/v1/beta/batch-processing/{raw}"


def test_empty_path_value_is_refused_before_sending(server: ScriptedServer) -> None:
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(ValueError, match="non-empty"):
            client.beta.batch.cancel("")
    assert server.received == []


def test_authorization_is_not_sent_to_another_host_on_redirect(server: ScriptedServer) -> None:
    with ScriptedServer(lambda r: Reply(200, page([job(1)], 1))) as elsewhere:
        other = elsewhere.url.replace("127.0.0.1", "localhost")
        server.script = lambda r: Reply(307, {}, headers={"location": other + r.path})
        with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            assert len(client.beta.batch.list().items) == 1
        (followed,) = elsewhere.received
    assert server.received[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert "authorization" not in followed.headers


@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.5:8000"])
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(InsecureConnectionError) as raised:
        LlamaCloud(api_key=API_KEY, base_url=url)
    assert API_KEY not in str(raised.value)
    LlamaCloud(api_key=API_KEY, base_url=url, allow_insecure_http=True).close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
        "https://api.example.com",
    ],
)
def test_loopback_and_https_are_accepted(url: str) -> None:
    LlamaCloud(api_key=API_KEY, base_url=url).close()


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(MissingAPIKeyError, match="LLAMA_CLOUD_API_KEY"):
        LlamaCloud()


async def test_async_missing_key_and_env_defaults(
    monkeypatch: pytest.MonkeyPatch, server: ScriptedServer
) -> None:
    with pytest.raises(MissingAPIKeyError):
        AsyncLlamaCloud()
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", API_KEY)
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)
    server.script = lambda r: Reply(200, page([], 0))
    async with AsyncLlamaCloud() as client:
        assert client.base_url == server.url
        await client.beta.batch.list()
    assert server.received[0].headers["authorization"] == f"Bearer {API_KEY}"


def test_default_base_url() -> None:
    with LlamaCloud(api_key=API_KEY) as client:
        assert client.base_url == "https://api.cloud.llamaindex.ai"
    assert httpx  # the client is built on httpx


async def test_async_path_encoding_and_redirect(server: ScriptedServer) -> None:
    with ScriptedServer(lambda r: Reply(200, {"job": job(1), "progress_percentage": 5})) as other:
        target = other.url.replace("127.0.0.1", "localhost")
        server.script = lambda r: Reply(307, {}, headers={"location": target + r.raw_path})
        async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            progress = await client.beta.batch.get_status("../x")
            assert progress.progress_percentage == 5
        (followed,) = other.received
    assert server.received[0].raw_path == "/api/v1/beta/batch-processing/..%2Fx"
    assert "authorization" not in followed.headers
