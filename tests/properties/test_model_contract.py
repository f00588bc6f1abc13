"""What every generated model promises beyond round trips: plain optional types, errors that say
where (and never what) a bad value is, secrets out of repr(), and enum meaning from the spec.

Names, properties and extensions are read from the spec the package ships, not restated here.
"""

from __future__ import annotations

import json
import pickle
import typing
from importlib import resources
from typing import Any

import pytest
from _llama_cloud_batch_generated import models
from hypothesis import given
from hypothesis import strategies as st
from llama_cloud_batch import types
from llama_cloud_batch._models import wire_fields

from .test_models import PROPERTY_SETTINGS, SCHEMAS, instances

SPEC: dict[str, Any] = json.loads(
    resources.files("_llama_cloud_batch_generated").joinpath("openapi.json").read_text()
)
SECRET = "sk-LEAK-7d1c9e"
OBJECTS = sorted(name for name, schema in SCHEMAS.items() if schema.get("type") == "object")


def python_name(name: str, wire: str) -> str:
    """The attribute of model `name` that holds the property `wire` (its attrs fields say)."""
    return next(
        attribute for attribute, on_wire, _ in wire_fields(getattr(models, name)) if on_wire == wire
    )


def optional_properties(name: str) -> set[str]:
    schema = SCHEMAS[name]
    return set(schema.get("properties", {})) - set(schema.get("required", []))


def chain(error: BaseException) -> list[BaseException]:
    """The error and everything chained to it."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def valid_job(**overrides: Any) -> dict[str, Any]:
    """A BatchJob with its required properties, built from the spec's required list."""
    schema = SCHEMAS["BatchJob"]
    samples = {"string": "x", "integer": 1, "number": 1.5, "boolean": True}
    body: dict[str, Any] = {}
    for name in schema["required"]:
        prop = schema["properties"][name]
        if "$ref" in prop:
            body[name] = SCHEMAS[prop["$ref"].rsplit("/", 1)[1]]["enum"][0]
        else:
            body[name] = samples[prop["type"]]
    body.update(overrides)
    return body


# --- plain optional types -------------------------------------------------------------------


@pytest.mark.parametrize("name", types.__all__)
def test_type_hints_resolve_on_every_public_type(name: str) -> None:
    public = getattr(types, name)
    hints = typing.get_type_hints(public)
    nested = getattr(public, "Dict", None)
    if nested is not None:
        hints |= typing.get_type_hints(nested)
    assert not any("Unset" in str(hint) for hint in hints.values()), hints


@pytest.mark.parametrize("name", OBJECTS)
def test_optional_properties_are_plain_optionals(name: str) -> None:
    hints = typing.get_type_hints(getattr(models, name))
    for wire in optional_properties(name):
        hint = hints[python_name(name, wire)]
        assert type(None) in typing.get_args(hint), (wire, hint)


def test_absent_and_null_both_read_none_and_round_trip_as_received() -> None:
    optional = sorted(optional_properties("BatchJob"))
    left_out, sent_null = optional[0], optional[1]
    raw = valid_job(**{sent_null: None})
    raw.pop(left_out, None)
    job = models.BatchJob.from_dict(raw)
    assert getattr(job, left_out) is None
    assert getattr(job, sent_null) is None
    written = job.to_dict()
    assert left_out not in written
    assert written[sent_null] is None
    assert written == raw


def test_a_model_built_in_code_leaves_out_what_it_was_not_given() -> None:
    job = models.BatchJob.from_dict(valid_job())
    given = {
        python_name("BatchJob", wire): getattr(job, python_name("BatchJob", wire))
        for wire in valid_job()
    }
    rebuilt = models.BatchJob(**given, error_message="boom")
    assert rebuilt.to_dict() == {**valid_job(), "error_message": "boom"}
    assert rebuilt.completed_at is None


