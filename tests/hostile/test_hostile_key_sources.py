"""Where the key comes from: a blank LLAMA_CLOUD_API_KEY is no key (LLAMA_PARSE_API_KEY is
read instead), for the client and the command line."""

from __future__ import annotations

from typing import Any

import pytest
from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
from llama_cloud_batch.testing import BatchServer
from servers import KEY, HostileServer, progress, reply
from terminal import Run, assert_shown_as_text, cli_env, run_cli


@pytest.mark.parametrize("blank", ["", " ", "\n", " \t\r\n"])
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
async def test_a_blank_llama_cloud_api_key_does_not_hide_llama_parse_api_key(
    monkeypatch: pytest.MonkeyPatch, client_class: type, blank: str
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", blank)
    monkeypatch.setenv("LLAMA_PARSE_API_KEY", KEY)
    with HostileServer(lambda seen: reply(200, progress())) as server:
        client = client_class(base_url=server.url)
        call = client.beta.batch.get_status("bjb-1")
        if client_class is AsyncLlamaCloud:
            await call
            await client.close()
        else:
            client.close()
    assert server.seen[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.fixture
def server() -> Any:
    with BatchServer(api_key=KEY) as started:
        started.add_job(items=1)
        yield started


def _run(server: BatchServer, *args: str, stdin: str | None = None, **env: str) -> Run:
    environment = cli_env(server.url, **env)
    if "LLAMA_CLOUD_API_KEY" not in env:
        del environment["LLAMA_CLOUD_API_KEY"]
    run = run_cli(args, environment, terminal=False, stdin=stdin)
    assert_shown_as_text(run)
    return run


def test_the_command_line_reads_a_blank_key_as_none(server: BatchServer) -> None:
    run = _run(server, "jobs", "list", LLAMA_CLOUD_API_KEY=" ", LLAMA_PARSE_API_KEY=KEY)
    assert run.code == 0, run.output
