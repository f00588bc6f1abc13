"""generator/spec_diff.py: what it reports for each kind of spec change, and how it classifies.

The changes are planted in a frozen copy of the spec (tests/data/frozen-openapi.yaml), never in
the real one, so a maintainer's edit to spec/ cannot collide with them; the rules of
generator/DIFF_RULES.md are also shown on small specs of their own (SMALL below).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spec_diff
import yaml
from spec_diff import Change, compare, render, required_bump

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "tests" / "data" / "frozen-openapi.yaml"
JOBS = "/api/v1/beta/batch-processing"
LIST = f"GET {JOBS} (listBatchJobs)"
CREATE = f"POST {JOBS} (createBatchJob)"
CANCEL = f"POST {JOBS}/{{job_id}}/cancel (cancelBatchJob)"
STATUS = f"GET {JOBS}/{{job_id}} (getBatchJobStatus)"

Spec = dict[str, Any]


@pytest.fixture(scope="module")
def base() -> Spec:
    data = yaml.safe_load(SPEC_PATH.read_text())
    assert isinstance(data, dict)
    return data


def schemas(spec: Spec) -> dict[str, Any]:
    result: dict[str, Any] = spec["components"]["schemas"]
    return result


def parameter(spec: Spec, name: str, path: str = JOBS, method: str = "get") -> dict[str, Any]:
    for candidate in spec["paths"][path][method]["parameters"]:
        if candidate["name"] == name:
            result: dict[str, Any] = candidate
            return result
    raise KeyError(name)


def changed(base: Spec, mutate: Callable[[Spec], object]) -> list[Change]:
    new = copy.deepcopy(base)
    mutate(new)
    return compare(base, new)


def test_identical_specs_have_no_changes(base: Spec) -> None:
    assert compare(base, copy.deepcopy(base)) == []
    assert required_bump([]) == "none"
    assert render([]) == "Verdict: no API changes, no version bump needed."


def test_descriptions_and_info_are_not_api_changes(base: Spec) -> None:
    def reword(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("description", "summary"):
                if isinstance(node.get(key), str):
                    node[key] = node[key] + " (reworded)"
            for value in node.values():
                reword(value)
        elif isinstance(node, list):
            for value in node:
                reword(value)

    def mutate(spec: Spec) -> None:
        reword(spec)
        spec["info"]["version"] = "9.9.9"

    new = copy.deepcopy(base)
    mutate(new)
    assert new != base
    assert compare(base, new) == []


# (mutation, expected change: kind, where, breaking, detail)
CASES: list[tuple[str, Callable[[Spec], object], Change]] = [
    (
        "operation removed",
        lambda s: s["paths"][f"{JOBS}/{{job_id}}/cancel"].pop("post"),
        Change("operation-removed", CANCEL, True, "operation removed"),
    ),
    (
        "operation added",
        lambda s: s["paths"][f"{JOBS}/{{job_id}}"].__setitem__(
            "delete",
            {
                "operationId": "deleteBatchJob",
                "responses": {"204": {"description": "Deleted."}},
            },
        ),
        Change(
            "operation-added", f"DELETE {JOBS}/{{job_id}} (deleteBatchJob)", False, "new operation"
        ),
    ),
    (
        "optional parameter added",
        lambda s: s["paths"][JOBS]["get"]["parameters"].append(
            {"name": "order", "in": "query", "schema": {"type": "string"}}
        ),
        Change("parameter-added", f"{LIST} query order", False, "new optional parameter"),
    ),
    (
        "required parameter added",
        lambda s: s["paths"][JOBS]["get"]["parameters"].append(
            {"name": "order", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        Change("parameter-added", f"{LIST} query order", True, "new required parameter"),
    ),
    (
        "parameter removed",
        lambda s: s["paths"][JOBS]["get"]["parameters"].remove(parameter(s, "directory_id")),
        Change("parameter-removed", f"{LIST} query directory_id", True, "parameter removed"),
    ),
    (
        "parameter made required",
        lambda s: parameter(s, "limit").__setitem__("required", True),
        Change("parameter-required-changed", f"{LIST} query limit", True, "now required"),
    ),
    (
        "parameter type changed",
        lambda s: parameter(s, "offset")["schema"].__setitem__("type", "string"),
        Change("parameter-type-changed", f"{LIST} query offset", True, "type integer -> string"),
    ),
    (
        "header parameter removed",
        lambda s: s["paths"][JOBS]["post"]["parameters"].remove(
            parameter(s, "temporal-namespace", method="post")
        ),
        Change(
            "parameter-removed", f"{CREATE} header temporal-namespace", True, "parameter removed"
        ),
    ),
    (
        "optional request property added",
        lambda s: schemas(s)["BatchJobCreate"]["properties"].__setitem__(
            "label", {"type": "string"}
        ),
        Change("request-property-added", "BatchJobCreate.label", False, "new optional property"),
    ),
    (
        "required request property added",
        lambda s: (
            schemas(s)["BatchJobCreate"]["properties"].__setitem__("label", {"type": "string"}),
            schemas(s)["BatchJobCreate"]["required"].append("label"),
        ),
        Change("request-property-added", "BatchJobCreate.label", True, "new required property"),
    ),
    (
        "request property removed",
        lambda s: schemas(s)["BatchJobCreate"]["properties"].pop("page_size"),
        Change("request-property-removed", "BatchJobCreate.page_size", True, "property removed"),
    ),
    (
        "request property made required",
        lambda s: schemas(s)["BatchJobCreate"]["required"].append("directory_id"),
        Change(
            "request-property-required-changed", "BatchJobCreate.directory_id", True, "now required"
        ),
    ),
    (
        "request property made optional",
        lambda s: schemas(s)["BatchJobCreate"].__setitem__("required", []),
        Change(
            "request-property-required-changed", "BatchJobCreate.job_config", False, "now optional"
        ),
    ),
    (
        "request property no longer nullable",
        lambda s: schemas(s)["BatchJobCreate"]["properties"]["directory_id"].__setitem__(
            "type", "string"
        ),
        Change(
            "request-property-nullable-changed",
            "BatchJobCreate.directory_id",
            True,
            "no longer nullable",
        ),
    ),
    (
        "request property made nullable",
        lambda s: schemas(s)["BatchJobCreate"]["properties"]["page_size"].__setitem__(
            "type", ["integer", "null"]
        ),
        Change(
            "request-property-nullable-changed", "BatchJobCreate.page_size", False, "now nullable"
        ),
    ),
    (
        "response property added (even a required one)",
        lambda s: (
            schemas(s)["BatchJob"]["properties"].__setitem__("priority", {"type": "string"}),
            schemas(s)["BatchJob"]["required"].append("priority"),
        ),
        Change("response-property-added", "BatchJob.priority", False, "new required property"),
    ),
    (
        "response property removed",
        lambda s: schemas(s)["BatchJob"]["properties"].pop("workflow_id"),
        Change(
            "response-property-removed", "BatchJob.workflow_id", True, "property removed", False
        ),
    ),
    (
        "response property made optional",
        lambda s: schemas(s)["BatchJob"]["required"].remove("total_items"),
        Change("response-property-required-changed", "BatchJob.total_items", True, "now optional"),
    ),
    (
        "response property made required",
        lambda s: schemas(s)["BatchJobPage"]["required"].append("total_size"),
        Change(
            "response-property-required-changed", "BatchJobPage.total_size", False, "now required"
        ),
    ),
    (
        "response property made nullable",
        lambda s: schemas(s)["BatchJob"]["properties"]["id"].__setitem__(
            "type", ["string", "null"]
        ),
        Change("response-property-nullable-changed", "BatchJob.id", True, "now nullable"),
    ),
    (
        "response property no longer nullable",
        lambda s: schemas(s)["BatchJobItem"]["properties"]["job_id"].__setitem__("type", "string"),
        Change(
            "response-property-nullable-changed", "BatchJobItem.job_id", False, "no longer nullable"
        ),
    ),
    (
        "response property type changed",
        lambda s: schemas(s)["BatchJob"]["properties"]["total_items"].__setitem__("type", "number"),
        Change(
            "response-property-type-changed", "BatchJob.total_items", True, "type integer -> number"
        ),
    ),
    (
        "format changed",
        lambda s: schemas(s)["BatchJob"]["properties"]["created_at"].pop("format"),
        Change(
            "response-property-type-changed",
            "BatchJob.created_at",
            True,
            "type string (date-time) -> string",
        ),
    ),
    (
        "reference to another schema",
        lambda s: schemas(s)["BatchJobProgress"]["properties"]["job"].__setitem__(
            "$ref", "#/components/schemas/BatchJobItem"
        ),
        Change(
            "response-property-removed",
            "BatchJobProgress.job.project_id",
            True,
            "property removed",
            True,  # it was required: an old release's strict reader fails without it
        ),
    ),
    (
        "enum value added",
        lambda s: schemas(s)["BatchJobStatus"]["enum"].append("queued"),
        Change("enum-value-added", "BatchJobStatus", False, "enum value 'queued' added"),
    ),
    (
        "enum value removed",
        lambda s: schemas(s)["BatchItemStatus"]["enum"].remove("skipped"),
        # Also a query filter's values: old releases may still send it.
        Change("enum-value-removed", "BatchItemStatus", True, "enum value 'skipped' removed"),
    ),
    (
        "enum value removed deep inside a request body",
        lambda s: schemas(s)["ParsePriority"]["enum"].remove("low"),
        Change("enum-value-removed", "ParsePriority", True, "enum value 'low' removed"),
    ),
    (
        "nested array items changed",
        lambda s: schemas(s)["ClassifyParsingConfigurationParam"]["properties"]["target_pages"][
            "items"
        ].__setitem__("type", "string"),
        Change(
            "request-type-changed",
            "ClassifyParsingConfigurationParam.target_pages[]",
            True,
            "type integer -> string",
        ),
    ),
    (
        "parameter moved from a shared enum to a smaller inline one",
        lambda s: parameter(s, "status").__setitem__(
            "schema", {"type": "string", "enum": ["pending", "running"]}
        ),
        Change(
            "enum-value-removed", f"{LIST} query status", True, "enum value 'cancelled' removed"
        ),
    ),
    (
        "schema added",
        lambda s: schemas(s).__setitem__("Label", {"type": "string"}),
        Change("schema-added", "Label", False, "new schema"),
    ),
    (
        "schema removed",
        lambda s: schemas(s).pop("ImageToSave"),
        Change("schema-removed", "ImageToSave", True, "schema removed"),
    ),
    (
        "success response removed",
        lambda s: s["paths"][f"{JOBS}/{{job_id}}"]["get"]["responses"].pop("200"),
        Change("response-removed", f"{STATUS} 200 response", True, "response removed"),
    ),
    (
        "error response removed",
        lambda s: s["paths"][f"{JOBS}/{{job_id}}"]["get"]["responses"].pop("404"),
        Change("response-removed", f"{STATUS} 404 response", False, "response removed"),
    ),
    (
        "variant rule changed",
        lambda s: schemas(s)["ProcessingResult"]["allOf"][1]["then"]["properties"][
            "job_config"
        ].__setitem__("$ref", "#/components/schemas/ParseJobConfig"),
        Change(
            "variant-rule-changed",
            "ProcessingResult.job_config",
            True,
            "ClassifyJob -> ParseJobConfig when job_type is 'classify'",
        ),
    ),
    (
        "variant rule removed from a response",
        lambda s: schemas(s)["ProcessingResult"]["allOf"].pop(0),
        Change(
            "variant-rule-removed",
            "ProcessingResult.job_config",
            True,
            "no longer ParseJobConfig when job_type is 'parse'",
        ),
    ),
    (
        "variant rule added to a response",
        lambda s: schemas(s)["ProcessingResult"]["allOf"].append(
            {
                "if": {"properties": {"job_type": {"const": "extract"}}, "required": ["job_type"]},
                "then": {
                    "properties": {"job_config": {"$ref": "#/components/schemas/ParseJobConfig"}}
                },
            }
        ),
        Change(
            "variant-rule-added",
            "ProcessingResult.job_config",
            False,
            "now ParseJobConfig when job_type is 'extract'",
        ),
    ),
    (
        "request body made required",
        lambda s: s["paths"][f"{JOBS}/{{job_id}}/cancel"]["post"]["requestBody"].__setitem__(
            "required", True
        ),
        Change("request-body-required-changed", f"{CANCEL} request body", True, "now required"),
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in CASES], ids=[name for name, _, _ in CASES]
)
def test_change_is_found_and_classified(
    base: Spec, mutate: Callable[[Spec], object], expected: Change
) -> None:
    changes = changed(base, mutate)

    assert expected in changes, "\n".join(map(str, changes))
    bump = required_bump(changes)
    assert bump == ("major" if expected.breaking else "minor")


def test_inline_enum_values_are_compared(base: Spec) -> None:
    old = copy.deepcopy(base)
    parameter(old, "status")["schema"] = {"type": "string", "enum": ["pending", "running"]}
    new = copy.deepcopy(old)
    parameter(new, "status")["schema"]["enum"] = ["pending", "queued"]

    changes = compare(old, new)

    where = f"{LIST} query status"
    assert changes == [
        Change("enum-value-added", where, False, "enum value 'queued' added"),
        Change("enum-value-removed", where, True, "enum value 'running' removed"),
    ]


def test_nested_inline_objects_are_walked(base: Spec) -> None:
    old = copy.deepcopy(base)
    schemas(old)["BatchJobCreate"]["properties"]["options"] = {
        "type": "array",
        "items": {"type": "object", "properties": {"name": {"type": "string"}}},
    }
    new = copy.deepcopy(old)
    options = schemas(new)["BatchJobCreate"]["properties"]["options"]["items"]
    options["properties"]["size"] = {"type": "integer"}
    options["required"] = ["size"]

    changes = compare(old, new)

    assert changes == [
        Change(
            "request-property-added", "BatchJobCreate.options[].size", True, "new required property"
        )
    ]


def test_a_schema_used_both_ways_breaks_if_either_use_breaks(base: Spec) -> None:
    old = copy.deepcopy(base)
    schemas(old)["Shared"] = {"type": "object", "properties": {"a": {"type": "string"}}}
    schemas(old)["BatchJobCreate"]["properties"]["shared"] = {"$ref": "#/components/schemas/Shared"}
    schemas(old)["BatchJob"]["properties"]["shared"] = {"$ref": "#/components/schemas/Shared"}
    new = copy.deepcopy(old)
    schemas(new)["Shared"]["required"] = ["a"]

    # Required breaks the request use (callers do not send it); optional breaks the response use
    # (readers rely on it).
    assert compare(old, new) == [
        Change("schema-property-required-changed", "Shared.a", True, "now required")
    ]
    assert compare(new, old) == [
        Change("schema-property-required-changed", "Shared.a", True, "now optional")
    ]


def test_required_bump() -> None:
    breaking = Change("parameter-removed", "x", True, "parameter removed")
    addition = Change("parameter-added", "y", False, "new optional parameter")
    assert required_bump([breaking, addition]) == "major"
    assert required_bump([addition]) == "minor"
    assert required_bump(iter([addition])) == "minor"
    assert required_bump([]) == "none"
    moved = Change("operation-path-changed", "z", False, "GET /a -> GET /b", wire=True)
    assert required_bump([moved]) == "patch"


def test_render_groups_breaking_first_and_ends_with_the_bump(base: Spec) -> None:
    def mutate(spec: Spec) -> None:
        schemas(spec)["BatchJobStatus"]["enum"].append("queued")
        schemas(spec)["BatchJob"]["properties"].pop("workflow_id")

    text = render(changed(base, mutate))

    lines = text.splitlines()
    assert lines == [
        "Verdict: major release: 2 API change(s), 1 breaking for code using the package, "
        "0 breaking old releases against the new server.",
        "Breaking changes for code using the package (1):",
        "  - BatchJob.workflow_id: property removed [response-property-removed]",
        "Non-breaking changes for code using the package (1):",
        "  - BatchJobStatus: enum value 'queued' added [enum-value-added]",
    ]


def test_command_line(base: Spec, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy.deepcopy(base)
    parameter(new, "limit")["required"] = True
    schemas(new)["JobType"]["enum"].append("split")
    old_path, new_path = tmp_path / "old.yaml", tmp_path / "new.json"
    old_path.write_text(yaml.safe_dump(base))
    new_path.write_text(json.dumps(new))

    assert spec_diff.main([str(old_path), str(new_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert spec_diff.main([str(old_path), str(new_path)]) == 0
    text = capsys.readouterr().out

    assert report == {
        "bump": "major",
        "changes": [
            {
                "kind": "parameter-required-changed",
                "where": f"{LIST} query limit",
                "breaking": True,
                "detail": "now required",
                "wire": True,
            },
            {
                "kind": "enum-value-added",
                "where": "JobType",
                "breaking": False,
                "detail": "enum value 'split' added",
                "wire": False,
            },
        ],
    }
    assert text.startswith("Verdict: major release: 2 API change(s)")
    assert f"{LIST} query limit: now required" in text
    assert spec_diff.main([str(old_path), str(new_path), "--fail-on", "breaking"]) == 1
    assert spec_diff.main([str(old_path), str(old_path), "--fail-on", "breaking"]) == 0
    capsys.readouterr()


# -- the rules of generator/DIFF_RULES.md, each on a small spec of its own ------------------

ROUTE = "POST /things/{thing_id}"


def small() -> Spec:
    """One operation: a request body `In`, an answer `Out` with a Retry-After header."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "small", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {
            "/things/{thing_id}": {
                "post": {
                    "operationId": "makeThing",
                    "parameters": [
                        {"name": "thing_id", "in": "path", "required": True,
                         "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    ],
                    "requestBody": {"content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/In"}}}},
                    "responses": {"200": {
                        "description": "ok",
                        "headers": {"Retry-After": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Out"}}},
                    }},
                }
            }
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "In": {"type": "object", "properties": {
                    "name": {"type": "string", "maxLength": 100},
                    "size": {"type": "integer", "default": 10},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "owner": {"type": "string"},
                }},
                "Out": {"type": "object", "required": ["id"], "properties": {
                    "id": {"type": "string"},
                    "score": {"type": "number"},
                    "value": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    "secret": {"type": "string"},
                }},
            },
        },
    }  # fmt: skip


