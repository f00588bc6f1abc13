"""Where the key comes from: a blank LLAMA_CLOUD_API_KEY is no key (LLAMA_PARSE_API_KEY is
read instead), and the command line reads it from a file or stdin (--api-key-file), so that it
need not be on the command line, where other users can see it in process listings."""

from __future__ import annotations

from pathlib import Path
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


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_key_can_come_from_a_file(server: BatchServer, tmp_path: Path, where: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"{KEY}\n")
    option = ("--api-key-file", str(key_file))
    args = [*option, "jobs", "list"] if where == "before" else ["jobs", "list", *option]
    run = _run(server, *args)
    assert run.code == 0, run.output
    assert server.requests_for("listBatchJobs")


def test_the_key_can_come_from_stdin(server: BatchServer) -> None:
    run = _run(server, "--api-key-file", "-", "jobs", "list", stdin=f"{KEY}\n")
    assert run.code == 0, run.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--api-key", KEY, "--api-key-file", "-"), "not both"),
        (("--api-key-file", "/nonexistent/key"), "/nonexistent/key"),
    ],
)
def test_a_key_file_that_cannot_be_used_is_a_usage_error(
    server: BatchServer, args: tuple[str, ...], says: str
) -> None:
    run = _run(server, *args, "jobs", "list", stdin="")
    assert run.code == 2, run.output
    assert says in run.output
    assert not server.requests_for("listBatchJobs")


def test_stdin_is_read_for_one_thing_only(server: BatchServer, tmp_path: Path) -> None:
    run = _run(
        server,
        "--api-key-file",
        "-",
        "jobs",
        "create",
        "--config",
        "-",
        "--item",
        "file-1",
        stdin=f"{KEY}\n",
    )
    assert run.code == 2, run.output
    assert "stdin" in run.output


def test_help_says_how_to_keep_the_key_off_the_command_line(server: BatchServer) -> None:
    run = _run(server, "--help")
    assert run.code == 0
    assert "--api-key-file" in run.output
    assert "process list" in run.output
