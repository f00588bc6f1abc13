"""Walks the reference structure (tests/data/reference/, one file per SDK release) and the
OpenAPI spec side by side and lists every disagreement, each with the path where it is.

The structure has one JSON Schema per method part, named `<method>.<part>` after the method's
dotted path in generator/resources.yaml (`beta.batch.list.item`); the map's line for the method
says which operation of the spec (`VERB /path`) it is compared with:

    <m>.response         the operation's 200 response body
    <m>.item             one entry of the `items` array of the 200 response (list operations)
    <m>.query            the operation's query parameters
    <m>.body_and_query   request body properties + query parameters + header parameters
    <m>.route            not a schema: the operation's HTTP `method` and `path` template

Compared: property names (a name the structure lists in `required` but not in `properties`
still counts), requiredness, JSON types, nullability, formats, enum value sets, const values,
array item shapes, `additionalProperties` where the structure sets it, and defaults where
the structure sets them; `$ref`s are followed on both sides (`#/$defs/...` in the structure,
`#/components/...` in the spec). Descriptions and validation bounds are the spec's own.

Normalisations, each because both sides say the same thing differently:
- `anyOf`/`oneOf` branches and `type: [a, b]` lists are both read as a set of variants;
  a `null` variant makes the value nullable.
- query and header parameters are optional by `required: false`; a `null` in their structure
  type only means "may be left out", so nullability is not compared for them.
- `{"type": "string"}` next to `{"type": "string", "format": "date-time"}` is the SDK's
  "str or datetime" input, which the spec writes as one date-time string.
- a header is named with `-` in the spec and with `_` in the structure.
- `additionalProperties` missing in the spec means `true` (JSON Schema's default).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

PARTS = ("response", "item", "query", "body_and_query", "route")
MAX_PERMUTED_VARIANTS = 6  # unions are tiny here; beyond this, pair variants in order

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Variant:
    """One alternative of a (possibly union) schema, `$ref` resolved."""

    schema: Schema
    ref: str | None  # the name of the $ref it came from, for readable paths

    @property
    def type(self) -> str | None:
        value = self.schema.get("type")
        return value if isinstance(value, str) else None

    @property
    def allows_null(self) -> bool:
        # An unconstrained schema (`{}`) accepts null as much as `{"type": "null"}` does.
        constraining = {"type", "enum", "const", "properties", "items", "anyOf", "oneOf", "allOf"}
        return self.type == "null" or not (constraining & set(self.schema))

    def describe(self) -> str:
        parts = [self.type or "any"]
        if self.ref:
            parts.append(self.ref)
        if "format" in self.schema:
            parts.append(f"format={self.schema['format']}")
        if "enum" in self.schema:
            parts.append(f"enum={sorted(map(str, self.schema['enum']))}")
        if "const" in self.schema:
            parts.append(f"const={self.schema['const']!r}")
        return " ".join(parts)


@dataclass(frozen=True)
class Side:
    """A document that `$ref`s inside a schema are resolved against."""

    document: Schema

    def resolve(self, schema: Schema) -> tuple[Schema, str | None]:
        ref_name = None
        seen = 0
        while "$ref" in schema:
            reference = schema["$ref"]
            if not isinstance(reference, str) or not reference.startswith("#/"):
                raise ValueError(f"only local references are supported, got {reference!r}")
            target: Any = self.document
            for token in reference[2:].split("/"):
                target = target[token.replace("~1", "/").replace("~0", "~")]
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            ref_name = reference.rsplit("/", 1)[-1]
            schema = {**target, **siblings} if siblings else target
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref chain too long at {reference}")
        return schema, ref_name

    def variants(self, schema: Schema) -> list[Variant]:
        """The alternatives of a schema: anyOf/oneOf branches and `type` lists flattened."""
        schema, ref = self.resolve(schema)
        branches = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
        if branches:
            return [variant for branch in branches for variant in self.variants(branch)]
        types = schema.get("type")
        if isinstance(types, list):
            return [
                Variant({"type": "null"}, None)
                if each == "null"
                else Variant({**schema, "type": each}, ref)
                for each in types
            ]
        return [Variant(schema, ref)]


@dataclass
class Comparer:
    structure: Side
    spec: Side
    problems: list[str] = field(default_factory=list)
    _visited: set[tuple[str, str]] = field(default_factory=set)

    def report(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # -- values -------------------------------------------------------------------------

    def shape(self, path: str, theirs: Schema, ours: Schema, *, compare_null: bool = True) -> None:
        """Compares one value's schema (structure = theirs, spec = ours)."""
        their_variants = self.structure.variants(theirs)
        our_variants = self.spec.variants(ours)
        their_null = any(variant.allows_null for variant in their_variants)
        our_null = any(variant.allows_null for variant in our_variants)
        if compare_null and their_null != our_null:
            self.report(path, f"nullable {their_null} in the structure, {our_null} in the spec")
        their_values = collapse_datetime_input(
            [variant for variant in their_variants if variant.type != "null"]
        )
        our_values = collapse_datetime_input(
            [variant for variant in our_variants if variant.type != "null"]
        )
        if len(their_values) != len(our_values):
            self.report(
                path,
                f"{len(their_values)} variant(s) in the structure "
                f"{[variant.describe() for variant in their_values]}, "
                f"{len(our_values)} in the spec {[variant.describe() for variant in our_values]}",
            )
            return
        self.defaults(path, theirs, ours)
        labelled = len(their_values) > 1
        for theirs_variant, ours_variant in self.pair(path, their_values, our_values):
            label = path
            if labelled:
                their_name = theirs_variant.ref or theirs_variant.describe()
                our_name = ours_variant.ref or ours_variant.describe()
                label = f"{path}<{their_name}~{our_name}>"
            self.variant(label, theirs_variant, ours_variant)

    def defaults(self, path: str, theirs: Schema, ours: Schema) -> None:
        their_schema, _ = self.structure.resolve(theirs)
        our_schema, _ = self.spec.resolve(ours)
        if "default" in their_schema and their_schema["default"] != our_schema.get("default", ...):
            found = repr(our_schema["default"]) if "default" in our_schema else "no default"
            self.report(
                path, f"default {their_schema['default']!r} in the structure, {found} in the spec"
            )

    def pair(
        self, path: str, theirs: list[Variant], ours: list[Variant]
    ) -> list[tuple[Variant, Variant]]:
        """Pairs union variants so that the fewest disagreements remain."""
        if len(theirs) <= 1 or len(theirs) > MAX_PERMUTED_VARIANTS:
            return list(zip(theirs, ours, strict=True))
        best: list[tuple[Variant, Variant]] = []
        best_count = -1
        for order in itertools.permutations(ours):
            pairing = list(zip(theirs, order, strict=True))
            trial = Comparer(self.structure, self.spec)
            for their_variant, our_variant in pairing:
                trial.variant(path, their_variant, our_variant)
            if best_count < 0 or len(trial.problems) < best_count:
                best, best_count = pairing, len(trial.problems)
        return best

    def variant(self, path: str, theirs: Variant, ours: Variant) -> None:
        if theirs.type != ours.type:
            self.report(
                path,
                f"type {theirs.type or 'any'} in the structure, {ours.type or 'any'} in the spec",
            )
            return
        for keyword in ("format", "const"):
            if theirs.schema.get(keyword) != ours.schema.get(keyword):
                self.report(
                    path,
                    f"{keyword} {theirs.schema.get(keyword)!r} in the structure, "
                    f"{ours.schema.get(keyword)!r} in the spec",
                )
        if "enum" in theirs.schema or "enum" in ours.schema:
            self.enum(path, theirs.schema.get("enum"), ours.schema.get("enum"))
        if theirs.type == "array":
            self.shape(f"{path}[]", theirs.schema.get("items", {}), ours.schema.get("items", {}))
        elif theirs.type == "object" or "properties" in theirs.schema:
            self.object(path, theirs, ours)

    def enum(self, path: str, theirs: list[Any] | None, ours: list[Any] | None) -> None:
        if theirs is None or ours is None:
            self.report(path, f"enum {theirs} in the structure, {ours} in the spec")
            return
        missing = sorted(map(str, set(theirs) - set(ours)))
        extra = sorted(map(str, set(ours) - set(theirs)))
        if missing:
            self.report(path, f"enum values missing from the spec: {missing}")
        if extra:
            self.report(path, f"enum values only in the spec: {extra}")

    # -- objects ------------------------------------------------------------------------

    def object(self, path: str, theirs_variant: Variant, ours_variant: Variant) -> None:
        if theirs_variant.ref and ours_variant.ref:
            # Only named schemas can recurse; each pair of them is compared once per entry.
            key = (theirs_variant.ref, ours_variant.ref)
            if key in self._visited:
                return
            self._visited.add(key)
        theirs, ours = theirs_variant.schema, ours_variant.schema
        self.members(
            path,
            theirs.get("properties", {}),
            set(theirs.get("required", [])),
            {name: (schema, True) for name, schema in ours.get("properties", {}).items()},
            set(ours.get("required", [])),
        )
        if "additionalProperties" in theirs:
            self.additional(
                path, theirs["additionalProperties"], ours.get("additionalProperties", True)
            )

    def members(
        self,
        path: str,
        their_properties: Mapping[str, Schema],
        their_required: set[str],
        our_properties: Mapping[str, tuple[Schema, bool]],
        our_required: set[str],
    ) -> None:
        """Compares two sets of named members; our bool says whether nullability counts."""
        their_names = set(their_properties) | their_required
        our_names = set(our_properties) | our_required
        for name in sorted(their_names - our_names):
            self.report(f"{path}.{name}", "missing from the spec")
        for name in sorted(our_names - their_names):
            self.report(f"{path}.{name}", "in the spec but not in the structure")
        for name in sorted(their_names & our_names):
            where = f"{path}.{name}"
            if (name in their_required) != (name in our_required):
                self.report(
                    where,
                    f"required {name in their_required} in the structure, "
                    f"{name in our_required} in the spec",
                )
            if name in their_properties and name in our_properties:
                our_schema, compare_null = our_properties[name]
                self.shape(where, their_properties[name], our_schema, compare_null=compare_null)

    def additional(self, path: str, theirs: Any, ours: Any) -> None:
        where = f"{path}.additionalProperties"
        if isinstance(theirs, bool) or isinstance(ours, bool):
            # `{}` allows anything, like `true`.
            their_value = theirs if isinstance(theirs, bool) else (theirs == {} or theirs)
            our_value = ours if isinstance(ours, bool) else (ours == {} or ours)
            if their_value != our_value:
                self.report(where, f"{theirs!r} in the structure, {ours!r} in the spec")
            return
        self.shape(f"{path}{{*}}", theirs, ours)


