"""Scripted faults: what the local server does instead of (or to) its next answers.

A test schedules a fault for the next N requests, optionally only those of one method, path
pattern or operation; the server takes the first scheduled fault that matches each request.
Every fault applies to every operation of the spec, the v2 batches' as the beta's; the two
page-token faults apply only to requests that carry a page token (the cursor listings' later
pages), so a first page neither takes nor uses them up.
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

FaultKind = Literal[
    "status",
    "hang",
    "drop",
    "not_json",
    "unknown_enum",
    "extra_properties",
    "repeat_page_token",
    "ignore_page_token",
]
# The cursor listings' token names (the spec's, and the resource map's defaults).
PAGE_TOKEN = "page_token"  # noqa: S105 - a parameter name, not a secret
NEXT_PAGE_TOKEN = "next_page_token"  # noqa: S105
_DEFAULT_EXTRA = {"x_local_server_extra": {"added": True, "values": [1, 2, 3]}}


@dataclass(frozen=True)
class Fault:
    """One misbehaviour. Build it with the class methods, e.g. ``Fault.rate_limit("2")``."""

    kind: FaultKind
    status: int = 200
    retry_after: str | None = None
    seconds: float = 0.0
    body: bytes = b""
    content_type: str = "application/json"
    value: str = "queued"
    field: str = "status"
    properties: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def error(cls, status: int = 503, *, retry_after: str | None = None) -> Fault:
        """Answer `status` (429, 500, 502, 503...) with an error body instead of the real answer."""
        if not 400 <= status <= 599:
            raise ValueError("an error fault needs a 4xx or 5xx status")
        body = json.dumps({"detail": f"Simulated {status} from the local server."}).encode()
        return cls("status", status=status, retry_after=retry_after, body=body)

    @classmethod
    def rate_limit(cls, retry_after: str | None = "1") -> Fault:
        """Answer 429 with this ``Retry-After`` (seconds or an HTTP date; None sends none)."""
        return cls.error(429, retry_after=retry_after)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        """Wait `seconds` (cut short when the server stops) before answering normally."""
        if not 0 < seconds <= 300:
            raise ValueError("a hang lasts more than 0 and at most 300 seconds")
        return cls("hang", seconds=seconds)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending any answer."""
        return cls("drop")

    @classmethod
    def not_json(
        cls,
        body: bytes = b"<html><body>upstream error</body>",
        *,
        status: int = 200,
        content_type: str = "application/json",
    ) -> Fault:
        """Answer `status` with a body that does not parse as JSON (labelled JSON by default)."""
        return cls("not_json", status=status, body=body, content_type=content_type)

    @classmethod
    def unknown_enum(cls, value: str = "queued", *, field: str = "status") -> Fault:
        """Send the real answer with every `field` string in it replaced by `value`."""
        return cls("unknown_enum", value=value, field=field)

    @classmethod
    def extra_properties(cls, properties: Mapping[str, Any] | None = None) -> Fault:
        """Send the real answer with these properties added to every object in it."""
        return cls("extra_properties", properties=dict(properties or _DEFAULT_EXTRA))

    @classmethod
    def repeat_page_token(cls) -> Fault:
        """Send the real page, naming as the next page the token this request came with: a
        server whose listing loops. Only requests carrying a page token take it."""
        return cls("repeat_page_token")

    @classmethod
    def ignore_page_token(cls) -> Fault:
        """Answer as if the request carried no page token: the first page again, which holds
        nothing new for a client walking on. Only requests carrying a page token take it."""
        return cls("ignore_page_token")

    @property
    def replaces_answer(self) -> bool:
        """Whether the real answer is never computed (the request does not reach the API)."""
        return self.kind in {"status", "drop", "not_json"}

    @property
    def needs_page_token(self) -> bool:
        """Whether only requests that carry a page token can take this fault."""
        return self.kind in {"repeat_page_token", "ignore_page_token"}

    def transform(self, body: Any, query: Mapping[str, list[str]]) -> Any:
        """The real answer's body as this fault changes it (unchanged for other kinds); `query`
        is the request's."""
        if self.kind == "unknown_enum":
            return _replace(body, self.field, self.value)
        if self.kind == "extra_properties":
            return _extend(body, self.properties)
        token = query.get(PAGE_TOKEN)
        if self.kind == "repeat_page_token" and token and isinstance(body, dict):
            return {**body, NEXT_PAGE_TOKEN: token[-1]}
        return body


def _replace(node: Any, name: str, value: str) -> Any:
    if isinstance(node, dict):
        return {
            key: value if key == name and isinstance(item, str) else _replace(item, name, value)
            for key, item in node.items()
        }
    if isinstance(node, list):
        return [_replace(item, name, value) for item in node]
    return node


def _extend(node: Any, properties: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        extended = {key: _extend(item, properties) for key, item in node.items()}
        extended.update(copy.deepcopy(dict(properties)))
        return extended
    if isinstance(node, list):
        return [_extend(item, properties) for item in node]
    return node


@dataclass
class ScheduledFault:
    """A fault waiting for requests; `hits` counts the requests it has answered so far."""

    fault: Fault
    remaining: int
    method: str | None = None
    path: str | None = None
    operation: str | None = None
    hits: int = 0

    def matches(self, method: str, raw_path: str, operation: str | None) -> bool:
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.path is None or fnmatch.fnmatchcase(raw_path, self.path))
            and (self.operation is None or self.operation == operation)
            and (not self.fault.needs_page_token or PAGE_TOKEN in query_of(raw_path))
        )


def query_of(raw_path: str) -> dict[str, list[str]]:
    """A request target's query parameters, each with every value it was given."""
    return parse_qs(urlsplit(raw_path).query, keep_blank_values=True)


class FaultPlan:
    """The faults scheduled on one server, taken in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scheduled: list[ScheduledFault] = []

    def add(self, scheduled: ScheduledFault) -> ScheduledFault:
        if scheduled.remaining < 1:
            raise ValueError("a fault applies to at least one request")
        with self._lock:
            self._scheduled.append(scheduled)
        return scheduled

    def take(self, method: str, raw_path: str, operation: str | None) -> Fault | None:
        """The fault for this request, if one is due; each take uses up one of its requests."""
        with self._lock:
            for scheduled in self._scheduled:
                if scheduled.remaining > 0 and scheduled.matches(method, raw_path, operation):
                    scheduled.remaining -= 1
                    scheduled.hits += 1
                    return scheduled.fault
        return None

    def pending(self) -> list[ScheduledFault]:
        with self._lock:
            return [s for s in self._scheduled if s.remaining > 0]

    def clear(self) -> None:
        with self._lock:
            self._scheduled.clear()