def prop(spec: Spec, schema: str, name: str) -> dict[str, Any]:
    result: dict[str, Any] = spec["components"]["schemas"][schema]["properties"][name]
    return result


def move_path(spec: Spec) -> None:
    spec["paths"]["/v2/things/{thing_id}"] = spec["paths"].pop("/things/{thing_id}")


# (name, mutation, expected change with its package and wire classes)
RULES: list[tuple[str, Callable[[Spec], object], Change]] = [
    (
        "response header removed",
        lambda s: s["paths"]["/things/{thing_id}"]["post"]["responses"]["200"].pop("headers"),
        Change("response-header-removed", f"{ROUTE} (makeThing) 200 response header retry-after",
               True, "header removed"),
    ),
    (
        "security scheme changed",
        lambda s: s["components"]["securitySchemes"]["bearer"].update(
            {"type": "apiKey", "in": "header", "name": "X-Key"}
        ),
        Change("security-scheme-changed", "security scheme bearer", True,
               "{'type': 'http', 'scheme': 'bearer'} -> "
               "{'type': 'apiKey', 'scheme': 'bearer', 'in': 'header', 'name': 'X-Key'}"),
    ),
    (
        "global security changed",
        lambda s: s.__setitem__("security", []),
        Change("security-changed", "global security", True, "[{'bearer': []}] -> []"),
    ),
    (
        "request maxLength tightened",
        lambda s: prop(s, "In", "name").__setitem__("maxLength", 10),
        Change("request-property-constraint-changed", "In.name", True, "maxLength 100 -> 10"),
    ),
    (
        "request maxLength loosened",
        lambda s: prop(s, "In", "name").pop("maxLength"),
        Change("request-property-constraint-changed", "In.name", False, "maxLength 100 -> none"),
    ),
    (
        "request minimum added",
        lambda s: prop(s, "In", "size").__setitem__("minimum", 1),
        Change("request-property-constraint-changed", "In.size", True, "minimum none -> 1"),
    ),
    (
        "request pattern added",
        lambda s: prop(s, "In", "owner").__setitem__("pattern", "^u-"),
        Change("request-property-constraint-changed", "In.owner", True, "pattern none -> '^u-'"),
    ),
    (
        "request maxItems added",
        lambda s: prop(s, "In", "tags").__setitem__("maxItems", 5),
        Change("request-property-constraint-changed", "In.tags", True, "maxItems none -> 5"),
    ),
    (
        "parameter maximum added",
        lambda s: s["paths"]["/things/{thing_id}"]["post"]["parameters"][1]["schema"].__setitem__(
            "maximum", 100
        ),
        Change("parameter-constraint-changed", f"{ROUTE} (makeThing) query limit", True,
               "maximum none -> 100"),
    ),
    (
        "response constraint added",
        lambda s: prop(s, "Out", "id").__setitem__("maxLength", 64),
        Change("response-property-constraint-changed", "Out.id", False, "maxLength none -> 64"),
    ),
    (
        "request default changed",
        lambda s: prop(s, "In", "size").__setitem__("default", 20),
        Change("request-property-default-changed", "In.size", True, "default 10 -> 20"),
    ),
    (
        "request additionalProperties turned off",
        lambda s: s["components"]["schemas"]["In"].__setitem__("additionalProperties", False),
        Change("request-additional-properties-changed", "In", True, "extra properties refused"),
    ),
    (
        "response additionalProperties turned off",
        lambda s: s["components"]["schemas"]["Out"].__setitem__("additionalProperties", False),
        Change(
            "response-additional-properties-changed",
            "Out",
            True,
            "extra properties refused",
            wire=False,
        ),
    ),
    (
        "request property made readOnly",
        lambda s: prop(s, "In", "owner").__setitem__("readOnly", True),
        Change("request-property-readonly-changed", "In.owner", True, "now readOnly"),
    ),
    (
        "response property made writeOnly",
        lambda s: prop(s, "Out", "secret").__setitem__("writeOnly", True),
        Change("response-property-writeonly-changed", "Out.secret", True, "now writeOnly"),
    ),
    (
        "property deprecated",
        lambda s: prop(s, "Out", "score").__setitem__("deprecated", True),
        Change("deprecated-changed", "Out.score", False, "now deprecated"),
    ),
    (
        "operation deprecated",
        lambda s: s["paths"]["/things/{thing_id}"]["post"].__setitem__("deprecated", True),
        Change("deprecated-changed", f"{ROUTE} (makeThing)", False, "now deprecated"),
    ),
    (
        "request integer widened to number",
        lambda s: prop(s, "In", "size").__setitem__("type", "number"),
        Change("request-property-type-changed", "In.size", False, "type integer -> number"),
    ),
    (
        "response number narrowed to integer",
        lambda s: prop(s, "Out", "score").__setitem__("type", "integer"),
        Change("response-property-type-changed", "Out.score", False, "type number -> integer"),
    ),
    (
        "response type changed from string to number",
        lambda s: prop(s, "Out", "id").__setitem__("type", "number"),
        Change("response-property-type-changed", "Out.id", True, "type string -> number"),
    ),
    (
        "response union narrowed",
        lambda s: prop(s, "Out", "value").__setitem__("anyOf", [{"type": "string"}]),
        Change("response-property-type-changed", "Out.value", False,
               "type integer | string -> string"),
    ),
    (
        "response union widened",
        lambda s: prop(s, "Out", "value")["anyOf"].append({"type": "boolean"}),
        Change("response-property-type-changed", "Out.value", True,
               "type integer | string -> boolean | integer | string"),
    ),
    (
        "path renamed, same Python method",
        move_path,
        Change("operation-path-changed", "POST /v2/things/{thing_id} (makeThing)", False,
               "POST /things/{thing_id} -> POST /v2/things/{thing_id}, same Python method",
               wire=True),
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "expected"), [(m, e) for _, m, e in RULES], ids=[name for name, _, _ in RULES]
)
def test_rule(mutate: Callable[[Spec], object], expected: Change) -> None:
    changes = changed(small(), mutate)

    assert changes == [expected]


