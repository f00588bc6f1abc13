"""The key never shows up in text: not in reprs, errors, logs or pickles, whatever a server
echoes back; a scripted server's plain echoes first, then echoes in every spelling (escaped,
percent-encoded, cut at the preview's end), in headers, in floods, and chained exceptions."""

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
from typing import Any

import pytest
from factories import API_KEY, job
from llama_cloud_batch import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    AsyncLlamaCloud,
    AuthenticationError,
    InternalServerError,
    LlamaCloud,
    NotFoundError,
    PermissionDeniedError,
    ResponseTooLargeError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from scripted_server import Reply, ScriptedServer

# The echoes' key: JSON and percent-encoding each spell "/" and "+" their own way.
KEY = "llx-hostile-2b7e1516/28aed2a6+abf7"


def _texts(error: BaseException) -> str:
    """Everything a log line or a traceback could show of an error."""
    shown = "".join(traceback.format_exception(error))
    return "\n".join([str(error), repr(error), shown])


def progress(**overrides: Any) -> dict[str, Any]:
    return {"job": job(1, status="running", **overrides), "progress_percentage": 50.0}


def test_key_is_absent_from_reprs_errors_and_logs(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llama_cloud_batch")
    # A careless server echoes the key back in its error body.
    server.script = lambda r: Reply(401, {"detail": f"key {API_KEY} is not valid"})
    texts: list[str] = []
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=1) as client:
        texts += [repr(client), str(client), repr(client.beta.batch)]
        with pytest.raises(AuthenticationError) as raised:
            client.beta.batch.list()
        texts += [
            str(raised.value),
            repr(raised.value),
            repr(raised.value.request),
            repr(raised.value.request.headers),
        ]
        server.script = lambda r: Reply(503, {}, headers={"Retry-After": "0"})
        with pytest.raises(Exception) as retried:
            client.beta.batch.list()
        texts.append(str(retried.value))
    with LlamaCloud(api_key=API_KEY, base_url="http://127.0.0.1:9", max_retries=0) as offline:
        with pytest.raises(APIConnectionError) as unreachable:
            offline.beta.batch.list()
        texts.append(str(unreachable.value))
    texts += [record.getMessage() for record in caplog.records]
    assert any(
        "GET /api/v1/beta/batch-processing -> 401" in record.getMessage()
        for record in caplog.records
    )
    assert all(API_KEY not in text for text in texts), [t for t in texts if API_KEY in t]
    assert "[redacted]" in str(raised.value)


async def test_async_errors_and_logs_never_show_the_key(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="llama_cloud_batch")
    server.script = lambda r: Reply(403, {"detail": f"{API_KEY} may not"})
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(PermissionDeniedError) as raised:
            await client.beta.batch.cancel("a/b")
    assert API_KEY not in str(raised.value)
    assert all(API_KEY not in record.getMessage() for record in caplog.records)
    assert any("-> 403" in record.getMessage() for record in caplog.records)


