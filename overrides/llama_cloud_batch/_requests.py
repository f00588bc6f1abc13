"""How a call's arguments become a request: written once here, used by the generated operation
modules (`_llama_cloud_batch_generated.api`), whose `build_request` names which argument goes
where. The client (`_base_client`) sends the RequestSpec they make.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote

from ._config import check_request_data
from ._models import to_json

Query = list[tuple[str, str]]


class RequestSpec(NamedTuple):
    """What one call of an operation sends: built by the generated operation, sent by the client."""

    operation_id: str
    method: str
    # Whether sending it twice does no more than sending it once (an idempotent method).
    idempotent: bool
    path: str
    # The query string's pairs, in order; a list argument repeats its name.
    params: Query
    headers: dict[str, str]
    json: Any


def check_arguments(
    operation: str,
    arguments: Mapping[str, object],
    known: frozenset[str],
    required: frozenset[str],
) -> None:
    """TypeError, naming the operation, for an argument it does not take or one it needs."""
    unknown = arguments.keys() - known
    if unknown:
        raise TypeError(
            f"{operation}() got unexpected keyword arguments: {', '.join(sorted(unknown))}"
        )
    missing = [name for name in sorted(required) if arguments.get(name) is None]
    if missing:
        raise TypeError(f"{operation}() missing required keyword arguments: {', '.join(missing)}")


def path_value(operation: str, name: str, value: object) -> str:
    """A path value, percent-encoded whole: "/", "?", "#" and dot segments cannot change the
    path."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{operation}() needs a non-empty string {name}, got {value!r:.100}")
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def query(arguments: Mapping[str, object], names: Mapping[str, str]) -> Query:
    """The query string's pairs for the arguments `names` maps (Python name -> wire name); None
    is not given, a list repeats the name."""
    pairs: Query = []
    for name, wire in names.items():
        value = arguments.get(name)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            pairs += [(wire, query_text(item, wire)) for item in value]
        else:
            pairs.append((wire, query_text(value, wire)))
    return pairs


def query_text(value: object, name: str) -> str:
    """One value as a query string carries it: an enum's value, true/false, an ISO 8601
    timestamp (with its offset: a naive one is refused rather than guessed)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError(
                f"{name}: a datetime without a time zone is ambiguous; give one (datetime.UTC)"
            )
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{name}: cannot send a {type(value).__name__} in a query string")


def headers(arguments: Mapping[str, object], names: Mapping[str, str]) -> dict[str, str]:
    """The header values of the arguments `names` maps (Python name -> header name)."""
    return {
        wire: query_text(value, wire)
        for name, wire in names.items()
        if (value := arguments.get(name)) is not None
    }


def json_body(
    operation: str, arguments: Mapping[str, object], names: Mapping[str, str]
) -> dict[str, Any]:
    """The JSON body of the arguments `names` maps (Python name -> property name): models and
    enums as JSON, None left out. Data that contains itself, or nests deeper than any API body,
    is refused here, before anything is sent."""
    body = {}
    for name, wire in names.items():
        value = arguments.get(name)
        if value is not None:
            check_request_data(value, f"{operation}(): {name}")
            body[wire] = to_json(value)
    return body
