"""spec/openapi.yaml is a valid OpenAPI 3.1 document with what the generator and client rely on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import referencing
import referencing.jsonschema
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SERVER = "https://api.cloud.llamaindex.ai"
NAMED_SCHEMAS = (
    "BatchJob",
    "BatchJobItem",
    "BatchJobPage",
    "BatchJobItemPage",
    "BatchJobStatus",
    "JobType",
    "BatchItemStatus",
    "HTTPValidationError",
)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document = yaml.safe_load(SPEC_PATH.read_text())
    assert isinstance(document, dict)
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(METHOD path, operation) for every operation of the spec."""
    found = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found.append((f"{method.upper()} {path}", item[method]))
    return found


def test_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1.")
    validate(spec)  # raises on the first structural error, with its path


def test_validator_rejects_a_broken_copy(spec: dict[str, Any]) -> None:
    # Proves the check above has teeth: a response without its required description fails.
    broken = yaml.safe_load(yaml.safe_dump(spec))
    del broken["paths"]["/api/v1/beta/batch-processing"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_operations_have_unique_ids_tags_and_a_200(spec: dict[str, Any]) -> None:
    found = operations(spec)
    assert found, "the spec has no operations"
    problems = []
    ids = Counter(operation.get("operationId") for _, operation in found)
    problems += [
        f"operationId {name!r} used {count} times" for name, count in ids.items() if count > 1
    ]
    for where, operation in found:
        if not operation.get("operationId"):
            problems.append(f"{where}: no operationId")
        if not operation.get("tags"):
            problems.append(f"{where}: no tags")
        if "200" not in operation.get("responses", {}):
            problems.append(f"{where}: no 200 response")
    assert not problems, "\n".join(problems)


def test_operation_tags_are_declared(spec: dict[str, Any]) -> None:
    declared = {tag["name"] for tag in spec.get("tags", [])}
    used = {tag for _, operation in operations(spec) for tag in operation["tags"]}
    assert used <= declared, f"undeclared tags: {sorted(used - declared)}"


def test_bearer_security_is_declared_and_applied(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    bearer = [
        name
        for name, scheme in schemes.items()
        if scheme.get("type") == "http" and scheme.get("scheme", "").lower() == "bearer"
    ]
    assert bearer, f"no http bearer scheme among {sorted(schemes)}"
    applied = {name for requirement in spec.get("security", []) for name in requirement}
    assert applied & set(bearer), "the bearer scheme is declared but not required globally"


def test_replaced_by_names_a_live_successor(spec: dict[str, Any]) -> None:
    # `x-replaced-by` on a deprecated operation names the operationId of its successor, which
    # the client's DeprecationWarning turns into a method name: it must exist and not be
    # deprecated itself, or users are sent to a dead end.
    by_id = {operation.get("operationId"): operation for _, operation in operations(spec)}
    problems = []
    for where, operation in operations(spec):
        successor = operation.get("x-replaced-by")
        if successor is None:
            continue
        if not operation.get("deprecated"):
            problems.append(f"{where}: x-replaced-by on an operation that is not deprecated")
        if successor not in by_id:
            problems.append(f"{where}: x-replaced-by {successor!r} is no operationId of the spec")
        elif by_id[successor].get("deprecated"):
            problems.append(f"{where}: x-replaced-by {successor!r}, itself deprecated")
    assert not problems, "\n".join(problems)


def test_beta_operations_are_deprecated_and_v2_ones_are_not(spec: dict[str, Any]) -> None:
    for where, operation in operations(spec):
        assert bool(operation.get("deprecated")) == ("/api/v1/beta/" in where), where


def test_server_is_declared(spec: dict[str, Any]) -> None:
    assert SERVER in [server["url"] for server in spec["servers"]]


@pytest.mark.parametrize("name", NAMED_SCHEMAS)
def test_named_component_schema_exists(spec: dict[str, Any], name: str) -> None:
    schema = spec["components"]["schemas"].get(name)
    assert isinstance(schema, dict), f"components.schemas.{name} is missing"
    assert "type" in schema or "enum" in schema, f"components.schemas.{name} has no type"


def variant_clauses(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(schema name, clause) for every `if ... then ...` clause in a component's allOf."""
    return [
        (name, clause)
        for name, schema in spec["components"]["schemas"].items()
        for clause in schema.get("allOf", [])
        if "if" in clause
    ]


def test_variant_clauses_have_the_shape_the_generator_reads(spec: dict[str, Any]) -> None:
    # The model template reads each clause as "if <by> is <const> then <property> is <$ref>";
    # anything richer would be silently misread, so the spec may only say it this way.
    schemas = spec["components"]["schemas"]
    clauses = variant_clauses(spec)
    assert clauses, "ProcessingResult's job_config/job_type clauses are missing"
    pairs: dict[str, set[tuple[str, str]]] = {}
    for name, clause in clauses:
        assert set(clause) == {"if", "then"}, f"{name}: a clause holds {sorted(clause)}"
        ((by, condition),) = clause["if"]["properties"].items()
        ((target, variant),) = clause["then"]["properties"].items()
        assert clause["if"].get("required") == [by], f"{name}: `if` must require {by}"
        properties = schemas[name]["properties"]
        tag_schema = schemas[properties[by]["$ref"].rsplit("/", 1)[-1]]
        assert condition["const"] in tag_schema["enum"], f"{name}: {condition} not in {by}"
        union = [option["$ref"] for option in properties[target]["anyOf"]]
        assert variant["$ref"] in union, f"{name}: {variant} is not a variant of {target}"
        pairs.setdefault(name, set()).add((by, target))
    # The template keeps one discriminated union per model.
    assert all(len(found) == 1 for found in pairs.values()), pairs


def test_validators_enforce_the_variant_rule(spec: dict[str, Any]) -> None:
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(
        "urn:spec",
        referencing.Resource.from_contents(
            spec, default_specification=referencing.jsonschema.DRAFT202012
        ),
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": "urn:spec#/components/schemas/ProcessingResult"}, registry=registry
    )
    parse_config = {"job_name": "parse_raw_file_job"}
    classify_config = {
        "id": "c",
        "project_id": "p",
        "user_id": "u",
        "status": "PENDING",
        "rules": [],
    }

    def result(job_type: str, job_config: dict[str, Any]) -> dict[str, Any]:
        return {
            "item_id": "i",
            "job_type": job_type,
            "job_config": job_config,
            "output_s3_path": "s3://o",
            "parameters_hash": "h",
            "processed_at": "2026-01-01T00:00:00Z",
            "result_id": "r",
        }

    assert validator.is_valid(result("classify", classify_config))
    assert validator.is_valid(result("parse", parse_config))
    assert validator.is_valid(result("extract", parse_config))  # no rule for extract
    # Every classify job also fits the all-optional parse schema: only the clause refuses it.
    assert not validator.is_valid(result("classify", parse_config))
