"""The fast decode path (msgspec straight from the bytes) gives exactly what the exact path gives.

For every operation whose success model has a fast path, a body goes through the client's
`_parse` twice: as shipped (bytes offered to the fast path first) and with the fast path hidden
(the exact path alone: json.loads, then from_dict). The two outcomes must be the same model, down
to value types, time zones, the absent-properties record and unknown properties, or the same
APIResponseValidationError: message, kept body and no chained raw value.

Bodies are drawn from the spec's schemas and then spoilt one way at a random place: an unknown
property, a wrong type, a null, a missing property, a timestamp in another form (naive, `Z`,
`+00:00`, a date alone, an offset, garbage), an enum value the spec does not list.
"""

from __future__ import annotations

import datetime
import importlib
import json
import pkgutil
import typing
from collections.abc import Callable
from typing import Any

import attrs
import httpx
import msgspec  # noqa: F401 - imported, it opens the fast path at once (types.wire_ready)
import pytest
from _llama_cloud_batch_generated import api
from _llama_cloud_batch_generated.types import RequestSpec
from hypothesis import given
from hypothesis import strategies as st
from llama_cloud_batch import APIResponseValidationError, LlamaCloud

from .test_models import JSON_VALUES, PROPERTY_SETTINGS, SCHEMAS, extra_properties, instances


def _operations() -> list[Any]:
    found = []
    for package in pkgutil.iter_modules(api.__path__):
        tag = importlib.import_module(f"{api.__name__}.{package.name}")
        for module in pkgutil.iter_modules(tag.__path__):
            operation = importlib.import_module(f"{tag.__name__}.{module.name}")
            if getattr(operation.parse_response, "from_bytes", None) is not None:
                found.append(operation)
    return found


OPERATIONS = _operations()
OPERATION_IDS = [operation.OPERATION_ID for operation in OPERATIONS]


def _model_of(operation: Any) -> type[Any]:
    model: type[Any] = typing.get_type_hints(operation.parse_response)["return"]
    return model


def test_the_listings_have_a_fast_path() -> None:
    # The operations that page (their success model has an `items` array) are the hot ones.
    paging = [op for op in OPERATIONS if "items" in attrs.fields_dict(_model_of(op))]
    assert paging, "no listing operation has the fast decode path"


@pytest.fixture(scope="module")
def client() -> Any:
    with LlamaCloud(api_key="sk-test-fast-decode", base_url="https://api.example.test") as made:
        yield made


def _outcome(client: Any, operation: Any, body: bytes, *, fast: bool) -> tuple[str, Any]:
    request = httpx.Request("GET", "https://api.example.test/x")
    response = httpx.Response(200, content=body, request=request)
    spec = RequestSpec(operation.OPERATION_ID, "GET", True, "/x", {}, {}, None)

    def exact_only(data: Any) -> Any:  # a plain function: no fast path attached
        return operation.parse_response(data)

    parse: Callable[[Any], Any] = operation.parse_response if fast else exact_only
    failure: APIResponseValidationError | None = None
    try:
        return "model", client._parse(response, spec, parse)
    except APIResponseValidationError as error:
        failure = error
    # Nothing chained: a chained exception could hold the raw value.
    assert failure.__context__ is None
    assert failure.__cause__ is None
    return "error", (str(failure), failure.body)


