"""Webhook deliveries: checking their signature, reading their event, and telling a batch's
progress from a late or repeated delivery. No I/O: a receiver passes what its web server got.

    from llama_cloud_batch.types import BatchWebhookEvent
    from llama_cloud_batch.webhooks import BatchStatusTracker, unwrap

    tracker = BatchStatusTracker()
    event = unwrap(body, headers)  # the raw body's bytes; secret from LLAMA_CLOUD_WEBHOOK_SECRET
    if isinstance(event, BatchWebhookEvent) and event.data is not None:
        if tracker.observe(event.data.id, event.data.status).is_news:
            ...

`client.webhooks.verify_signature()` and `client.webhooks.unwrap()` are the same two functions,
with the client's `webhook_secret=` as the second source of the secret; these module-level ones
need no client (and so no API key).

Signatures. A delivery of a webhook configuration with a `webhook_signing_secret` carries
`LC-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body under that secret. The digest is
accepted only as the API writes it, 64 lowercase hex digits: an uppercase variant is refused, so
each body has exactly one valid header value (a receiver that remembers signatures to refuse
replays cannot be fooled by a re-cased copy). The signature holds no timestamp and no delivery
ID, so a captured delivery can be sent again, and deliveries come in no guaranteed order:
BatchStatusTracker keeps the furthest status per batch and says which deliveries are news.

Payloads. No public document states the fields of a delivery's body. The spec's `webhooks`
section describes an assumed envelope, kept tolerant (BatchWebhookEvent: `event_type` required;
`event_id`, `timestamp` and `data`, the batch, optional; other properties kept). unwrap() returns
the generated model the spec names for the event type, and an UnknownWebhookEvent for an event
type the spec does not describe.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import Message
from enum import Enum
from typing import Any, TypeAlias

import orjson
from _llama_cloud_batch_generated.webhooks import EVENT_MODELS, KnownWebhookEvent

from . import types
from ._config import check_count, secret_bytes
from ._exceptions import InvalidWebhookPayloadError, InvalidWebhookSignatureError
from ._logging import logger
from ._models import ShapeError

__all__ = [
    "SECRET_ENVIRONMENT_VARIABLE",
    "SIGNATURE_HEADER",
    "BatchStatusTracker",
    "KnownWebhookEvent",
    "Progress",
    "UnknownWebhookEvent",
    "WebhookHeaders",
    "WebhookPayload",
    "unwrap",
    "verify_signature",
]

SIGNATURE_HEADER = "LC-Signature"
SECRET_ENVIRONMENT_VARIABLE = "LLAMA_CLOUD_WEBHOOK_SECRET"  # noqa: S105 - a name, not a secret
_SCHEME = "sha256="
_DIGEST_LENGTH = 64  # hex digits of a SHA-256 digest
_LOWER_HEX = frozenset("0123456789abcdef")
_ANY_HEX = frozenset("0123456789abcdefABCDEF")
# The unknown statuses a tracker warns about, at most (its memory stays bounded).
_MAX_WARNED = 100
# Printable ASCII and space: what a header value holds without escaping.
_HEADER_TEXT = frozenset(chr(code) for code in range(0x20, 0x7F))

# The raw body as received: its bytes, or text that encodes to them as UTF-8.
WebhookPayload: TypeAlias = bytes | bytearray | memoryview | str
# Headers as web frameworks hand them over: any mapping (a dict, httpx.Headers, Starlette's,
# Django's), an email.message.Message (http.server's self.headers), or (name, value) pairs (an
# ASGI scope's, in bytes). Names are matched whatever their case.
WebhookHeaders: TypeAlias = Mapping[str, str] | Message | Iterable[tuple[str | bytes, str | bytes]]


@dataclass(frozen=True, slots=True)
class UnknownWebhookEvent:
    """A delivery of an event the spec's `webhooks` section does not describe, kept as it came:
    its `event_type` and its decoded `body` (the whole JSON object, `event_type` included)."""

    event_type: str
    body: dict[str, Any]


def verify_signature(
    payload: WebhookPayload, headers: WebhookHeaders, *, secret: str | None = None
) -> None:
    """Checks that `payload`, the raw body of a delivery, is signed by `secret`.

    `headers` are the delivery's headers (LC-Signature is found whatever its case). The secret is
    `secret`, else the LLAMA_CLOUD_WEBHOOK_SECRET environment variable, used exactly as given.
    A str payload is taken as the body's UTF-8 text; pass the bytes when you have them.

    Raises InvalidWebhookSignatureError when no secret is given, when LC-Signature is missing,
    sent more than once, or not `sha256=` followed by 64 lowercase hex digits (an uppercase
    digest is refused: the API writes lowercase), and when it does not match the body. The
    comparison takes the same time wherever the digests differ. No message shows the secret,
    the signature or the body.
    """
    _verify(_body(payload), headers, secret)


def unwrap(
    payload: WebhookPayload, headers: WebhookHeaders, *, secret: str | None = None
) -> KnownWebhookEvent | UnknownWebhookEvent:
    """Verifies a delivery (verify_signature) and returns its event.

    The body is a JSON object, or, with the configuration's `webhook_output_format` `string`
    (the API's default), a JSON string holding one. An event type the spec's `webhooks` section
    names gives its generated model (BatchWebhookEvent for `batch.*`: `.data.id` and
    `.data.status` are the batch's); any other gives an UnknownWebhookEvent with the decoded
    body. Raises InvalidWebhookSignatureError as verify_signature does, and
    InvalidWebhookPayloadError for a body that is not JSON, not an object, has no string
    `event_type`, or does not fit its event's model (`.body` then holds the decoded object).
    """
    body = _body(payload)
    _verify(body, headers, secret)
    return _event(body)


def _verify(body: bytes, headers: WebhookHeaders, secret: str | None) -> None:
    key = _secret(secret)
    digest = _signature(headers)
    if not hmac.compare_digest(_hex_digest(body, key), digest):
        raise InvalidWebhookSignatureError(
            f"{SIGNATURE_HEADER} does not match the body: the body was changed, or it was signed "
            "with another secret"
        )


def _hex_digest(body: bytes, key: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_header_value(body: bytes, secret: str) -> str:
    """What LlamaCloud sends in LC-Signature with `body`: ``sha256=`` and the HMAC-SHA256 in
    lowercase hex (the local test server signs with it)."""
    return _SCHEME + _hex_digest(body, secret.encode())


def _event(body: bytes) -> KnownWebhookEvent | UnknownWebhookEvent:
    """The event of a verified body."""
    place = None
    try:
        value = orjson.loads(body)
        if isinstance(value, str):  # webhook_output_format "string": JSON inside a JSON string
            value = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        place = f"line {error.lineno}, column {error.colno}"
    if place is not None:
        # Raised here, outside the except block, so that it chains no decoder error (which may
        # quote the body).
        raise InvalidWebhookPayloadError(f"the webhook body is not JSON ({place})")
    if not isinstance(value, dict):
        kind = "an array" if isinstance(value, list) else f"a {type(value).__name__} value"
        raise InvalidWebhookPayloadError(f"the webhook body is {kind}, not a JSON object")
    event_type = value.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise InvalidWebhookPayloadError(
            "the webhook body has no event_type (a non-empty string)", body=value
        )
    model = EVENT_MODELS.get(event_type)
    if model is None:
        return UnknownWebhookEvent(event_type, value)
    try:
        return model.from_dict(value)
    except ShapeError as error:
        raise InvalidWebhookPayloadError(
            f"the body of a {event_type} webhook does not fit {model.__name__}: {error}",
            body=value,
        ) from error


def _secret(given: str | None) -> bytes:
    """The key: `given`, else the environment variable (only whitespace there is unset)."""
    if given is None:
        given = os.environ.get(SECRET_ENVIRONMENT_VARIABLE, "")
        if not given.strip():
            raise InvalidWebhookSignatureError(
                "no webhook secret: pass secret=..., give the client webhook_secret=..., or set "
                f"{SECRET_ENVIRONMENT_VARIABLE} (the configuration's webhook_signing_secret)"
            )
    return secret_bytes(given, "the webhook secret", InvalidWebhookSignatureError)


def _body(payload: WebhookPayload) -> bytes:
    if isinstance(payload, str):
        try:
            return payload.encode()
        except UnicodeEncodeError:
            pass
        # Raised here, outside the except block: the encoder's error holds the whole payload.
        raise InvalidWebhookSignatureError(
            "the payload text cannot be encoded as UTF-8, so it is not the body as received; "
            "pass the body's bytes"
        )
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload)
    raise TypeError(f"a webhook payload is the body's bytes or str, got {type(payload).__name__}")


def _signature(headers: WebhookHeaders) -> str:
    """The digest of the one LC-Signature header, checked to be 64 lowercase hex digits."""
    values = [value for name, value in _pairs(headers) if name.lower() == "lc-signature"]
    if not values:
        raise InvalidWebhookSignatureError(
            f"no {SIGNATURE_HEADER} header: the delivery is not signed (does the webhook "
            "configuration have a webhook_signing_secret?)"
        )
    if len(values) > 1:
        raise InvalidWebhookSignatureError(
            f"{SIGNATURE_HEADER} was sent {len(values)} times; a delivery carries one"
        )
    value = values[0].strip(" \t")  # HTTP's optional whitespace around a value
    if any(char not in _HEADER_TEXT for char in value):
        raise InvalidWebhookSignatureError(
            f"{SIGNATURE_HEADER} holds a character that is not printable ASCII"
        )
    if not value.startswith(_SCHEME):
        raise InvalidWebhookSignatureError(f"{SIGNATURE_HEADER} does not start with {_SCHEME}")
    digest = value.removeprefix(_SCHEME)
    if len(digest) != _DIGEST_LENGTH:
        raise InvalidWebhookSignatureError(
            f"the {SIGNATURE_HEADER} digest has {len(digest)} characters, not {_DIGEST_LENGTH}"
        )
    if not set(digest) <= _LOWER_HEX:
        if set(digest) <= _ANY_HEX:
            raise InvalidWebhookSignatureError(
                f"the {SIGNATURE_HEADER} digest is in uppercase hex; only lowercase, as the API "
                "writes it, is accepted"
            )
        raise InvalidWebhookSignatureError(f"the {SIGNATURE_HEADER} digest is not hex")
    return digest


def _pairs(headers: WebhookHeaders) -> Iterable[tuple[str, str]]:
    """Every (name, value) of the headers, repeated names included."""
    if isinstance(headers, str | bytes):
        raise TypeError("headers are a mapping or (name, value) pairs, not a string")
    if hasattr(headers, "multi_items"):  # httpx.Headers: items() would join repeated values
        pairs: Iterable[tuple[Any, Any]] = headers.multi_items()
    elif isinstance(headers, Mapping | Message):
        pairs = headers.items()
    else:
        pairs = headers
    for name, value in pairs:
        yield _text(name), _text(value)


def _text(value: str | bytes) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")  # as HTTP carries header bytes
    if not isinstance(value, str):
        raise TypeError(f"header names and values are str or bytes, got {type(value).__name__}")
    return value


class Progress(Enum):
    """What one delivery of a batch's status is, against what a BatchStatusTracker has seen."""

    #: A later step than any seen for the batch (or the first status seen for it).
    NEW = "new"
    #: The step already reached: a duplicate, or the other value of that step (RUNNING after
    #: THROTTLED, whose order deliveries cannot tell).
    REPEATED = "repeated"
    #: An earlier step than one already seen: a late delivery.
    STALE = "stale"
    #: A status the spec gives no step (one the server added since this release): it cannot be
    #: ranked, so it is handed on rather than dropped; nothing is recorded, and one WARNING is
    #: logged per such status.
    UNKNOWN = "unknown"

    @property
    def is_news(self) -> bool:
        """Whether to act on the delivery: NEW, and UNKNOWN (which cannot be shown stale)."""
        return self in (Progress.NEW, Progress.UNKNOWN)


class BatchStatusTracker:
    """The furthest status seen per batch, to act on each step of a batch once, whatever order
    deliveries come in and however often.

    The order is the spec's (BatchStatus.STEPS, from `x-progress-order`): PENDING, then RUNNING
    and THROTTLED (one step: a batch moves between them), then the final COMPLETED, FAILED and
    CANCELLED (one step: a batch ends once). observe() returns a Progress. Safe to share between
    threads. With `max_batches`, only that many batches are remembered, the least recently
    observed forgotten first; a late delivery of a forgotten batch then reads as NEW.

    Examples:
        >>> from llama_cloud_batch.webhooks import BatchStatusTracker
        >>> tracker = BatchStatusTracker(max_batches=10_000)
        >>> for status in ["RUNNING", "PENDING", "COMPLETED", "RUNNING", "COMPLETED"]:
        ...     print(status, tracker.observe("bat-1", status).name)
        RUNNING NEW
        PENDING STALE
        COMPLETED NEW
        RUNNING STALE
        COMPLETED REPEATED
        >>> print(tracker.status("bat-1"))
        COMPLETED
    """

    def __init__(self, *, max_batches: int | None = None) -> None:
        self.max_batches = None if max_batches is None else check_count("max_batches", max_batches)
        self._furthest: OrderedDict[str, types.BatchStatus] = OrderedDict()
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def observe(self, batch_id: str, status: types.BatchStatus | str) -> Progress:
        """Records a delivery of `status` for the batch and says what it is (see Progress)."""
        if not isinstance(batch_id, str):
            raise TypeError(f"batch_id must be a str, got {type(batch_id).__name__}")
        if not isinstance(status, str):
            raise TypeError(f"status must be a str, got {type(status).__name__}")
        seen = types.BatchStatus(status)
        step = seen.step
        with self._lock:
            if step is None:
                if seen.value not in self._warned and len(self._warned) < _MAX_WARNED:
                    self._warned.add(seen.value)
                    logger.warning(
                        "webhook: batch status %r has no place in the spec's order; handed on "
                        "as Progress.UNKNOWN",
                        seen.value[:64],
                    )
                return Progress.UNKNOWN
            furthest = self._furthest.get(batch_id)
            if furthest is not None:
                self._furthest.move_to_end(batch_id)
                reached = furthest.step
                assert reached is not None  # only ranked statuses are recorded
                if step < reached:
                    return Progress.STALE
                if step == reached:
                    return Progress.REPEATED
            self._furthest[batch_id] = seen
            self._furthest.move_to_end(batch_id)
            if self.max_batches is not None and len(self._furthest) > self.max_batches:
                self._furthest.popitem(last=False)
            return Progress.NEW

    def status(self, batch_id: str) -> types.BatchStatus | None:
        """The furthest status seen for the batch (the first seen of its step), or None."""
        with self._lock:
            return self._furthest.get(batch_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._furthest)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batches={len(self)}, max_batches={self.max_batches})"