def collapse_datetime_input(variants: list[Variant]) -> list[Variant]:
    """Drops a plain string variant that sits next to a date-time string variant."""
    has_datetime = any(
        variant.type == "string" and variant.schema.get("format") == "date-time"
        for variant in variants
    )
    if not has_datetime:
        return variants
    return [
        variant
        for variant in variants
        if not (variant.type == "string" and set(variant.schema) <= {"type", "description"})
    ]


# -- mapping the structure's entries onto the spec --------------------------------------


def operations(spec: Schema) -> dict[str, tuple[str, Schema]]:
    """`VERB /path` (as the resource map writes it) -> (operationId, operation)."""
    found = {}
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                found[f"{method.upper()} {path}"] = (
                    item[method].get("operationId", ""),
                    item[method],
                )
    return found


def success_schema(spec_side: Side, operation: Schema) -> Schema:
    response, _ = spec_side.resolve(operation["responses"]["200"])
    schema = response["content"]["application/json"]["schema"]
    assert isinstance(schema, Mapping)
    return schema


def parameters(
    spec_side: Side, operation: Schema, locations: tuple[str, ...]
) -> Iterator[tuple[str, Schema, bool]]:
    """(structure-style name, schema, required) of the operation's parameters in locations."""
    for raw in operation.get("parameters", []):
        parameter, _ = spec_side.resolve(raw)
        if parameter["in"] not in locations:
            continue
        name = parameter["name"]
        if parameter["in"] == "header":
            name = name.replace("-", "_")
        yield name, parameter.get("schema", {}), bool(parameter.get("required", False))


