"""Webhook deliveries: client.webhooks.verify_signature / unwrap on both clients and the
module-level functions of llama_cloud_batch.webhooks. Each failure is an
InvalidWebhookSignatureError or InvalidWebhookPayloadError, and the secret shows nowhere.

The events come from the generated registry (the spec's `webhooks` section), not from a list
restated here."""

from __future__ import annotations

import email.message
import hashlib
import hmac
import json
import logging
import pickle
import typing
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _llama_cloud_batch_generated.webhooks import EVENT_MODELS
from factories import API_KEY, batch
from hypothesis import given
from hypothesis import strategies as st
from llama_cloud_batch import (
    AsyncLlamaCloud,
    InvalidWebhookPayloadError,
    InvalidWebhookSignatureError,
    LlamaCloud,
    LlamaCloudError,
)
from llama_cloud_batch.types import BatchStatus
from llama_cloud_batch.webhooks import UnknownWebhookEvent, unwrap, verify_signature

SECRET = "whsec-7c1f0e9a-do-not-show"
OTHER_SECRET = "whsec-someone-else"
# A batch event the spec describes (whichever the registry holds first), and one it does not.
BATCH_EVENT = next(name for name in EVENT_MODELS if name.startswith("batch."))
UNKNOWN_EVENT = "gadget.exploded"


def event_body(event_type: str = BATCH_EVENT, **data: Any) -> bytes:
    fields = {"id": "bat-1", "status": "RUNNING", "created_at": "2026-01-02T03:04:05+00:00", **data}
    return json.dumps(
        {
            "event_type": event_type,
            "event_id": "evt-1",
            "timestamp": "2026-01-02T03:04:05+00:00",
            "data": batch(fields.pop("id"), fields.pop("status"), **fields),
        }
    ).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"LC-Signature": sign(body, secret)}


