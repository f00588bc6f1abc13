"""with_options/copy (other settings, one connection pool) and the environment variables the
official SDK reads: LLAMA_CLOUD_API_KEY, LLAMA_PARSE_API_KEY, LLAMA_CLOUD_CUSTOM_HEADERS and
LLAMA_CLOUD_BASE_URL."""

from __future__ import annotations

import asyncio
import shutil
import ssl
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
from factories import API_KEY, page
from llama_cloud_batch import (
    APITimeoutError,
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    MissingAPIKeyError,
)
from scripted_server import Reply, ScriptedServer


def test_with_options_shares_the_pool_and_changes_only_what_it_is_given(
    server: ScriptedServer,
) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    client = LlamaCloud(
        api_key=API_KEY, base_url=server.url, default_headers={"x-team": "data"}, max_retries=1
    )
    with client.with_options(max_retries=0, default_headers={"x-run": "7"}) as copy:
        assert copy._http is client._http
        assert copy.max_retries == 0
        assert copy.timeout == client.timeout
        assert copy.base_url == client.base_url
        copy.beta.batch.list()
    # Closing the copy left the shared pool open: the original still works.
    assert not client._http.is_closed
    client.beta.batch.list()
    client.close()
    assert client._http.is_closed
    copied, original = server.received
    assert copied.headers["x-team"] == "data"
    assert copied.headers["x-run"] == "7"
    assert "x-run" not in original.headers
    assert copied.headers["authorization"] == original.headers["authorization"]


def test_copy_with_another_base_url_and_timeout(server: ScriptedServer) -> None:
    with ScriptedServer(lambda r: Reply(200, page([], 0), delay=0.3)) as slow:
        server.script = lambda r: Reply(200, page([], 0))
        with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
            elsewhere = client.copy(base_url=slow.url, timeout=0.05)
            with pytest.raises(APITimeoutError):
                elsewhere.beta.batch.list()
            assert client.beta.batch.list().items == []
            assert repr(elsewhere) == f"LlamaCloud(base_url={slow.url!r})"
    assert len(server.received) == 1
    assert len(slow.received) == 1


