"""Hypothesis over every generated model: valid data round-trips, unknown data never breaks parsing.

Instances are drawn from the JSON schemas of the spec the package ships (openapi.json) by the
small strategy builder below, and checked against those schemas with jsonschema before use, so a
wrong strategy fails loudly instead of testing nothing.
"""

from __future__ import annotations

import datetime
import functools
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.jsonschema
from _llama_cloud_batch_generated import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_diff import variant_rules

SPEC: dict[str, Any] = json.loads(
    resources.files("_llama_cloud_batch_generated").joinpath("openapi.json").read_text()
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
OBJECTS = sorted(name for name, schema in SCHEMAS.items() if schema.get("type") == "object")
ENUMS = sorted(name for name, schema in SCHEMAS.items() if "enum" in schema)
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_REGISTRY: referencing.Registry[Any] = referencing.Registry().with_resource(
    "urn:spec",
    referencing.Resource.from_contents(
        SPEC, default_specification=referencing.jsonschema.DRAFT202012
    ),
)

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
# Timestamps as the client writes them back (isoformat with an offset): round trips compare equal.
DATE_TIMES = st.datetimes(
    min_value=datetime.datetime(1970, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.just(datetime.UTC),
).map(datetime.datetime.isoformat)


def reaches_enum(node: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether an enum is somewhere inside this schema, following references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[1]
            return name not in seen and reaches_enum(SCHEMAS[name], seen | {name})
        return "enum" in node or any(reaches_enum(value, seen) for value in node.values())
    if isinstance(node, list):
        return any(reaches_enum(value, seen) for value in node)
    return False


def model(name: str) -> Any:
    return getattr(models, name)


# Built once per schema: building a validator or a strategy costs more than using it.
@functools.cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"}, registry=_REGISTRY
    )


def schema_errors(name: str, instance: Any) -> list[str]:
    return [error.message for error in _validator(name).iter_errors(instance)]


def strategy(schema: dict[str, Any], *, unknown_enums: bool = False) -> st.SearchStrategy[Any]:
    """Values that fit `schema`; with unknown_enums, any enum may also get a value it lacks."""
    if "$ref" in schema:
        return strategy(SCHEMAS[schema["$ref"].rsplit("/", 1)[1]], unknown_enums=unknown_enums)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        known = st.sampled_from(schema["enum"])
        if not unknown_enums:
            return known
        return known | st.text(min_size=1, max_size=12).filter(lambda v: v not in schema["enum"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return st.one_of([strategy(s, unknown_enums=unknown_enums) for s in schema[combinator]])
    types = schema.get("type")
    if types is None:
        return JSON_VALUES  # no constraint at all (output_metadata, ErrorBody.detail)
    if isinstance(types, list):
        return st.one_of(
            [strategy({**schema, "type": t}, unknown_enums=unknown_enums) for t in types]
        )
    return _typed(types, schema, unknown_enums)


def _typed(kind: str, schema: dict[str, Any], unknown_enums: bool) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(
            int(low) if low is not None else -(2**40), int(high) if high is not None else 2**40
        )
    if kind == "string":
        return DATE_TIMES if schema.get("format") == "date-time" else st.text(max_size=12)
    if kind == "array":
        return st.lists(strategy(schema.get("items", {}), unknown_enums=unknown_enums), max_size=3)
    if kind == "object":
        return _object(schema, unknown_enums)
    raise AssertionError(f"no strategy for type {kind!r}")


def _object(schema: dict[str, Any], unknown_enums: bool) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    if not properties:
        extra = schema.get("additionalProperties", True)
        values = JSON_VALUES if extra is True else strategy(extra, unknown_enums=unknown_enums)
        return st.dictionaries(st.text(max_size=8), values, max_size=3)
    required = set(schema.get("required", []))
    # {(property, by, tag): variant}: draw each such pair together, so the data says what it is.
    rules = variant_rules(schema)
    paired_names = {name for target, by, _ in rules for name in (target, by)}
    plain = {
        name: strategy(sub, unknown_enums=unknown_enums)
        for name, sub in properties.items()
        if name not in paired_names
    }
    base = st.fixed_dictionaries(
        {name: s for name, s in plain.items() if name in required},
        optional={name: s for name, s in plain.items() if name not in required},
    )
    if not rules:
        return base
    # The generated parser picks the variant by the sibling's value, as the API means it.
    paired = st.one_of(
        [
            st.fixed_dictionaries(
                {
                    by: st.just(tag),
                    target: strategy(SCHEMAS[variant], unknown_enums=unknown_enums),
                }
            )
            for (target, by, tag), variant in rules.items()
        ]
    )
    return st.tuples(base, paired).map(lambda parts: {**parts[0], **parts[1]})


@functools.cache
def instances(name: str, *, unknown_enums: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return strategy(SCHEMAS[name], unknown_enums=unknown_enums)


@functools.cache
def extra_properties(name: str) -> st.SearchStrategy[dict[str, Any]]:
    known = set(SCHEMAS[name].get("properties", {}))
    keys = st.text(min_size=1, max_size=10).filter(lambda key: key not in known)
    return st.dictionaries(keys, JSON_VALUES, min_size=1, max_size=3)


def test_every_component_is_covered():
    assert len(OBJECTS) + len(ENUMS) == len(SCHEMAS)
    for name in OBJECTS + ENUMS:
        assert model(name) is not None


@pytest.mark.parametrize("name", OBJECTS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_data_round_trips(name, data):
    raw = data.draw(instances(name))
    assert schema_errors(name, raw) == []  # the strategy draws what the spec allows
    parsed = model(name).from_dict(raw)
    assert parsed.to_dict() == raw
    again = model(name).from_dict(parsed.to_dict())
    assert again == parsed
    assert again.to_dict() == raw
    # to_json() is the same data as a document: indented by 2 (the official SDK's default), or on
    # one line; text is written as it is, not escaped.
    assert json.loads(parsed.to_json()) == raw
    assert json.loads(parsed.to_json(indent=None)) == raw
    assert "\n" not in parsed.to_json(indent=None)
    if raw:
        assert parsed.to_json().startswith("{\n  ")


@pytest.mark.parametrize("name", OBJECTS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_extra_properties_never_break_parsing_and_are_kept(name, data):
    raw = data.draw(instances(name))
    extra = data.draw(extra_properties(name))
    parsed = model(name).from_dict({**raw, **extra})
    assert parsed.additional_properties == extra
    assert parsed.to_dict() == {**raw, **extra}
    assert model(name).from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize("name", [name for name in OBJECTS if reaches_enum(SCHEMAS[name])])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_unknown_enum_values_anywhere_never_break_parsing(name, data):
    raw = data.draw(instances(name, unknown_enums=True))
    parsed = model(name).from_dict(raw)
    assert parsed.to_dict() == raw
    assert model(name).from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize("name", ENUMS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_enums_are_open(name, data):
    enum = model(name)
    known = data.draw(st.sampled_from(SCHEMAS[name]["enum"]))
    assert enum(known).is_known
    assert enum(known) == known
    value = data.draw(
        st.text(min_size=1, max_size=20).filter(lambda v: v not in SCHEMAS[name]["enum"])
    )
    parsed = enum(value)
    assert parsed == value
    assert parsed.value == value
    assert str(parsed) == value
    assert not parsed.is_known


def test_an_unknown_status_inside_a_page_is_readable():
    job = {
        "id": "j",
        "job_type": "parse",
        "project_id": "p",
        "status": "zz-queued",
        "total_items": 1,
    }
    page = model("BatchJobPage").from_dict({"items": [job], "total_size": 1})
    assert page.items[0].status == "zz-queued"
    assert not page.items[0].status.is_known
    assert page.to_dict()["items"][0]["status"] == "zz-queued"
