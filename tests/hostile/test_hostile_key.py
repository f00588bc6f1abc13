"""The API key never leaves in clear and never shows up in text, however a server or a caller
tries: proxies, odd characters, escaped echoes, chained exceptions, pickling, odd base URLs."""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import pickle
import time
import traceback
import urllib.parse
from concurrent.futures import ProcessPoolExecutor

import httpx
import pytest
from llama_cloud_batch import (
    APIError,
    APIResponseValidationError,
    AsyncLlamaCloud,
    AuthenticationError,
    InsecureConnectionError,
    InternalServerError,
    LlamaCloud,
    NotFoundError,
    ResponseTooLargeError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
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


# ----- redaction -------------------------------------------------------------------------------

ECHOES = {
    "plain": KEY,
    "json-escaped": json.dumps(KEY)[1:-1].replace("/", "\\/"),
    "unicode-escaped": "".join(f"\\u{ord(c):04x}" for c in KEY),
    "percent-encoded": urllib.parse.quote(KEY, safe=""),
    "percent-encoded, lower case": urllib.parse.quote(KEY, safe="").lower(),
    "repr-escaped": "".join(f"\\x{ord(c):02x}" for c in KEY),
}


@pytest.mark.parametrize("form", ECHOES)
@pytest.mark.parametrize("cut_at", [0, 480, 495, 499])
def test_an_error_body_echoing_the_key_in_any_spelling_near_the_preview_cut_is_redacted(
    form: str, cut_at: int
) -> None:
    echo = ECHOES[form]
    detail = "k" * cut_at + echo + " is not a valid key"
    with HostileServer(lambda seen: reply(401, {"detail": detail})) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            with pytest.raises(AuthenticationError) as raised:
                client.beta.batch.get_status("bjb-1")
    shown = _texts(raised.value)
    # Not whole, and not the part before the cut either.
    assert echo[: len(echo) // 2] not in shown, shown
    assert KEY[:12] not in shown
    assert KEY not in pickle.dumps(raised.value).decode("latin-1")


def test_an_error_body_flooded_with_backslashes_is_redacted_without_hanging() -> None:
    """Backslashes are how escaped spellings of the key begin; a body of hundreds of thousands
    of them once made redaction quadratic (hours for a 1 MiB body)."""
    detail = "\\" * 400_000 + KEY + "\\" * 50_000 + "".join(f"\\x{ord(c):02x}" for c in KEY)
    with HostileServer(lambda seen: reply(401, {"detail": detail})) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            started = time.monotonic()
            with pytest.raises(AuthenticationError) as raised:
                client.beta.batch.get_status("bjb-1")
            # A hang guard, not a speed check: it took well under a second after the fix.
            assert time.monotonic() - started < 30
    assert KEY[:12] not in _texts(raised.value)
    assert KEY not in pickle.dumps(raised.value).decode("latin-1")
    assert "x6c" not in str(raised.value.body)


@pytest.mark.parametrize("cut_at", [0, 70, 90])
def test_a_success_body_that_is_not_json_and_echoes_the_key_is_redacted(cut_at: int) -> None:
    body = ("<" + "x" * cut_at + KEY + ">").encode()
    with HostileServer(lambda seen: reply(200, body)) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            with pytest.raises(APIResponseValidationError) as raised:
                client.beta.batch.get_status("bjb-1")
    assert KEY[:8] not in _texts(raised.value)


def test_a_validation_error_chains_nothing_that_holds_the_echoed_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The key echoed into a timestamp: the parser's own error quotes the value.
    answer = progress("running", created_at=KEY)
    with HostileServer(lambda seen: reply(200, answer)) as server:
        with LlamaCloud(api_key=KEY, base_url=server.url) as client:
            with pytest.raises(APIResponseValidationError) as raised:
                client.beta.batch.get_status("bjb-1")
    error = raised.value
    logging.getLogger("test").error("failed", exc_info=error)
    chained = [error.__cause__, error.__context__]
    assert all(KEY not in _texts(link) for link in chained if link is not None)
    assert KEY not in _texts(error)
    assert KEY not in caplog.text
    assert KEY not in json.dumps(error.body)


ECHOING_HEADERS = {"x-request-id": KEY, "x-debug": f"Bearer {KEY}", "www-authenticate": KEY}
HEADER_ECHOES = {
    "200 with a body that is not JSON": (reply(200, b"<html>", ECHOING_HEADERS), None),
    "200 with a body of the wrong shape": (
        reply(200, progress("running", created_at="not a date"), ECHOING_HEADERS),
        None,
    ),
    "200 past max_response_bytes": (reply(200, {"pad": "p" * 4096}, ECHOING_HEADERS), 1024),
    "404": (reply(404, {"detail": "no such job"}, ECHOING_HEADERS), None),
}


@pytest.mark.parametrize("case", HEADER_ECHOES)
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_an_answer_echoing_the_key_in_its_headers_gives_an_error_that_never_shows_it(
    case: str, client_class: type
) -> None:
    answer, cap = HEADER_ECHOES[case]
    with HostileServer(lambda seen: answer) as server:
        client = client_class(api_key=KEY, base_url=server.url, max_retries=0)
        if cap is not None:
            client.max_response_bytes = cap

        async def call() -> None:
            async with client:
                await client.beta.batch.get_status("bjb-1")

        with pytest.raises(APIError) as raised:
            if isinstance(client, AsyncLlamaCloud):
                asyncio.run(call())
            else:
                with client:
                    client.beta.batch.get_status("bjb-1")
    error = raised.value
    assert isinstance(error, ResponseTooLargeError if cap else APIError)
    assert KEY not in _texts(error)
    assert KEY not in pickle.dumps(error).decode("latin-1")
    assert KEY not in str(pickle.loads(pickle.dumps(error)).response.headers)
    assert all(KEY not in value for value in error.headers.values())
    # request_id is read from the redacted headers, not the answer's own.
    assert error.request_id == error.headers["x-request-id"]


# ----- pickling --------------------------------------------------------------------------------


def _raise_in_child(error: BaseException) -> None:
    raise error


def _errors() -> list[BaseException]:
    found: list[BaseException] = []
    answers = [
        reply(404, {"detail": f"no job for key {KEY}"}, {"x-request-id": "req-1"}),
        reply(422, {"detail": [{"loc": ["query", "limit"], "msg": "bad", "type": "x"}]}),
        reply(500, {"detail": "boom"}),
        reply(200, progress("running", created_at="not a date")),
    ]
    for answer in answers:
        with HostileServer(lambda seen, answer=answer: answer) as server:
            with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as client:
                try:
                    client.beta.batch.get_status("bjb-1")
                except Exception as error:
                    found.append(error)
    found.append(WaitTimeoutError("still running", id="bjb-1", last_status="running"))
    return found


def test_errors_pickle_keeping_class_message_status_and_body_and_never_the_key() -> None:
    errors = _errors()
    assert [type(e) for e in errors[:3]] == [
        NotFoundError,
        UnprocessableEntityError,
        InternalServerError,
    ]
    for error in errors:
        data = pickle.dumps(error)
        assert KEY.encode() not in data
        back = pickle.loads(data)
        assert type(back) is type(error)
        assert str(back) == str(error)
        for name in ("status_code", "body", "request_id", "job_id", "last_status"):
            assert getattr(back, name, None) == getattr(error, name, None)
    assert errors[0].request_id == "req-1"
    assert pickle.loads(pickle.dumps(errors[1])).detail[0].msg == "bad"


def test_errors_cross_a_process_pool_and_a_multiprocessing_pool() -> None:
    error = _errors()[0]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        with pytest.raises(NotFoundError) as raised:
            pool.submit(_raise_in_child, error).result(timeout=60)
    assert raised.value.status_code == 404
    with context.Pool(1) as mp_pool:
        outcome = mp_pool.apply_async(_raise_in_child, (error,))
        with pytest.raises(NotFoundError):
            outcome.get(timeout=60)


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
