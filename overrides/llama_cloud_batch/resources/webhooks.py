"""client.webhooks: checking and reading webhook deliveries (no HTTP call; no generated method).

`_llama_cloud_batch_generated/resources/webhooks.py`'s Webhooks has no methods of its own: the map
gives the resource only `custom: webhooks`, and its classes inherit the mixins below. Both
clients get the same synchronous methods (they do no I/O): llama_cloud_batch.webhooks's, with the
client's `webhook_secret=` between the call's `secret=` and LLAMA_CLOUD_WEBHOOK_SECRET.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .. import webhooks
from ..webhooks import KnownWebhookEvent, UnknownWebhookEvent, WebhookHeaders, WebhookPayload

if TYPE_CHECKING:
    from ._base import AsyncAPIResource, SyncAPIResource


class WebhooksMixin:
    """client.webhooks: checking and reading webhook deliveries. No HTTP call: the same methods
    on both clients, with the client's `webhook_secret=` as the secret's second source.

    Examples:
        >>> import hashlib, hmac, json
        >>> secret = "whsec-example"
        >>> body = json.dumps({"event_type": "batch.success", "event_id": "evt-1"}).encode()
        >>> digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        >>> headers = {"LC-Signature": f"sha256={digest}"}  # as the delivery came
        >>> client.webhooks.verify_signature(body, headers, secret=secret)  # or raises
        >>> event = client.webhooks.unwrap(body, headers, secret=secret)
        >>> print(type(event).__name__, event.event_type, event.event_id)
        BatchWebhookEvent batch.success evt-1
        >>> from llama_cloud_batch import InvalidWebhookSignatureError
        >>> try:
        ...     client.webhooks.unwrap(body + b" ", headers, secret=secret)  # one byte more
        ... except InvalidWebhookSignatureError as error:
        ...     print(error)
        LC-Signature does not match the body: the body was changed, or it was signed with ...
    """

    def verify_signature(
        self, payload: WebhookPayload, headers: WebhookHeaders, *, secret: str | None = None
    ) -> None:
        """Checks that `payload`, a delivery's raw body, is signed: its `LC-Signature` header is
        `sha256=` and the HMAC-SHA256 of the body under the secret, in 64 lowercase hex digits.

        The secret is `secret`, else the client's `webhook_secret`, else the
        LLAMA_CLOUD_WEBHOOK_SECRET environment variable. `headers` is any mapping, an
        email.message.Message or (name, value) pairs, matched whatever the case. Raises
        InvalidWebhookSignatureError (never showing the secret) for: no secret, a missing,
        repeated or malformed header (no `sha256=`, not 64 digits, uppercase hex, not ASCII),
        or a digest that does not match. See llama_cloud_batch.webhooks.verify_signature.
        """
        webhooks.verify_signature(payload, headers, secret=self._secret(secret))

    def unwrap(
        self, payload: WebhookPayload, headers: WebhookHeaders, *, secret: str | None = None
    ) -> KnownWebhookEvent | UnknownWebhookEvent:
        """Verifies a delivery as verify_signature does, then returns its event: the model the
        spec's `webhooks` section names for its `event_type` (BatchWebhookEvent for `batch.*`,
        whose `.data` is the batch), else an UnknownWebhookEvent holding the decoded body.

        A body that is a JSON string (`webhook_output_format` `string`) is decoded once more.
        Raises InvalidWebhookSignatureError, or InvalidWebhookPayloadError for a body that is
        not a JSON object with a string `event_type`, or does not fit its event's model. See
        llama_cloud_batch.webhooks.unwrap.
        """
        return webhooks.unwrap(payload, headers, secret=self._secret(secret))

    def _secret(self, secret: str | None) -> str | None:
        if secret is not None:
            return secret
        # The generated class this mixes into holds the client.
        return cast("SyncAPIResource | AsyncAPIResource", self)._client._webhook_secret


class AsyncWebhooksMixin(WebhooksMixin):
    """client.webhooks of AsyncLlamaCloud: the same synchronous methods (they do no I/O)."""


__all__ = ["AsyncWebhooksMixin", "WebhooksMixin"]