def compare_entry(
    name: str, structure_entry: Schema, spec: Schema, endpoints: Mapping[str, str]
) -> list[str]:
    """The disagreements between one structure entry and its part of the spec.

    `endpoints` is the resource map: method path (`beta.batch.list`) -> `VERB /path`.
    """
    method_path, _, part = name.rpartition(".")
    if part not in PARTS:
        return [f"{name}: no rule maps this structure entry onto the spec"]
    if method_path not in endpoints:
        return [f"{name}: {method_path} is no method of the resource map"]
    endpoint = endpoints[method_path]
    found = operations(spec).get(endpoint)
    if found is None:
        return [f"{name}: the spec has no operation {endpoint}, where the map puts {method_path}"]
    operation_id, operation = found
    if part == "route":
        theirs = f"{structure_entry.get('method')} {structure_entry.get('path')}"
        if theirs == endpoint:
            return []
        return [f"{name}: {theirs} in the structure, {endpoint} in the spec"]
    spec_side = Side(spec)
    comparer = Comparer(Side(structure_entry), spec_side)

    if part in ("response", "item"):
        schema = success_schema(spec_side, operation)
        if part == "item":
            page, _ = spec_side.resolve(schema)
            items = page.get("properties", {}).get("items")
            if not isinstance(items, Mapping) or "items" not in items:
                return [f"{name}: the 200 response of {operation_id} has no `items` array"]
            schema = items["items"]
        comparer.shape(name, structure_entry, schema)
        return comparer.problems

    # Inputs: the structure entry is one object of everything the caller passes.
    ours: dict[str, tuple[Schema, bool]] = {}
    our_required: set[str] = set()
    locations: tuple[str, ...] = ("query",)
    if part == "body_and_query":
        locations = ("query", "header")
        request = operation.get("requestBody")
        if request is None:
            comparer.report(name, "the spec operation has no request body")
        else:
            body, _ = spec_side.resolve(
                spec_side.resolve(request)[0]["content"]["application/json"]["schema"]
            )
            ours.update({key: (value, True) for key, value in body.get("properties", {}).items()})
            our_required.update(body.get("required", []))
    for parameter_name, schema, required in parameters(spec_side, operation, locations):
        if parameter_name in ours:
            comparer.report(
                f"{name}.{parameter_name}", "both a body property and a parameter in the spec"
            )
        ours[parameter_name] = (schema, False)
        if required:
            our_required.add(parameter_name)
    comparer.members(
        name,
        structure_entry.get("properties", {}),
        set(structure_entry.get("required", [])),
        ours,
        our_required,
    )
    return comparer.problems


def compare_all(
    structure: Mapping[str, Schema], spec: Schema, endpoints: Mapping[str, str]
) -> list[str]:
    """Every disagreement between the whole reference structure and the spec, in a stable
    order; `endpoints` is the resource map (method path -> `VERB /path`)."""
    problems: list[str] = []
    for name in sorted(structure):
        problems += compare_entry(name, structure[name], spec, endpoints)
    for method_path in sorted(endpoints):
        if f"{method_path}.route" not in structure:
            problems.append(
                f"{method_path}: a method of the map the reference does not describe "
                "(`nox -s reference` derives it)"
            )
    placed = set(endpoints.values())
    for endpoint, (operation_id, _) in sorted(operations(spec).items()):
        if endpoint not in placed:
            problems.append(f"{operation_id}: a spec operation the map does not place ({endpoint})")
    return problems
