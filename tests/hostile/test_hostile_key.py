"""The API key never leaves in clear, however a caller tries: proxies, odd characters, odd base
URLs, each refused without showing the key. (The key a server echoes back, in errors, logs and
pickles, is tests/client/test_redaction.py's.)"""

from __future__ import annotations

import traceback

import httpx
import pytest
from llama_cloud_batch import AsyncLlamaCloud, InsecureConnectionError, LlamaCloud
from servers import KEY, HostileServer, progress, reply

REMOTE_PROXY = "http://proxy.example.net:3128"


def _texts(error: BaseException) -> str:
    """Everything a log line or a traceback could show of an error."""
    shown = "".join(traceback.format_exception(error))
    return "\n".join([str(error), repr(error), shown])


# ----- proxies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_plain_http_through_a_remote_proxy_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, client_class: type
) -> None:
    monkeypatch.setenv(variable, REMOTE_PROXY)
    with pytest.raises(InsecureConnectionError) as refused:
        client_class(api_key=KEY, base_url="http://127.0.0.1:8000")
    assert "proxy.example.net" in str(refused.value)
    assert KEY not in _texts(refused.value)


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_a_caller_httpx_client_with_a_remote_proxy_is_refused_for_plain_http(
    client_class: type,
) -> None:
    http_class = httpx.Client if client_class is LlamaCloud else httpx.AsyncClient
    http = http_class(proxy="http://user:pw@10.1.2.3:8080")
    with pytest.raises(InsecureConnectionError) as refused:
        client_class(api_key=KEY, base_url="http://localhost:8000", http_client=http)
    assert "10.1.2.3" in str(refused.value)
    assert "pw" not in str(refused.value)


@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_proxies_that_keep_the_key_on_this_machine_or_in_tls_are_accepted(
    monkeypatch: pytest.MonkeyPatch, client_class: type
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:3128")
    assert client_class(api_key=KEY, base_url="http://127.0.0.1:8000")  # a local proxy
    monkeypatch.setenv("HTTP_PROXY", REMOTE_PROXY)
    monkeypatch.setenv("HTTPS_PROXY", REMOTE_PROXY)
    assert client_class(api_key=KEY, base_url="https://api.example.com")  # tunnelled TLS
    assert client_class(api_key=KEY, base_url="http://127.0.0.1:8000", allow_insecure_http=True)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert client_class(api_key=KEY, base_url="http://127.0.0.1:8000")  # not proxied
    http_class = httpx.Client if client_class is LlamaCloud else httpx.AsyncClient
    monkeypatch.delenv("NO_PROXY")
    ignoring_env = http_class(trust_env=False)
    assert client_class(api_key=KEY, base_url="http://127.0.0.1:8000", http_client=ignoring_env)


# ----- the key's own characters ------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["\n", "\r\n", "\t", " ", " \n "])
def test_a_key_with_surrounding_whitespace_is_sent_stripped(padding: str) -> None:
    with HostileServer(lambda seen: reply(200, progress("completed"))) as server:
        with LlamaCloud(api_key=KEY + padding, base_url=server.url) as client:
            client.beta.batch.get_status("bjb-1")
    assert server.seen[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("bad", ["\x00", "\n", "\x7f", "é", "\u2028", "\x1b"])
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_a_key_with_a_control_or_non_ascii_character_inside_is_refused_without_showing_it(
    bad: str, client_class: type
) -> None:
    key = KEY[:10] + bad + KEY[10:]
    with pytest.raises(ValueError, match="API key") as refused:
        client_class(api_key=key, base_url="http://127.0.0.1:8000")
    assert KEY[:10] not in _texts(refused.value)
    assert KEY[10:] not in _texts(refused.value)


# ----- base_url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.example.com/?x=1",
        "https://api.example.com/#frag",
        "https://api.example.com?",
        "https://user:s3cret-pw@api.example.com",
        "https://user@api.example.com",
    ],
)
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_a_base_url_with_a_query_a_fragment_or_credentials_is_refused(
    base_url: str, client_class: type
) -> None:
    with pytest.raises(ValueError, match="base_url") as refused:
        client_class(api_key=KEY, base_url=base_url)
    assert "s3cret-pw" not in str(refused.value)