@pytest.fixture(params=["sync", "async", "module"])
def check(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """verify_signature of LlamaCloud, AsyncLlamaCloud (both without webhook_secret) and of
    the module, each taking the secret as an argument."""
    if request.param == "module":
        return verify_signature
    cls = LlamaCloud if request.param == "sync" else AsyncLlamaCloud
    return cls(api_key=API_KEY).webhooks.verify_signature


# -- verification ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_a_correct_delivery_is_accepted_as_bytes_or_text(kind: type, check: Any) -> None:
    body = event_body()
    payload = body.decode() if kind is str else kind(body)
    assert check(payload, signed(body), secret=SECRET) is None


def test_a_non_ascii_body_given_as_text_is_its_utf8_bytes(check: Any) -> None:
    body = event_body(source_directory_id="répertoire-✓")
    check(body.decode(), signed(body), secret=SECRET)


def _header_forms(value: str) -> dict[str, Any]:
    message = email.message.Message()
    message["Lc-SIGNATURE"] = value
    json_type = ("content-type", "application/json")
    return {
        "dict, canonical case": {"LC-Signature": value},
        "dict, lower case": {"lc-signature": value},
        "dict, upper case": {"LC-SIGNATURE": value},
        "httpx.Headers": httpx.Headers({"lC-sIgNaTuRe": value, "content-type": "application/json"}),
        "email Message (http.server)": message,
        "str pairs": [json_type, ("Lc-Signature", value)],
        "bytes pairs (ASGI)": [(b"content-type", b"json"), (b"lc-signature", value.encode())],
    }


@pytest.mark.parametrize("form", list(_header_forms("x")))
def test_headers_are_found_whatever_their_case_and_container(form: str, check: Any) -> None:
    body = event_body()
    check(body, _header_forms(sign(body))[form], secret=SECRET)


def test_optional_whitespace_around_the_header_value_is_http_s_not_the_signature(
    check: Any,
) -> None:
    body = event_body()
    check(body, {"LC-Signature": f" \t{sign(body)} "}, secret=SECRET)


def _flip(body: bytes, index: int, bit: int = 1) -> bytes:
    changed = bytearray(body)
    changed[index] ^= bit
    return bytes(changed)


def _tamper_cases() -> dict[str, tuple[bytes, Any, str]]:
    """(payload, headers, what the error says) for each way a delivery fails to verify."""
    body = event_body()
    good = sign(body)
    digest = good.removeprefix("sha256=")

    def header(value: str) -> dict[str, str]:
        return {"LC-Signature": value}

    no_match, no_prefix, ascii_only = (
        "does not match",
        "does not start with sha256=",
        "not printable",
    )
    return {
        "body changed by one byte": (_flip(body, len(body) // 2), header(good), no_match),
        "a byte added to the body": (body + b" ", header(good), no_match),
        "wrong secret": (body, signed(body, OTHER_SECRET), no_match),
        "missing header": (body, {"content-type": "application/json"}, "no LC-Signature header"),
        "no headers at all": (body, {}, "no LC-Signature header"),
        "no sha256= prefix": (body, header(digest), no_prefix),
        "another scheme": (body, header("sha1=" + digest), no_prefix),
        "upper-case scheme": (body, header("SHA256=" + digest), no_prefix),
        "uppercase hex": (body, header("sha256=" + digest.upper()), "uppercase hex"),
        "one uppercase digit": (body, header("sha256=" + _one_upper(digest)), "uppercase hex"),
        "truncated digest": (body, header(good[:-1]), "63 characters, not 64"),
        "empty digest": (body, header("sha256="), "0 characters, not 64"),
        "overlong digest": (body, header(good + "0"), "65 characters, not 64"),
        "two digests": (body, header(f"{good},{good}"), "characters, not 64"),
        "not hex": (body, header("sha256=" + "g" * 64), "not hex"),
        "non-ASCII header": (body, header(good[:-1] + "é"), ascii_only),
        "non-ASCII header bytes": (
            body,
            [(b"LC-Signature", good[:-1].encode() + b"\xff")],
            ascii_only,
        ),
        "control character": (body, header(good[:-1] + "\x00"), ascii_only),
        "repeated header, two cases": (
            body,
            {**header(good), "lc-signature": good},
            "sent 2 times",
        ),
        "repeated header, pairs": (body, [("LC-Signature", good)] * 2, "sent 2 times"),
        "repeated header, httpx": (
            body,
            httpx.Headers([("LC-Signature", good)] * 2),
            "sent 2 times",
        ),
    }


def _one_upper(digest: str) -> str:
    index = next(i for i, char in enumerate(digest) if char in "abcdef")
    return digest[:index] + digest[index].upper() + digest[index + 1 :]


@pytest.mark.parametrize("case", list(_tamper_cases()))
def test_each_bad_delivery_raises_invalid_webhook_signature_error(case: str, check: Any) -> None:
    payload, headers, says = _tamper_cases()[case]
    with pytest.raises(InvalidWebhookSignatureError, match=says) as caught:
        check(payload, headers, secret=SECRET)
    assert isinstance(caught.value, LlamaCloudError)
    assert SECRET not in str(caught.value)


def test_repeated_header_in_an_email_message_is_refused(check: Any) -> None:
    body = event_body()
    message = email.message.Message()
    message["LC-Signature"] = sign(body)
    message["LC-Signature"] = sign(body)
    with pytest.raises(InvalidWebhookSignatureError, match="sent 2 times"):
        check(body, message, secret=SECRET)


@given(data=st.data())
def test_any_single_byte_change_of_the_body_fails(data: st.DataObject) -> None:
    body = event_body()
    headers = signed(body)
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    bit = data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(InvalidWebhookSignatureError, match="does not match"):
        verify_signature(_flip(body, index, bit), headers, secret=SECRET)


# Any text but lone surrogates, which no UTF-8 secret holds (refused, see below).
SECRETS = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@given(body=st.binary(max_size=2000), secret=SECRETS)
def test_any_body_signed_with_any_secret_verifies_and_only_with_it(
    body: bytes, secret: str
) -> None:
    verify_signature(body, signed(body, secret), secret=secret)
    with pytest.raises(InvalidWebhookSignatureError):
        verify_signature(body, signed(body, secret), secret=secret + "x")


# -- the secret -----------------------------------------------------------------------------


def test_the_secret_comes_from_the_call_then_the_client_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = event_body()
    monkeypatch.setenv("LLAMA_CLOUD_WEBHOOK_SECRET", "from-the-environment")
    plain = LlamaCloud(api_key=API_KEY)
    configured = LlamaCloud(api_key=API_KEY, webhook_secret="from-the-client")

    plain.webhooks.verify_signature(body, signed(body, "from-the-environment"))
    verify_signature(body, signed(body, "from-the-environment"))
    configured.webhooks.verify_signature(body, signed(body, "from-the-client"))
    configured.webhooks.verify_signature(
        body, signed(body, "from-the-call"), secret="from-the-call"
    )
    # The option wins over the environment, the argument over both.
    with pytest.raises(InvalidWebhookSignatureError):
        configured.webhooks.verify_signature(body, signed(body, "from-the-environment"))
    with pytest.raises(InvalidWebhookSignatureError):
        configured.webhooks.verify_signature(
            body, signed(body, "from-the-client"), secret="from-the-call"
        )


async def test_the_async_client_verifies_and_unwraps_with_its_own_secret() -> None:
    body = event_body(status="COMPLETED")
    async with AsyncLlamaCloud(api_key=API_KEY, webhook_secret=SECRET) as client:
        client.webhooks.verify_signature(body, signed(body))
        event = client.webhooks.unwrap(body, signed(body))
        copied = client.with_options(webhook_secret=OTHER_SECRET)
        copied.webhooks.verify_signature(body, signed(body, OTHER_SECRET))
        with pytest.raises(InvalidWebhookSignatureError):
            copied.webhooks.verify_signature(body, signed(body))
    assert event.event_type == BATCH_EVENT
    assert not isinstance(event, UnknownWebhookEvent)
    assert event.data is not None
    assert event.data.status == BatchStatus.COMPLETED


def test_copy_keeps_the_secret_unless_it_is_given() -> None:
    body = event_body()
    client = LlamaCloud(api_key=API_KEY, webhook_secret=SECRET)
    client.copy(timeout=5).webhooks.verify_signature(body, signed(body))
    client.with_options(webhook_secret=OTHER_SECRET).webhooks.verify_signature(
        body, signed(body, OTHER_SECRET)
    )


def test_without_any_secret_verification_refuses_naming_the_three_sources(
    monkeypatch: pytest.MonkeyPatch, check: Any
) -> None:
    body = event_body()
    monkeypatch.setenv("LLAMA_CLOUD_WEBHOOK_SECRET", "  \n")  # only whitespace: unset
    with pytest.raises(InvalidWebhookSignatureError, match="no webhook secret") as caught:
        check(body, signed(body))
    for source in ("secret=", "webhook_secret=", "LLAMA_CLOUD_WEBHOOK_SECRET"):
        assert source in str(caught.value)


def test_an_empty_secret_is_refused(check: Any) -> None:
    body = event_body()
    with pytest.raises(InvalidWebhookSignatureError, match="empty"):
        check(body, signed(body), secret="")


def test_the_client_option_is_checked_when_the_client_is_made() -> None:
    with pytest.raises(ValueError, match="webhook_secret is empty"):
        LlamaCloud(api_key=API_KEY, webhook_secret="")
    with pytest.raises(TypeError, match="webhook_secret must be a str"):
        AsyncLlamaCloud(api_key=API_KEY, webhook_secret=b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lone surrogate") as caught:
        LlamaCloud(api_key=API_KEY, webhook_secret="abc\ud800def")
    assert "abc" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_text_that_is_no_body_is_refused_without_chaining_it() -> None:
    with pytest.raises(InvalidWebhookSignatureError, match="pass the body's bytes") as caught:
        verify_signature('{"a": "\ud800"}', {"LC-Signature": "sha256=" + "0" * 64}, secret=SECRET)
    assert caught.value.__context__ is None


def test_wrong_types_are_type_errors_not_signature_errors() -> None:
    body = event_body()
    with pytest.raises(TypeError, match="secret must be a str"):
        verify_signature(body, signed(body), secret=b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="payload"):
        verify_signature({"a": 1}, signed(body), secret=SECRET)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a string"):
        verify_signature(body, "LC-Signature: x", secret=SECRET)  # type: ignore[arg-type]


def test_the_secret_shows_in_no_repr_message_pickle_or_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="llama_cloud_batch")
    clients = [
        LlamaCloud(api_key=API_KEY, webhook_secret=SECRET),
        AsyncLlamaCloud(api_key=API_KEY, webhook_secret=SECRET),
    ]
    shown = [repr(c) for c in clients] + [str(c) for c in clients]
    shown += [repr(c.webhooks) for c in clients] + [repr(c.copy()) for c in clients]
    errors: list[BaseException] = []
    for payload, headers, _ in _tamper_cases().values():
        for client in clients:
            with pytest.raises(InvalidWebhookSignatureError) as caught:
                client.webhooks.unwrap(payload, headers)
            errors.append(caught.value)
    for error in errors:
        shown += [str(error), repr(error), repr(error.args), pickle.dumps(error).hex()]
        assert error.__cause__ is None
        assert error.__context__ is None
    shown += [record.getMessage() for record in caplog.records]
    for text in shown:
        assert SECRET not in text
        assert SECRET.encode().hex() not in text


def test_type_hints_resolve_on_the_webhook_methods() -> None:
    for client in (LlamaCloud(api_key=API_KEY), AsyncLlamaCloud(api_key=API_KEY)):
        for method in (client.webhooks.verify_signature, client.webhooks.unwrap):
            hints = typing.get_type_hints(method)
            assert "return" in hints
            assert "headers" in hints


def test_the_webhooks_resource_has_no_raw_or_streaming_views() -> None:
    client = LlamaCloud(api_key=API_KEY)
    assert not hasattr(client.webhooks, "with_raw_response")
    assert not hasattr(client.webhooks, "with_streaming_response")
    assert client.webhooks is client.webhooks


# -- unwrap ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["sync", "async", "module"])
def test_unwrap_returns_the_batch_and_its_status(flavour: str) -> None:
    body = event_body(id="bat-42", status="FAILED")
    if flavour == "module":
        event = unwrap(body, signed(body), secret=SECRET)
    else:
        cls = LlamaCloud if flavour == "sync" else AsyncLlamaCloud
        event = cls(api_key=API_KEY, webhook_secret=SECRET).webhooks.unwrap(body, signed(body))
    assert isinstance(event, EVENT_MODELS[BATCH_EVENT])
    assert not isinstance(event, UnknownWebhookEvent)
    assert event.event_type == BATCH_EVENT
    assert event.event_id == "evt-1"
    assert event.timestamp is not None
    assert event.timestamp.tzinfo is not None
    assert event.data is not None
    assert event.data.id == "bat-42"
    assert event.data.status == BatchStatus.FAILED
    assert event.data.status.is_final


@pytest.mark.parametrize("event_type", sorted(EVENT_MODELS))
def test_every_event_the_spec_describes_unwraps_to_its_model(event_type: str) -> None:
    body = json.dumps({"event_type": event_type}).encode()  # only event_type is required
    event = unwrap(body, signed(body), secret=SECRET)
    assert type(event) is EVENT_MODELS[event_type]
    assert event.event_type == event_type


def test_a_string_format_body_is_decoded_twice() -> None:
    inner = event_body(status="CANCELLED").decode()
    body = json.dumps(inner).encode()  # webhook_output_format "string": a JSON string
    event = unwrap(body, signed(body), secret=SECRET)
    assert not isinstance(event, UnknownWebhookEvent)
    assert event.data is not None
    assert event.data.status == "CANCELLED"


def test_an_event_the_spec_does_not_describe_is_kept_whole() -> None:
    sent = {"event_type": UNKNOWN_EVENT, "data": {"gadget": 7}, "extra": [1, 2]}
    body = json.dumps(sent).encode()
    event = unwrap(body, signed(body), secret=SECRET)
    assert event == UnknownWebhookEvent(UNKNOWN_EVENT, sent)
    assert isinstance(event, UnknownWebhookEvent)
    assert event.body == sent


def test_properties_the_envelope_does_not_name_are_kept() -> None:
    sent = json.loads(event_body())
    sent["delivery_attempt"] = 3
    sent["data"]["shard"] = "s-9"
    body = json.dumps(sent).encode()
    event = unwrap(body, signed(body), secret=SECRET)
    assert not isinstance(event, UnknownWebhookEvent)
    assert event["delivery_attempt"] == 3
    assert event.data is not None
    assert event.data["shard"] == "s-9"
    assert event.to_dict() == sent


def test_a_status_the_client_does_not_know_is_kept() -> None:
    body = event_body(status="QUEUED")
    event = unwrap(body, signed(body), secret=SECRET)
    assert not isinstance(event, UnknownWebhookEvent)
    assert event.data is not None
    assert event.data.status == "QUEUED"
    assert not event.data.status.is_known


MALFORMED = {
    "not JSON": (b"{not json", "not JSON"),
    "empty": (b"", "not JSON"),
    "an array": (b"[1, 2]", "an array, not a JSON object"),
    "a number": (b"7", "not a JSON object"),
    "null": (b"null", "not a JSON object"),
    "a JSON string holding no JSON": (json.dumps("hello").encode(), "not JSON"),
    "a string holding a string": (json.dumps(json.dumps("x")).encode(), "not a JSON object"),
    "no event_type": (json.dumps({"data": batch("bat-1", "RUNNING")}).encode(), "no event_type"),
    "event_type not a string": (json.dumps({"event_type": 7}).encode(), "no event_type"),
    "empty event_type": (json.dumps({"event_type": ""}).encode(), "no event_type"),
    "NaN": (b'{"event_type": NaN}', "not JSON"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_body_raises_a_typed_error(case: str) -> None:
    body, says = MALFORMED[case]
    with pytest.raises(InvalidWebhookPayloadError, match=says) as caught:
        unwrap(body, signed(body), secret=SECRET)
    assert isinstance(caught.value, LlamaCloudError)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_a_body_that_does_not_fit_its_event_model_keeps_the_decoded_object() -> None:
    sent = json.loads(event_body())
    del sent["data"]["id"]
    sent["data"]["project_id"] = "echoed-value-7"
    body = json.dumps(sent).encode()
    with pytest.raises(InvalidWebhookPayloadError, match="data: required property 'id'") as caught:
        unwrap(body, signed(body), secret=SECRET)
    assert caught.value.body == sent
    assert "echoed-value-7" not in str(caught.value)
    restored = pickle.loads(pickle.dumps(caught.value))
    assert type(restored) is InvalidWebhookPayloadError
    assert restored.body == sent


def test_a_bad_signature_is_refused_before_the_body_is_read() -> None:
    body = b"{not json"
    with pytest.raises(InvalidWebhookSignatureError):
        unwrap(body, signed(body, OTHER_SECRET), secret=SECRET)


def test_errors_pickle_with_their_class_and_message() -> None:
    body = event_body()
    with pytest.raises(InvalidWebhookSignatureError) as caught:
        verify_signature(body, {}, secret=SECRET)
    restored = pickle.loads(pickle.dumps(caught.value))
    assert type(restored) is InvalidWebhookSignatureError
    assert str(restored) == str(caught.value)