@pytest.mark.parametrize("name", OBJECTS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_every_optional_property_reads_none_when_absent_or_null(name: str, data: Any) -> None:
    raw = data.draw(instances(name))
    parsed = getattr(models, name).from_dict(raw)
    for wire in optional_properties(name):
        if raw.get(wire) is None:
            assert getattr(parsed, python_name(name, wire)) is None, wire


# --- errors name where, never what ----------------------------------------------------------


def test_a_missing_property_deep_in_a_page_is_located_with_its_job() -> None:
    jobs = [valid_job(id=f"bjb-{index}") for index in range(40)]
    del jobs[37]["project_id"]
    with pytest.raises(types.ShapeError) as raised:
        models.BatchJobPage.from_dict({"items": jobs, "total_size": 40})
    assert str(raised.value) == (
        "items[37]: required property 'project_id' is missing (BatchJob 'bjb-37')"
    )
    assert raised.value.location == "items[37]"
    assert isinstance(raised.value, TypeError)
    assert isinstance(raised.value, ValueError)


def test_an_error_inside_a_union_variant_names_the_innermost_object_with_an_id() -> None:
    bad_rule = {"type": "invoice"}  # no description
    classify = {"id": "cls-9", "project_id": "p", "rules": [{"type": "a", "description": "b"}]}
    classify |= {"rules": [classify["rules"][0], bad_rule], "status": "SUCCESS", "user_id": "u"}
    result = {
        "item_id": "itm-1",
        "job_type": "classify",
        "job_config": classify,
        "output_s3_path": "s3://o",
        "parameters_hash": "h",
        "processed_at": "2024-01-01T00:00:00Z",
        "result_id": "res-1",
    }
    body = {"item_id": "itm-1", "item_name": "a.pdf", "processing_results": [result]}
    with pytest.raises(types.ShapeError) as raised:
        models.ItemProcessingResults.from_dict(body)
    assert str(raised.value) == (
        "processing_results[0].job_config.rules[1]: required property 'description' is missing"
        " (ClassifyJob 'cls-9')"
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"created_at": SECRET}, "created_at: not an ISO 8601 date-time"),
        (
            {"created_at": [SECRET]},
            "created_at: expected an ISO 8601 date-time string, got an array",
        ),
        ({"total_items": SECRET}, "total_items: expected an integer, got a string"),
        ({"status": {SECRET: SECRET}}, "status: expected a string, got an object"),
        ({"error_message": [SECRET]}, "error_message: expected a string or null, got an array"),
        ({"project_id": 1}, "project_id: expected a string, got an integer"),
    ],
)
def test_errors_name_the_place_and_the_type_never_the_value(
    overrides: dict[str, Any], expected: str
) -> None:
    body = {"items": [valid_job(id="bjb-0"), valid_job(id="bjb-1", **overrides)]}
    with pytest.raises(types.ShapeError) as raised:
        models.BatchJobPage.from_dict(body)
    assert str(raised.value).startswith(f"items[1].{expected}")
    for linked in chain(raised.value):
        assert SECRET not in str(linked)
        assert SECRET not in repr(linked)
    assert raised.value.__context__ is None
    assert raised.value.__cause__ is None


def test_shape_errors_pickle() -> None:
    with pytest.raises(types.ShapeError) as raised:
        models.BatchJobPage.from_dict({"items": [valid_job(id="bjb-3", total_items="x")]})
    again = pickle.loads(pickle.dumps(raised.value))
    assert type(again) is types.ShapeError
    assert str(again) == str(raised.value)
    assert again.path == raised.value.path


def test_a_body_that_is_not_an_object_is_named() -> None:
    with pytest.raises(
        types.ShapeError, match=r"expected a JSON object \(BatchJobPage\), got an array"
    ):
        models.BatchJobPage.from_dict([1, 2])  # type: ignore[arg-type]


# --- secrets out of repr() ------------------------------------------------------------------


def sensitive_properties() -> list[tuple[str, str]]:
    return [
        (name, wire)
        for name, schema in SCHEMAS.items()
        for wire, prop in schema.get("properties", {}).items()
        if prop.get("x-sensitive") is True
    ]


def test_the_spec_marks_webhook_headers_sensitive() -> None:
    assert ("WebhookConfiguration", "webhook_headers") in sensitive_properties()


@pytest.mark.parametrize(("name", "wire"), sensitive_properties())
def test_sensitive_values_stay_out_of_repr(name: str, wire: str) -> None:
    prop = SCHEMAS[name]["properties"][wire]
    value: Any = {"Authorization": SECRET} if "object" in prop.get("type", []) else SECRET
    parsed = getattr(models, name).from_dict({wire: value})
    shown = repr(parsed)
    assert SECRET not in shown
    assert wire in shown
    if isinstance(value, dict):
        assert "Authorization" in shown  # which headers are set is not secret
        # A map is a plain dict: the model's repr hides its values, the dict's own shows them.
        assert getattr(parsed, wire) == value
    assert parsed.to_dict()[wire] == value  # hidden from repr, never from the request


# --- enum meaning from the spec -------------------------------------------------------------


FINAL_ENUMS = sorted(name for name, schema in SCHEMAS.items() if "x-final-values" in schema)


def test_job_statuses_say_which_are_final() -> None:
    assert "BatchJobStatus" in FINAL_ENUMS


@pytest.mark.parametrize("name", FINAL_ENUMS)
def test_final_values_come_from_the_spec(name: str) -> None:
    enum = getattr(models, name)
    final = set(SCHEMAS[name]["x-final-values"])
    assert {member.value for member in enum.FINAL} == final
    for value in SCHEMAS[name]["enum"]:
        assert enum(value).is_final == (value in final)
    unknown = enum("a-status-from-the-future")
    assert not unknown.is_known
    assert not unknown.is_final


def test_enums_without_the_extension_have_no_final_set() -> None:
    plain = [n for n, s in SCHEMAS.items() if "enum" in s and "x-final-values" not in s]
    assert plain
    for name in plain:
        assert not hasattr(getattr(models, name), "FINAL")


def test_unknown_values_of_one_kind_share_one_object() -> None:
    first = models.BatchJobStatus("queued-later")
    assert models.BatchJobStatus("queued-later") is first
    page = models.BatchJobPage.from_dict(
        {"items": [valid_job(id=f"j{i}", status="queued-later") for i in range(3)]}
    )
    assert all(job.status is first for job in page.items)
