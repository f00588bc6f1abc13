"""Header layers merge by name whatever its case, and no header goes out twice: the client's own
headers, LLAMA_CLOUD_CUSTOM_HEADERS, default_headers, a copy's default_headers, a call's
extra_headers, and the key's Authorization, which only a call's extra_headers can replace."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
from servers import KEY, HostileServer, Seen, progress, reply

STALE = "Bearer llx-stale-key-from-elsewhere"


def _client(client_class: type, url: str, own_http: bool, **options: Any) -> Any:
    if not own_http:
        http = httpx.AsyncClient() if client_class is AsyncLlamaCloud else httpx.Client()
        options["http_client"] = http
    return client_class(api_key=KEY, base_url=url, **options)


async def _sent(
    client_class: type,
    *,
    own_http: bool = True,
    copy_headers: dict[str, str] | None = None,
    extra_headers: dict[str, str] | None = None,
    **options: Any,
) -> list[tuple[str, str]]:
    """The header lines one get_status call sends."""
    with HostileServer(lambda seen: reply(200, progress())) as server:
        client = _client(client_class, server.url, own_http, **options)
        caller = (
            client if copy_headers is None else client.with_options(default_headers=copy_headers)
        )
        call = caller.beta.batch.get_status("bjb-1", extra_headers=extra_headers)
        if client_class is AsyncLlamaCloud:
            await call
            await client.close()
            if not own_http:
                await client._http.aclose()
        else:
            client.close()
            if not own_http:
                client._http.close()
    seen: Seen = server.seen[0]
    return seen.lines


def _values(lines: list[tuple[str, str]], name: str) -> list[str]:
    return [value for sent, value in lines if sent.lower() == name]


def _each_once(lines: list[tuple[str, str]]) -> None:
    names = [name.lower() for name, _ in lines]
    assert len(names) == len(set(names)), lines


CLIENTS = [LlamaCloud, AsyncLlamaCloud]
HTTP = [pytest.param(True, id="own-http"), pytest.param(False, id="caller-http")]


@pytest.mark.parametrize("own_http", HTTP)
@pytest.mark.parametrize("client_class", CLIENTS)
@pytest.mark.parametrize("name", ["authorization", "AUTHORIZATION", "Authorization"])
async def test_the_keys_authorization_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, client_class: type, own_http: bool, name: str
) -> None:
    monkeypatch.setenv("LLAMA_CLOUD_CUSTOM_HEADERS", f"{name}: {STALE}\nx-team: data")
    lines = await _sent(client_class, own_http=own_http)
    _each_once(lines)
    assert _values(lines, "authorization") == [f"Bearer {KEY}"]
    assert _values(lines, "x-team") == ["data"]


@pytest.mark.parametrize("own_http", HTTP)
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_the_keys_authorization_wins_over_default_headers(
    client_class: type, own_http: bool
) -> None:
    lines = await _sent(client_class, own_http=own_http, default_headers={"authorization": STALE})
    _each_once(lines)
    assert _values(lines, "authorization") == [f"Bearer {KEY}"]


@pytest.mark.parametrize("own_http", HTTP)
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_a_calls_extra_headers_can_replace_the_authorization(
    client_class: type, own_http: bool
) -> None:
    lines = await _sent(
        client_class, own_http=own_http, extra_headers={"AUTHORIZATION": "Bearer per-call"}
    )
    _each_once(lines)
    assert _values(lines, "authorization") == ["Bearer per-call"]


@pytest.mark.parametrize("own_http", HTTP)
@pytest.mark.parametrize("client_class", CLIENTS)
async def test_each_layer_replaces_the_one_below_whatever_the_case(
    monkeypatch: pytest.MonkeyPatch, client_class: type, own_http: bool
) -> None:
    # Environment < default_headers < a copy's default_headers < a call's extra_headers; the
    # client's own Accept and User-Agent are below them all.
    monkeypatch.setenv(
        "LLAMA_CLOUD_CUSTOM_HEADERS",
        "X-Env: env\nx-env: env-again\nX-Team: env\nX-Run: env\nX-Call: env\nuser-agent: env",
    )
    lines = await _sent(
        client_class,
        own_http=own_http,
        default_headers={"x-team": "default", "X-RUN": "default", "ACCEPT": "text/plain"},
        copy_headers={"x-run": "copy", "x-call": "copy"},
        extra_headers={"X-CALL": "call"},
    )
    _each_once(lines)
    assert _values(lines, "x-env") == ["env-again"]
    assert _values(lines, "x-team") == ["default"]
    assert _values(lines, "x-run") == ["copy"]
    assert _values(lines, "x-call") == ["call"]
    assert _values(lines, "accept") == ["text/plain"]
    assert _values(lines, "user-agent") == ["env"]
    assert _values(lines, "authorization") == [f"Bearer {KEY}"]