def test_request_number_narrowed_to_integer_breaks() -> None:
    old = small()
    prop(old, "In", "size")["type"] = "number"

    changes = changed(old, lambda s: prop(s, "In", "size").__setitem__("type", "integer"))

    assert changes == [
        Change("request-property-type-changed", "In.size", True, "type number -> integer")
    ]


RESOURCES = {
    "resources": {
        "things": {
            "methods": {"make": {"endpoint": "POST /things/{thing_id}"}},
            "subresources": {"parts": {"methods": {"list": "GET /things/{thing_id}/parts"}}},
        }
    }
}


def test_resource_names_read_the_resource_map() -> None:
    assert spec_diff.resource_names(RESOURCES) == {
        ("POST", "/things/{thing_id}"): "client.things.make",
        ("GET", "/things/{thing_id}/parts"): "client.things.parts.list",
    }


def test_changes_are_named_in_python_terms() -> None:
    new = small()
    new["paths"]["/things/{thing_id}/parts"] = {
        "get": {"operationId": "listParts", "responses": {"200": {"description": "ok"}}}
    }
    names = spec_diff.resource_names(RESOURCES)

    changes = compare(small(), new, old_names=names, new_names=names)

    assert changes == [
        Change(
            "operation-added",
            "client.things.parts.list = GET /things/{thing_id}/parts (listParts)",
            False,
            "new operation",
        )
    ]


