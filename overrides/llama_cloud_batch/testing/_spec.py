"""The spec as the local server reads it: operations, parameters and validators for every schema.

The spec is the JSON copy the pipeline ships with the generated package
(``_llama_cloud_batch_generated/openapi.json``), so the server checks against exactly what the
client was generated from, installed or not.
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema

SPEC_URI = "urn:llama-cloud-batch:openapi"
_HTTP_METHODS = ("get", "post", "put", "patch", "delete")

# RFC 3339 date-time, the format OpenAPI's `date-time` means; jsonschema checks it only with an
# optional extra package, and a request with a broken timestamp must be refused like the API would.
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
)
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    # The pattern lets 2024-13-45 through; fromisoformat catches impossible dates and times.
    parse_date_time(value)
    return True


def parse_date_time(value: str) -> datetime.datetime:
    """An RFC 3339 date-time (one that passed the spec's `date-time` check) as a datetime."""
    return datetime.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))


@dataclass(frozen=True)
class Parameter:
    """One query, header or path parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: where it lives and what it takes and answers."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_schema: Mapping[str, Any] | None
    body_required: bool
    # status code (as in the spec, e.g. "200") -> schema of the JSON body
    responses: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))


@dataclass(frozen=True)
class Problem:
    """One validation failure, shaped like an entry of the API's 422 ``detail`` list."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def to_json(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


def load_spec() -> dict[str, Any]:
    """The spec the package was generated from, read from the package itself."""
    text = (
        resources.files("_llama_cloud_batch_generated")
        .joinpath("openapi.json")
        .read_text(encoding="utf-8")
    )
    spec: dict[str, Any] = json.loads(text)
    return spec