def assert_same(fast: Any, exact: Any, where: str = "") -> None:
    """Equal values of the same types, compared field by field (attrs eq leaves _absent out)."""
    assert type(fast) is type(exact), where
    if attrs.has(type(fast)):
        for field in attrs.fields(type(fast)):
            assert_same(
                getattr(fast, field.name), getattr(exact, field.name), where + "." + field.name
            )
        assert fast.to_dict() == exact.to_dict(), where
    elif isinstance(fast, list):
        assert len(fast) == len(exact), where
        for index, (a, b) in enumerate(zip(fast, exact, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(fast, datetime.datetime):
        assert fast == exact, where
        assert fast.tzinfo == exact.tzinfo, where
        assert fast.tzinfo is not None, where
        assert type(fast.tzinfo) is type(exact.tzinfo), where
        assert fast.isoformat() == exact.isoformat(), where
    else:
        assert fast == exact, where
        if hasattr(fast, "is_known"):
            assert fast.is_known == exact.is_known, where


def _check(client: Any, operation: Any, body: bytes) -> tuple[str, Any]:
    fast = _outcome(client, operation, body, fast=True)
    exact = _outcome(client, operation, body, fast=False)
    assert fast[0] == exact[0], (fast, exact)
    if fast[0] == "model":
        assert_same(fast[1], exact[1])
    else:
        assert fast[1] == exact[1]
    return fast


def _dump(data: Any) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATION_IDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_bodies_take_the_fast_path_and_build_the_same_models(
    client: Any, operation: Any, data: Any
) -> None:
    model = _model_of(operation)
    raw = data.draw(instances(model.__name__, unknown_enums=True))
    body = _dump(raw)
    # The fast path takes every body the spec allows (no unknown property here) ...
    assert operation.parse_response.from_bytes(body) is not None
    # ... and what the client returns is what the exact path builds.
    kind, parsed = _check(client, operation, body)
    assert kind == "model"
    assert parsed.to_dict() == raw


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in a body, the body itself first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


TIMESTAMPS = st.datetimes(
    min_value=datetime.datetime(1970, 1, 2), max_value=datetime.datetime(2100, 1, 1)
).flatmap(
    lambda moment: st.sampled_from(
        [
            moment.isoformat(),  # naive: UTC
            moment.isoformat() + "Z",
            moment.isoformat() + "+00:00",
            moment.isoformat() + "+05:30",
            moment.isoformat(sep=" "),
            moment.isoformat(timespec="minutes"),
            moment.isoformat(timespec="hours"),
            moment.date().isoformat(),  # a date alone: midnight UTC
            moment.strftime("%Y%m%d"),
            moment.strftime("%Y%m%dT%H%M%S"),
            moment.isoformat().lower() + "z",
            moment.isoformat() + ".1234567",
            moment.isoformat() + "+",
            "",
            "not a time",
        ]
    )
)
ODD_VALUES = (
    JSON_VALUES
    | TIMESTAMPS
    | st.sampled_from([True, False, 0, 1, 1.0, -1, 2**63, 2**64, "", "queued", [], {}])
)


@st.composite
def spoilt(draw: st.DrawFn, name: str) -> dict[str, Any]:
    body = draw(instances(name, unknown_enums=True))
    target = draw(st.sampled_from(_objects(body)))
    how = draw(st.sampled_from(["unknown", "value", "null", "drop"]))
    if how == "unknown":
        target.update(
            draw(
                extra_properties(name)
                if target is body
                else st.dictionaries(
                    st.text(min_size=1, max_size=8).filter(lambda key: key not in target),
                    JSON_VALUES,
                    min_size=1,
                    max_size=2,
                )
            )
        )
    elif target:
        key = draw(st.sampled_from(sorted(target)))
        if how == "value":
            target[key] = draw(ODD_VALUES)
        elif how == "null":
            target[key] = None
        else:
            del target[key]
    return body


@pytest.mark.parametrize("operation", OPERATIONS, ids=OPERATION_IDS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_spoilt_bodies_give_the_same_model_or_the_same_error(
    client: Any, operation: Any, data: Any
) -> None:
    _check(client, operation, _dump(data.draw(spoilt(_model_of(operation).__name__))))


def _listing() -> Any:
    return next(op for op in OPERATIONS if "items" in attrs.fields_dict(_model_of(op)))


def _sample(schema: dict[str, Any]) -> Any:
    """One value of `schema` with every property filled (the first choice everywhere)."""
    if "$ref" in schema:
        return _sample(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]])
    if "enum" in schema:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return _sample(next(s for s in schema[combinator] if s.get("type") != "null"))
    kind = schema.get("type")
    kind = next(t for t in kind if t != "null") if isinstance(kind, list) else kind
    if kind == "object":
        return {name: _sample(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_sample(schema.get("items", {}))]
    if kind == "string" and schema.get("format") == "date-time":
        return "2025-01-06T09:00:00Z"
    return {"string": "x", "integer": 1, "boolean": True}[kind]


def _job_model() -> type[Any]:
    job: type[Any] = typing.get_type_hints(_model_of(_listing()))["items"].__args__[0]
    return job


def _page(**job: Any) -> dict[str, Any]:
    raw: dict[str, Any] = _sample(SCHEMAS[_model_of(_listing()).__name__])
    raw["items"][0].update(job)
    return raw


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-06T09:30:00",
        "2025-01-06T09:30:00Z",
        "2025-01-06T09:30:00+00:00",
        "2025-01-06T09:30:00.123456",
        "2025-01-06",  # fromisoformat reads "2025-01-06+00:00" as naive: must still be UTC
        "20250106",
        "2025-01-06T09:30:00-08:00",
    ],
)
def test_every_timestamp_form_reads_as_the_exact_path_reads_it(client: Any, text: str) -> None:
    listing = _listing()
    hints = typing.get_type_hints(_job_model())
    stamps = [name for name, hint in hints.items() if datetime.datetime in typing.get_args(hint)]
    assert stamps, "the listed objects carry no timestamp"
    body = _dump(_page(**dict.fromkeys(stamps, text)))
    assert listing.parse_response.from_bytes(body) is not None
    kind, page = _check(client, listing, body)
    value = getattr(page.items[0], stamps[0])
    assert kind == "model"
    assert value.tzinfo is not None
    if text[-6:] not in ("+00:00", "-08:00") and not text.endswith("Z"):
        assert value.tzinfo is datetime.UTC