def test_a_moved_path_keeps_its_python_method_by_the_resource_map() -> None:
    # The operationId changes too; the resource map says the Python method stays.
    new = small()
    move_path(new)
    new["paths"]["/v2/things/{thing_id}"]["post"]["operationId"] = "createThing"
    old_names = spec_diff.resource_names(RESOURCES)
    new_names = {("POST", "/v2/things/{thing_id}"): "client.things.make"}

    changes = compare(small(), new, old_names=old_names, new_names=new_names)

    where = "client.things.make = POST /v2/things/{thing_id} (createThing)"
    assert changes == [
        Change("operation-path-changed", where, False,
               "POST /things/{thing_id} -> POST /v2/things/{thing_id}, same Python method",
               wire=True),
        Change("operation-renamed", where, False, "operationId 'makeThing' -> 'createThing'",
               wire=False),
    ]  # fmt: skip
    assert required_bump(changes) == "patch"


def test_a_renamed_path_variable_reaches_the_same_urls() -> None:
    def rename(spec: Spec) -> None:
        item = spec["paths"].pop("/things/{thing_id}")
        item["post"]["parameters"][0]["name"] = "id"
        spec["paths"]["/things/{id}"] = item

    changes = changed(small(), rename)

    moved = Change(
        "operation-path-changed",
        "POST /things/{id} (makeThing)",
        False,
        "POST /things/{thing_id} -> POST /things/{id}, same Python method",
        wire=False,
    )
    assert moved in changes
    # The method's keyword argument is renamed: code passing thing_id= breaks.
    assert Change("parameter-removed", "POST /things/{id} (makeThing) path thing_id", True,
                  "parameter removed") in changes  # fmt: skip