class Spec:
    """Operations of the spec and validators for its schemas, built once and shared."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource = referencing.Resource.from_contents(
            dict(document), default_specification=referencing.jsonschema.DRAFT202012
        )
        self._registry: referencing.Registry[Any] = referencing.Registry().with_resource(
            SPEC_URI, resource
        )
        self.operations = tuple(self._read_operations())
        self.by_id = {op.operation_id: op for op in self.operations}

    def _read_operations(self) -> Iterator[Operation]:
        for path, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method in _HTTP_METHODS:
                if method not in item:
                    continue
                raw = item[method]
                body = raw.get("requestBody")
                body_schema = None
                if body is not None:
                    body_schema = body["content"]["application/json"]["schema"]
                yield Operation(
                    operation_id=raw["operationId"],
                    method=method.upper(),
                    path=path,
                    parameters=tuple(
                        Parameter(p["name"], p["in"], bool(p.get("required")), p["schema"])
                        for p in (*shared, *raw.get("parameters", []))
                    ),
                    body_schema=body_schema,
                    body_required=bool(body and body.get("required")),
                    responses={
                        status: self._response_schema(response)
                        for status, response in raw.get("responses", {}).items()
                    },
                )

    def _response_schema(self, response: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if "$ref" in response:
            response = self.resolve(response["$ref"])
        content = response.get("content", {}).get("application/json")
        return None if content is None else content.get("schema")

    def resolve(self, ref: str) -> Mapping[str, Any]:
        """The spec node a local reference (``#/components/...``) points at."""
        resolved: Mapping[str, Any] = self._registry.resolver().lookup(SPEC_URI + ref).contents
        return resolved

    def deref(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The schema itself, or what its top-level ``$ref`` points at."""
        while "$ref" in schema:
            schema = self.resolve(schema["$ref"])
        return schema

    @functools.cache  # noqa: B019 -- one Spec lives as long as the process; the cache is the point
    def _validator(self, schema_json: str) -> jsonschema.protocols.Validator:
        schema = self._inline(json.loads(schema_json), ())
        return jsonschema.Draft202012Validator(
            schema, registry=self._registry, format_checker=_FORMATS
        )

    def _inline(self, node: Any, chain: tuple[str, ...]) -> Any:
        """The schema with each local reference replaced by what it points at: jsonschema checks
        an answer several times faster than by following references, of which a page of batches
        has thousands. A reference back into one being inlined stays one, pointed at the spec."""
        if isinstance(node, list):
            return [self._inline(value, chain) for value in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not (isinstance(ref, str) and ref.startswith("#")):
            return {key: self._inline(value, chain) for key, value in node.items()}
        if ref in chain:
            target: Any = {"$ref": SPEC_URI + ref}
        else:
            target = self._inline(self.resolve(ref), (*chain, ref))
        siblings = {key: self._inline(value, chain) for key, value in node.items() if key != "$ref"}
        # Keywords beside a $ref apply too (JSON Schema 2020-12): allOf keeps both.
        return {"allOf": [target], **siblings} if siblings else target

    def errors(self, schema: Mapping[str, Any], instance: Any) -> list[jsonschema.ValidationError]:
        """Every way the instance breaks the schema (empty when it conforms)."""
        validator = self._validator(json.dumps(schema, sort_keys=True))
        return sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))

    def component(self, name: str) -> Mapping[str, Any]:
        return {"$ref": f"#/components/schemas/{name}"}

    def takes_many(self, parameter: Parameter) -> bool:
        """Whether the parameter is an array, sent as one key per value (`expand=a&expand=b`)."""
        kind = self.deref(parameter.schema).get("type")
        return kind == "array" or (isinstance(kind, list) and "array" in kind)

    def operation_named(self, name: str) -> Operation:
        """The operation of this operationId (`getItemProcessingResults`) or of the name the
        client prints in its errors and logs (`get_item_processing_results`): case and
        underscores do not count. ValueError, listing the valid names, for any other."""
        if name in self.by_id:
            return self.by_id[name]
        found = [op for op in self.operations if _loose(op.operation_id) == _loose(name)]
        if len(found) == 1:
            return found[0]
        valid = ", ".join(
            f"{op.operation_id} ({snake_case(op.operation_id)})" for op in self.operations
        )
        raise ValueError(
            f"no operation {name!r} in the spec; name one by its operationId or as the client's "
            f"errors print it: {valid}"
        )


def _loose(name: str) -> str:
    return name.replace("_", "").lower()


def snake_case(operation_id: str) -> str:
    """An operationId as the client's errors and logs print it: getBatch -> get_batch."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()


@functools.cache
def shared_spec() -> Spec:
    """The package's spec, loaded once per process."""
    return Spec(load_spec())


def problems_from_errors(
    errors: list[jsonschema.ValidationError], prefix: tuple[str | int, ...]
) -> list[Problem]:
    """jsonschema's errors in the API's 422 shape; a missing property is located at its name."""
    problems: list[Problem] = []
    for error in errors:
        loc = (*prefix, *error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            problems.extend(
                Problem((*loc, name), "Field required", "missing")
                for name in _listed(error.validator_value)
                if name not in error.instance
            )
            continue
        problems.append(Problem(loc, _short_message(error), _error_type(error)))
    return problems


def _listed(value: object) -> list[Any]:
    """A keyword's value that the schema gives as a list (`required`, `enum`)."""
    return list(value) if isinstance(value, list) else []


def _error_type(error: jsonschema.ValidationError) -> str:
    if error.validator == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        return "_or_".join(str(name) for name in names) + "_type"
    return str(error.validator)


def _short_message(error: jsonschema.ValidationError) -> str:
    # jsonschema quotes the whole offending instance; a big body would flood the answer.
    message = error.message
    return message if len(message) <= 300 else message[:297] + "..."


def coerce_parameter(
    spec: Spec, parameter: Parameter, raw: str | Sequence[str]
) -> tuple[Any, list[Problem]]:
    """A query/header/path value (always text on the wire) as the type its schema says; an
    array parameter's values (a sequence) each as the type of its items."""
    loc: tuple[str | int, ...] = (parameter.location, parameter.name)
    schema = spec.deref(parameter.schema)
    if isinstance(raw, str):
        value, problem = _coerce_text(schema.get("type"), raw, loc)
        if problem is not None:
            return None, [problem]
    else:
        kind = spec.deref(schema.get("items", {})).get("type")
        value = []
        for index, text in enumerate(raw):
            item, problem = _coerce_text(kind, text, (*loc, index))
            if problem is not None:
                return None, [problem]
            value.append(item)
    problems = []
    for error in spec.errors(parameter.schema, value):
        where = (*loc, *error.absolute_path)  # an array's item by its index
        if error.validator == "enum":
            allowed = ", ".join(repr(v) for v in _listed(error.validator_value))
            problems.append(Problem(where, f"Input should be one of {allowed}", "enum"))
        elif error.validator == "minimum":
            minimum = error.validator_value
            message = f"Input should be greater than or equal to {minimum}"
            problems.append(Problem(where, message, "greater_than_equal"))
        else:
            problems.append(Problem(where, _short_message(error), _error_type(error)))
    return value, problems


def _coerce_text(kind: object, raw: str, loc: tuple[str | int, ...]) -> tuple[Any, Problem | None]:
    """Text as the scalar type `kind` names (other kinds keep the text), or the 422 problem."""
    if kind == "integer":
        # At most 100 digits: enough for any bound, and far below int()'s 4,300-digit limit.
        if not re.fullmatch(r"[+-]?\d{1,100}", raw.strip()):
            message = "Input should be a valid integer, unable to parse string as an integer"
            return None, Problem(loc, message, "int_parsing")
        return int(raw), None
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, Problem(loc, "Input should be a valid number", "float_parsing")
        return number, None
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in {"true", "false", "1", "0"}:
            return None, Problem(loc, "Input should be a valid boolean", "bool_parsing")
        return lowered in {"true", "1"}, None
    return raw, None