def test_an_unknown_property_is_kept_by_the_fallback(client: Any) -> None:
    listing = _listing()
    raw = _page(brand_new={"nested": [1, 2]})
    raw["also_new"] = "x"
    body = _dump(raw)
    assert listing.parse_response.from_bytes(body) is None  # refused, so read the exact way
    kind, page = _check(client, listing, body)
    assert kind == "model"
    assert page["also_new"] == "x"
    assert page.items[0]["brand_new"] == {"nested": [1, 2]}


def test_absent_and_null_stay_apart_on_the_fast_path(client: Any) -> None:
    listing = _listing()
    optional = [f.name for f in attrs.fields(_job_model()) if f.init and f.default is None]
    assert len(optional) >= 2
    raw = _page()
    job = raw["items"][0]
    job.pop(optional[0], None)
    job[optional[1]] = None
    body = _dump(raw)
    assert listing.parse_response.from_bytes(body) is not None
    _, page = _check(client, listing, body)
    written = page.items[0].to_dict()
    assert optional[0] not in written
    assert written[optional[1]] is None


def test_an_unknown_enum_value_stays_open_on_the_fast_path(client: Any) -> None:
    listing = _listing()
    hints = typing.get_type_hints(_job_model())
    enums = [name for name, hint in hints.items() if hasattr(hint, "_parse")]
    assert enums, "the listed objects have no enum property"
    body = _dump(_page(**{enums[0]: "brand_new_value"}))
    assert listing.parse_response.from_bytes(body) is not None
    kind, page = _check(client, listing, body)
    value = getattr(page.items[0], enums[0])
    assert kind == "model"
    assert value.value == "brand_new_value"
    assert not value.is_known


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b"null", b'{"items": 3}', b"\xff\xfe{}", b'{"items": [', b"NaN"],
)
def test_bodies_the_fast_path_refuses_give_the_exact_errors(client: Any, body: bytes) -> None:
    assert _listing().parse_response.from_bytes(body) is None
    kind, _ = _check(client, _listing(), body)
    assert kind == "error"


_GATE = """
import json, sys
from _llama_cloud_batch_generated import types
from _llama_cloud_batch_generated.models.batch_job_page import from_json_bytes
body = json.dumps({"items": [], "total_size": 0}).encode()
seen = []
for _ in range(types.EXACT_READS_BEFORE_MSGSPEC + 1):
    seen.append((from_json_bytes(body) is not None, "msgspec" in sys.modules))
print(json.dumps(seen))
"""


def test_a_process_reads_its_first_bodies_the_exact_way_before_importing_msgspec() -> None:
    import subprocess
    import sys

    listing = _listing()
    code = _GATE.replace("batch_job_page", _model_of(listing).__module__.rsplit(".", 1)[1])
    body = json.dumps(_page()).encode().decode()
    code = code.replace('json.dumps({"items": [], "total_size": 0})', repr(body))
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    seen = json.loads(completed.stdout)
    # Exact reads, msgspec not imported; then the fast path, msgspec imported.
    assert seen[:-1] == [[False, False]] * (len(seen) - 1)
    assert seen[-1] == [True, True]