def with_webhook() -> Spec:
    """small() with a `thing.done` webhook whose body is the component `Event`."""
    spec = small()
    spec["components"]["schemas"]["Event"] = {
        "type": "object",
        "required": ["event_type"],
        "properties": {
            "event_type": {"type": "string"},
            "data": {"$ref": "#/components/schemas/Out"},
        },
    }
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}}
    spec["webhooks"] = {
        "thing.done": {"post": {"requestBody": body, "responses": {"200": {"description": "ok"}}}}
    }
    return spec


def test_webhook_events_added_and_removed() -> None:
    added = compare(small(), with_webhook())
    assert Change("webhook-added", "webhook thing.done", False, "new event") in added
    assert required_bump(added) == "minor"
    removed = compare(with_webhook(), small())
    assert Change("webhook-removed", "webhook thing.done", True, "event removed", wire=False) in (
        removed
    )
    assert required_bump(removed) == "major"


def test_a_webhook_body_is_judged_as_an_answer() -> None:
    def loosen(spec: Spec) -> None:
        spec["components"]["schemas"]["Event"]["properties"]["event_id"] = {"type": "string"}
        spec["components"]["schemas"]["Event"]["required"].append("event_id")

    def drop_required(spec: Spec) -> None:
        spec["components"]["schemas"]["Event"]["required"] = []

    # A required property added to what the client reads breaks nobody; one made optional does.
    assert all(not change.breaking for change in changed(with_webhook(), loosen))
    assert any(change.breaking for change in changed(with_webhook(), drop_required))


def test_a_webhook_body_dropped_is_breaking() -> None:
    def drop(spec: Spec) -> None:
        del spec["webhooks"]["thing.done"]["post"]["requestBody"]

    changes = changed(with_webhook(), drop)
    assert changes == [
        Change(
            "response-media-type-removed",
            "webhook thing.done body",
            True,
            "application/json body removed",
        )
    ]