def test_copy_keeps_retry_settings_unless_told(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    server.script = lambda r: Reply(500, {"detail": "down"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=2) as client:
        with pytest.raises(InternalServerError):
            client.copy(timeout=None).beta.batch.get_status("bjb-1")
        assert len(server.received) == 3
        with pytest.raises(InternalServerError):
            client.with_options(max_retries=0).beta.batch.get_status("bjb-1")
        assert len(server.received) == 4


def test_copy_refuses_what_the_constructor_refuses() -> None:
    with LlamaCloud(api_key=API_KEY, base_url="https://api.example.com") as client:
        with pytest.raises(ValueError, match="max_retries must be 0 or more"):
            client.with_options(max_retries=-1)
        with pytest.raises(Exception, match="refusing to send the API key in clear text"):
            client.with_options(base_url="http://api.example.com")
        assert API_KEY not in repr(client.with_options(timeout=3))


async def test_async_with_options_shares_the_pool(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    client = AsyncLlamaCloud(api_key=API_KEY, base_url=server.url, page_concurrency=3)
    async with client.with_options(default_headers={"x-run": "1"}) as copy:
        assert copy._http is client._http
        assert copy.page_concurrency == 3
        await copy.beta.batch.list()
    assert not client._http.is_closed
    await client.beta.batch.list()
    await client.close()
    assert server.received[0].headers["x-run"] == "1"
    assert "x-run" not in server.received[1].headers


def test_borrowed_http_client_stays_open_through_copies(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    borrowed = httpx.Client()
    with LlamaCloud(api_key=API_KEY, base_url=server.url, http_client=borrowed) as client:
        with client.with_options(timeout=5) as copy:
            copy.beta.batch.list()
    assert not borrowed.is_closed
    borrowed.close()


def test_key_falls_back_to_llama_parse_api_key(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    monkeypatch.setenv("LLAMA_PARSE_API_KEY", "parse-key")
    monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)
    with LlamaCloud() as client:
        client.beta.batch.list()
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", "cloud-key")
    with LlamaCloud() as client:
        client.beta.batch.list()
    with LlamaCloud(api_key="given-key") as client:
        client.beta.batch.list()
    assert [r.headers["authorization"] for r in server.received] == [
        "Bearer parse-key",
        "Bearer cloud-key",
        "Bearer given-key",
    ]


def test_missing_key_names_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_API_KEY", "")
    with pytest.raises(MissingAPIKeyError, match=r"LLAMA_CLOUD_API_KEY.*LLAMA_PARSE_API_KEY"):
        LlamaCloud()


def test_custom_headers_from_the_environment(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.script = lambda r: Reply(200, page([], 0))
    monkeypatch.setenv(
        "LLAMA_CLOUD_CUSTOM_HEADERS",
        "X-Gateway-Key: gw-1\r\n\n  x-route :  eu-west: a  \nX-Team: env",
    )
    with LlamaCloud(
        api_key=API_KEY, base_url=server.url, default_headers={"X-Team": "given"}
    ) as client:
        client.beta.batch.list(extra_headers={"x-route": "call"})
        client.beta.batch.list()
    with_call, plain = server.received
    assert plain.headers["x-gateway-key"] == "gw-1"
    assert plain.headers["x-route"] == "eu-west: a"  # split at the first colon, trimmed
    assert plain.headers["x-team"] == "given"  # the constructor's headers win
    assert with_call.headers["x-route"] == "call"  # and per-call headers win over both


@pytest.mark.parametrize("value", ["X-Secret-Token gw-secret-1", ": gw-secret-1"])
def test_a_custom_header_line_that_is_not_a_header_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_CUSTOM_HEADERS", f"X-Ok: 1\n{value}")
    with pytest.raises(ValueError, match="LLAMA_CLOUD_CUSTOM_HEADERS: line 2") as raised:
        LlamaCloud(api_key=API_KEY)
    assert "gw-secret-1" not in str(raised.value)


@pytest.mark.parametrize("line", ["X-Token: gw-secret-1\x7f", "X Token: gw-secret-1"])
def test_a_custom_header_http_cannot_carry_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_CUSTOM_HEADERS", f"X-Ok: 1\n{line}")
    with pytest.raises(ValueError, match="LLAMA_CLOUD_CUSTOM_HEADERS") as raised:
        LlamaCloud(api_key=API_KEY)
    assert "gw-secret-1" not in str(raised.value)


@pytest.mark.parametrize("make", [LlamaCloud, AsyncLlamaCloud])
def test_cookies_a_server_sets_go_back_on_later_calls(
    server: ScriptedServer, make: type[LlamaCloud] | type[AsyncLlamaCloud]
) -> None:
    # The client's own httpx client hands only responses with Set-Cookie to its jar.
    replies = iter([Reply(200, page([], 0)), Reply(200, page([], 0), {"set-cookie": "lb=b2"})])
    server.script = lambda r: next(replies, Reply(200, page([], 0)))

    async def calls(client: Any) -> None:
        for _ in range(3):
            await client.beta.batch.list()
        await client.close()

    client = make(api_key=API_KEY, base_url=server.url, max_retries=0)
    if isinstance(client, LlamaCloud):
        with client:
            for _ in range(3):
                client.beta.batch.list()
    else:
        asyncio.run(calls(client))
    assert [r.headers.get("cookie") for r in server.received] == [None, None, "lb=b2"]


def test_default_query_goes_with_every_call_under_the_calls_own_values(
    server: ScriptedServer,
) -> None:
    server.script = lambda r: Reply(200, {"items": [], "next_page_token": None})
    with LlamaCloud(
        api_key=API_KEY, base_url=server.url, default_query={"project_id": "p-0", "tenant": "t"}
    ) as client:
        client.batches.list()
        client.batches.list(project_id="p-1")
        client.batches.list(project_id="p-1", extra_query={"project_id": "p-2", "tenant": "u"})
        copied = client.copy(default_query={"tenant": "v"})
        copied.batches.list()
    queries = [request.query for request in server.received]
    assert queries == [
        {"project_id": "p-0", "tenant": "t"},
        {"project_id": "p-1", "tenant": "t"},
        {"project_id": "p-2", "tenant": "u"},
        {"project_id": "p-0", "tenant": "v"},
    ]


def test_a_default_query_no_query_string_can_carry_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match="where: cannot send a dict in a query string"):
        LlamaCloud(api_key=API_KEY, default_query={"where": {"a": 1}})


# ----- the SSL context the clients share ---------------------------------------------------------


def _ca_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The CA files and folders SSL contexts load from now on, in order."""
    reads: list[str] = []
    load = ssl.SSLContext.load_verify_locations

    def recording(
        context: ssl.SSLContext, cafile: Any = None, capath: Any = None, cadata: Any = None
    ) -> None:
        reads.append(str(cafile or capath))
        load(context, cafile, capath, cadata)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", recording)
    return reads


def _made_and_closed(**options: Any) -> None:
    LlamaCloud(api_key=API_KEY, **options).close()
    asyncio.run(AsyncLlamaCloud(api_key=API_KEY, **options).close())


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_clients_share_one_ssl_context_per_ca_setting_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # CA settings no client of this process has seen yet, and none other (httpx reads
    # SSL_CERT_FILE first).
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    first, second = tmp_path / "first", tmp_path / "second"
    if variable == "SSL_CERT_FILE":
        shutil.copy(certifi.where(), first)
        shutil.copy(certifi.where(), second)
    else:
        first.mkdir()
        second.mkdir()
    monkeypatch.setenv(variable, str(first))
    reads = _ca_reads(monkeypatch)
    for _ in range(3):
        _made_and_closed()
    assert reads == [str(first)]  # six clients, one read of the CA setting they name
    monkeypatch.setenv(variable, str(second))
    _made_and_closed()
    assert reads == [str(first), str(second)]


def test_a_missing_ca_file_fails_every_client_made_while_it_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(missing))
    for _ in range(2):  # nothing broken is kept for the next client
        with pytest.raises(FileNotFoundError):
            LlamaCloud(api_key=API_KEY)
    missing.write_bytes(Path(certifi.where()).read_bytes())
    _made_and_closed()


def test_an_http_client_of_the_callers_keeps_its_own_ssl_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unseen = tmp_path / "ca.pem"
    shutil.copy(certifi.where(), unseen)
    monkeypatch.setenv("SSL_CERT_FILE", str(unseen))
    reads = _ca_reads(monkeypatch)
    with httpx.Client(verify=False) as own:
        LlamaCloud(api_key=API_KEY, http_client=own).close()
    assert reads == []  # no context was built for it