def test_a_copy_with_another_key_sends_and_redacts_that_key(server: ScriptedServer) -> None:
    other = "sk-other-7d9c-secret"
    server.script = lambda r: Reply(401, {"detail": f"bad token {r.headers['authorization']}"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        copy = client.with_options(api_key=other)
        with pytest.raises(AuthenticationError) as raised:
            copy.beta.batch.list()
        assert other not in str(raised.value)
        assert other not in repr(copy)
    assert server.received[0].headers["authorization"] == f"Bearer {other}"


# ----- echoes of every kind ------------------------------------------------------------------


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
    server: ScriptedServer, form: str, cut_at: int
) -> None:
    echo = ECHOES[form]
    detail = "k" * cut_at + echo + " is not a valid key"
    server.script = lambda r: Reply(401, {"detail": detail})
    with LlamaCloud(api_key=KEY, base_url=server.url) as client:
        with pytest.raises(AuthenticationError) as raised:
            client.beta.batch.get_status("bjb-1")
    shown = _texts(raised.value)
    # Not whole, and not the part before the cut either.
    assert echo[: len(echo) // 2] not in shown, shown
    assert KEY[:12] not in shown
    assert KEY not in pickle.dumps(raised.value).decode("latin-1")


def test_an_error_body_flooded_with_backslashes_is_redacted_without_hanging(
    server: ScriptedServer,
) -> None:
    """Backslashes are how escaped spellings of the key begin; a body of hundreds of thousands
    of them once made redaction quadratic (hours for a 1 MiB body)."""
    detail = "\\" * 400_000 + KEY + "\\" * 50_000 + "".join(f"\\x{ord(c):02x}" for c in KEY)
    server.script = lambda r: Reply(401, {"detail": detail})
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
def test_a_success_body_that_is_not_json_and_echoes_the_key_is_redacted(
    server: ScriptedServer, cut_at: int
) -> None:
    body = ("<" + "x" * cut_at + KEY + ">").encode()
    server.script = lambda r: Reply(200, raw=body)
    with LlamaCloud(api_key=KEY, base_url=server.url) as client:
        with pytest.raises(APIResponseValidationError) as raised:
            client.beta.batch.get_status("bjb-1")
    assert KEY[:8] not in _texts(raised.value)


def test_a_validation_error_chains_nothing_that_holds_the_echoed_key(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The key echoed into a timestamp: the parser's own error quotes the value.
    answer = progress(created_at=KEY)
    server.script = lambda r: Reply(200, answer)
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
    "200 with a body that is not JSON": (Reply(200, raw=b"<html>", headers=ECHOING_HEADERS), None),
    "200 with a body of the wrong shape": (
        Reply(200, progress(created_at="not a date"), headers=ECHOING_HEADERS),
        None,
    ),
    "200 past max_response_bytes": (
        Reply(200, {"pad": "p" * 4096}, headers=ECHOING_HEADERS),
        1024,
    ),
    "404": (Reply(404, {"detail": "no such job"}, headers=ECHOING_HEADERS), None),
}


@pytest.mark.parametrize("case", HEADER_ECHOES)
@pytest.mark.parametrize("client_class", [LlamaCloud, AsyncLlamaCloud])
def test_an_answer_echoing_the_key_in_its_headers_gives_an_error_that_never_shows_it(
    server: ScriptedServer, case: str, client_class: type
) -> None:
    answer, cap = HEADER_ECHOES[case]
    server.script = lambda r: answer
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


def _errors(server: ScriptedServer) -> list[BaseException]:
    found: list[BaseException] = []
    answers = [
        Reply(404, {"detail": f"no job for key {KEY}"}, headers={"x-request-id": "req-1"}),
        Reply(422, {"detail": [{"loc": ["query", "limit"], "msg": "bad", "type": "x"}]}),
        Reply(500, {"detail": "boom"}),
        Reply(200, progress(created_at="not a date")),
    ]
    for answer in answers:
        server.script = lambda r, answer=answer: answer
        with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0) as client:
            try:
                client.beta.batch.get_status("bjb-1")
            except Exception as error:
                found.append(error)
    found.append(WaitTimeoutError("still running", id="bjb-1", last_status="running"))
    return found


def test_errors_pickle_keeping_class_message_status_and_body_and_never_the_key(
    server: ScriptedServer,
) -> None:
    errors = _errors(server)
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


def test_errors_cross_a_process_pool_and_a_multiprocessing_pool(server: ScriptedServer) -> None:
    error = _errors(server)[0]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        with pytest.raises(NotFoundError) as raised:
            pool.submit(_raise_in_child, error).result(timeout=60)
    assert raised.value.status_code == 404
    with context.Pool(1) as mp_pool:
        outcome = mp_pool.apply_async(_raise_in_child, (error,))
        with pytest.raises(NotFoundError):
            outcome.get(timeout=60)
