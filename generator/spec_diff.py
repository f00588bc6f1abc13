"""API-level differences between two OpenAPI documents, classified for the client's users.

    python generator/spec_diff.py OLD.yaml NEW.yaml [--json] [--fail-on breaking|wire]
        [--old-resources OLD_RESOURCES.yaml] [--new-resources NEW_RESOURCES.yaml]

Each change is judged twice (generator/DIFF_RULES.md lists every rule):
- `breaking`: code that uses this package breaks when it upgrades (the package's semver);
- `wire`: a release made from OLD breaks when it talks to a server that implements NEW.

Compared: operations, their parameters, request bodies and responses, the events of the
`webhooks` section and their bodies (read by the client, so judged as responses), and every
component schema, with `$ref`s followed and nested schemas walked. Descriptions, examples,
summaries and `info` are not API: changing only those is no change.

Breaking (a client written against OLD can fail against NEW): anything removed; a new required
parameter, request property or request body; a request value made required or no longer
nullable; a response value made optional or nullable; a type, format or const change; an enum
value removed. Not breaking: additions of operations, schemas, optional parameters and
properties; new enum values (the generated enums are open, so clients keep unknown values); a
request value made optional or nullable; a response value made required or non-nullable.

Operations are named in Python terms too (`client.beta.batch.cancel`) when a resource map
(generator/resources.yaml) says which method serves each route; without one, by operationId.

A component schema is compared once, where it is defined, and judged by how the operations use
it: a change is breaking if it breaks the schema's use in requests or in responses. The release
tool (generator/release.py) uses compare/required_bump/render.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
REQUEST, RESPONSE = "request", "response"
BOTH = frozenset({REQUEST, RESPONSE})
Bump = Literal["major", "minor", "patch", "none"]
# Non-breaking changes that leave the package's Python surface as it was: a patch release.
PATCH_KINDS = frozenset({"operation-path-changed", "operation-renamed"})
CONSTRAINT_MAXIMA = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
CONSTRAINT_MINIMA = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
CONSTRAINT_OTHERS = ("pattern", "multipleOf", "uniqueItems")
Schema = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One API-level change: what kind, where, whether it breaks the package's users
    (`breaking`) and old releases on the wire (`wire`, by default the same), and in words."""

    kind: str
    where: str
    breaking: bool
    detail: str
    wire: bool | None = None

    def __post_init__(self) -> None:
        if self.wire is None:
            object.__setattr__(self, "wire", self.breaking)


def compare(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    old_names: Mapping[tuple[str, str], str] | None = None,
    new_names: Mapping[tuple[str, str], str] | None = None,
) -> list[Change]:
    """Every API-level change from old to new, sorted by place.

    old_names/new_names: (METHOD, path) -> Python method (`client.beta.batch.list`), from
    resource_names(); without them operations are matched and named by operationId.
    """
    differ = _Differ(old, new, old_names or {}, new_names or {})
    differ.operations()
    differ.webhooks()
    differ.security()
    differ.components()
    return sorted(
        set(differ.changes), key=lambda change: (change.where, change.kind, change.detail)
    )


def required_bump(changes: Iterable[Change]) -> Bump:
    """major if anything breaks the package's users, minor if the Python surface grew or
    changed compatibly, patch if only what it sends changed, none without changes."""
    found = list(changes)
    if any(change.breaking for change in found):
        return "major"
    if any(change.kind not in PATCH_KINDS for change in found):
        return "minor"
    return "patch" if found else "none"


def verdict(changes: Sequence[Change]) -> str:
    """One line: the bump, and how many changes break the package and old releases."""
    if not changes:
        return "Verdict: no API changes, no version bump needed."
    breaking = sum(change.breaking for change in changes)
    wire = sum(bool(change.wire) for change in changes)
    return (
        f"Verdict: {required_bump(changes)} release: {len(changes)} API change(s), "
        f"{breaking} breaking for code using the package, "
        f"{wire} breaking old releases against the new server."
    )


def render(changes: Sequence[Change]) -> str:
    """The verdict first, then breaking changes, then the rest, then what breaks on the wire."""
    lines = [verdict(changes)]
    for title, breaking in (("Breaking", True), ("Non-breaking", False)):
        group = [change for change in changes if change.breaking is breaking]
        if group:
            lines.append(f"{title} changes for code using the package ({len(group)}):")
            lines += [f"  - {change.where}: {change.detail} [{change.kind}]" for change in group]
    wire = [change for change in changes if change.wire]
    if wire:
        lines.append(f"Breaks an old release against the new server ({len(wire)}):")
        lines += [f"  - {change.where}: {change.detail} [{change.kind}]" for change in wire]
    return "\n".join(lines)


def resource_names(resources: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(METHOD, path) -> `client.<resource>...<method>` from a generator/resources.yaml tree."""
    found: dict[tuple[str, str], str] = {}

    def walk(prefix: str, resource: Mapping[str, Any]) -> None:
        for method, entry in (resource.get("methods") or {}).items():
            route = entry.get("endpoint") if isinstance(entry, dict) else entry
            if isinstance(route, str) and " " in route:
                verb, path = route.split(None, 1)
                found[verb.upper(), path.strip()] = f"{prefix}.{method}"
        for name, child in (resource.get("subresources") or {}).items():
            walk(f"{prefix}.{name}", child)

    for name, resource in (resources.get("resources") or {}).items():
        walk(f"client.{name}", resource)
    return found


def _resource_paths(resources: Mapping[str, Any]) -> dict[str, str | None]:
    """`client.<resource>...` -> its `custom:` module (None without one), for every resource."""
    found: dict[str, str | None] = {}

    def walk(prefix: str, resource: Mapping[str, Any]) -> None:
        found[prefix] = resource.get("custom")
        for name, child in (resource.get("subresources") or {}).items():
            walk(f"{prefix}.{name}", child or {})

    for name, resource in (resources.get("resources") or {}).items():
        walk(f"client.{name}", resource or {})
    return found


def hand_written_ties(
    old_resources: Mapping[str, Any], new_resources: Mapping[str, Any], overrides: Path
) -> list[str]:
    """For each resource the new map no longer has: its hand-written module (the `custom:` mixins
    and their methods) and every line of the hand-written package that uses it (the command
    line's commands among them), for a maintainer to remove or move with it."""
    old, new = _resource_paths(old_resources), _resource_paths(new_resources)
    gone = [path for path in sorted(old) if path not in new]
    # The top of each removed subtree: the uses of its children are uses of it.
    tops = [path for path in gone if path.rsplit(".", 1)[0] not in gone]
    lines = []
    sources = sorted(overrides.rglob("*.py"))
    for top in tops:
        lines.append(f"{top} is gone:")
        for path in gone:
            custom = old[path]
            if (path == top or path.startswith(top + ".")) and custom is not None:
                module = overrides / "resources" / f"{custom}.py"
                methods = _mixin_methods(module) if module.is_file() else []
                lines.append(f"  - {module}: its mixins ({', '.join(methods) or 'no methods'})")
        uses = re.compile(rf"\.{re.escape(top.removeprefix('client.'))}\b")
        for source in sources:
            for number, line in enumerate(source.read_text().splitlines(), 1):
                if uses.search(line):
                    lines.append(f"  - {source}:{number}: {line.strip()[:90]}")
    return lines


def _mixin_methods(module: Path) -> list[str]:
    """The public methods of the mixins of a hand-written resource module."""
    tree = ast.parse(module.read_text())
    return sorted(
        {
            item.name
            for node in tree.body
            if isinstance(node, ast.ClassDef) and node.name.endswith("Mixin")
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            and not item.name.startswith("_")
        }
    )


# -- schema helpers ---------------------------------------------------------------------


def _resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[Schema, str | None]:
    """Follows local $refs; returns the target and the last referenced component's name."""
    name = None
    for _ in range(64):  # a chain of refs longer than this is a cycle
        reference = node.get("$ref")
        if not isinstance(reference, str):
            return dict(node), name
        if not reference.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {reference}")
        target: Any = document
        for token in reference[2:].split("/"):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        node = {**target, **siblings}
        name = reference.rsplit("/", 1)[-1]
    raise ValueError("$ref cycle")


@dataclass(frozen=True)
class _Variant:
    schema: Schema  # resolved
    ref: str | None  # the component it came from, if any

    @property
    def signature(self) -> str:
        """What decides the value's type in a client: type, format, const."""
        kind = self.schema.get("type")
        text = (
            kind if isinstance(kind, str) else ("object" if "properties" in self.schema else "any")
        )
        if "format" in self.schema:
            text += f" ({self.schema['format']})"
        if "const" in self.schema:
            text += f" = {self.schema['const']!r}"
        return text


def _variants(document: Mapping[str, Any], node: Mapping[str, Any]) -> list[_Variant]:
    """A schema's alternatives: anyOf/oneOf branches and `type` lists, flattened."""
    schema, ref = _resolve(document, node)
    branches = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
    if branches:
        return [variant for branch in branches for variant in _variants(document, branch)]
    kinds = schema.get("type")
    found = []
    if isinstance(kinds, list):
        found = [
            _Variant({"type": "null"} if kind == "null" else {**schema, "type": kind}, ref)
            for kind in kinds
        ]
    else:
        found = [_Variant(schema, ref)]
    if schema.get("nullable") is True:  # OpenAPI 3.0 spelling
        found.append(_Variant({"type": "null"}, None))
    return found


def _nullable(variants: Sequence[_Variant]) -> bool:
    return any(variant.signature in ("null", "any") for variant in variants)


def _describe(variants: Sequence[_Variant]) -> str:
    names = sorted({variant.ref or variant.signature for variant in variants})
    return " | ".join(names) or "any"


# -- the walk -----------------------------------------------------------------------------


class _Differ:
    def __init__(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        old_names: Mapping[tuple[str, str], str],
        new_names: Mapping[tuple[str, str], str],
    ) -> None:
        self.old, self.new = old, new
        self.old_names, self.new_names = old_names, new_names
        self.changes: list[Change] = []
        self._visited: set[tuple[str, str]] = set()
        self.usage = _usage(old)
        for name, contexts in _usage(new).items():
            self.usage[name] = self.usage.get(name, frozenset()) | contexts

    def add(
        self, kind: str, where: str, breaking: bool, detail: str, wire: bool | None = None
    ) -> None:
        self.changes.append(Change(kind, where, breaking, detail, wire))

    # operations

    def python_name(self, key: tuple[str, str], operation: Mapping[str, Any], *, old: bool) -> str:
        """The Python method serving the route, else the operationId, else the route."""
        names = self.old_names if old else self.new_names
        return names.get(key) or str(operation.get("operationId") or " ".join(key))

    def label(self, key: tuple[str, str], operation: Mapping[str, Any], *, old: bool) -> str:
        names = self.old_names if old else self.new_names
        label = _label(key, operation)
        return f"{names[key]} = {label}" if key in names else label

    def operations(self) -> None:
        old_ops, new_ops = dict(_operations(self.old)), dict(_operations(self.new))
        removed, added = old_ops.keys() - new_ops.keys(), new_ops.keys() - old_ops.keys()
        # A route that moved but is still served by the same Python method: the package's
        # surface is unchanged, but old releases call the old route.
        new_by_name = {self.python_name(k, new_ops[k], old=False): k for k in added}
        moved: dict[tuple[str, str], tuple[str, str]] = {}
        for key in sorted(removed):
            target = new_by_name.get(self.python_name(key, old_ops[key], old=True))
            if target is not None:
                moved[key] = target
        for key in sorted(removed - moved.keys()):
            label = self.label(key, old_ops[key], old=True)
            self.add("operation-removed", label, True, "operation removed")
        for key in sorted(added - set(moved.values())):
            label = self.label(key, new_ops[key], old=False)
            self.add("operation-added", label, False, "new operation")
        for old_key, new_key in sorted(moved.items()):
            detail = f"{' '.join(old_key)} -> {' '.join(new_key)}, same Python method"
            where = self.label(new_key, new_ops[new_key], old=False)
            # Only a path variable renamed: the same URLs, so old releases still reach it.
            same_urls = _route_shape(old_key) == _route_shape(new_key)
            self.add("operation-path-changed", where, False, detail, wire=not same_urls)
            self.operation(old_key, new_key, old_ops[old_key], new_ops[new_key])
        for key in sorted(old_ops.keys() & new_ops.keys()):
            self.operation(key, key, old_ops[key], new_ops[key])

    def operation(
        self, old_key: tuple[str, str], key: tuple[str, str], old: Schema, new: Schema
    ) -> None:
        where = self.label(key, new, old=False)
        if old.get("operationId") != new.get("operationId"):
            detail = f"operationId {old.get('operationId')!r} -> {new.get('operationId')!r}"
            # The Python name changes with the operationId unless a resource map names it.
            renamed = self.python_name(old_key, old, old=True) != self.python_name(
                key, new, old=False
            )
            self.add("operation-renamed", where, renamed, detail, wire=False)
        self.deprecation(where, old, new)
        if old.get("security") != new.get("security"):
            detail = f"security {old.get('security')!r} -> {new.get('security')!r}"
            self.add("security-changed", where, True, detail)
        self.parameters(where, old.get("parameters", []), new.get("parameters", []))
        self.request_body(where, old.get("requestBody"), new.get("requestBody"))
        self.responses(where, old.get("responses", {}), new.get("responses", {}))

    def parameters(self, where: str, old_list: list[Any], new_list: list[Any]) -> None:
        old_params = {(p["in"], p["name"]): p for p in (_resolve(self.old, x)[0] for x in old_list)}
        new_params = {(p["in"], p["name"]): p for p in (_resolve(self.new, x)[0] for x in new_list)}
        for place, name in sorted(old_params.keys() - new_params.keys()):
            self.add("parameter-removed", f"{where} {place} {name}", True, "parameter removed")
        for place, name in sorted(new_params.keys() - old_params.keys()):
            required = bool(new_params[place, name].get("required", False))
            state = "required" if required else "optional"
            self.add(
                "parameter-added", f"{where} {place} {name}", required, f"new {state} parameter"
            )
        for place, name in sorted(old_params.keys() & new_params.keys()):
            old_param, new_param = old_params[place, name], new_params[place, name]
            label = f"{where} {place} {name}"
            self.deprecation(label, old_param, new_param)
            was, now = bool(old_param.get("required")), bool(new_param.get("required"))
            if was != now:
                detail = "now required" if now else "now optional"
                self.add("parameter-required-changed", label, now, detail)
            # A parameter's null only means "left out", so nullability is not compared here.
            self.schema(
                label,
                old_param.get("schema", {}),
                new_param.get("schema", {}),
                frozenset({REQUEST}),
                kind="parameter",
                compare_null=False,
            )

    def request_body(self, where: str, old: Any, new: Any) -> None:
        label = f"{where} request body"
        if old is None and new is None:
            return
        if old is None or new is None:
            required = new is not None and bool(_resolve(self.new, new)[0].get("required", False))
            if new is None:
                self.add("request-body-removed", label, True, "request body removed")
            else:
                state = "required" if required else "optional"
                self.add("request-body-added", label, required, f"new {state} request body")
            return
        old_body, new_body = _resolve(self.old, old)[0], _resolve(self.new, new)[0]
        was, now = bool(old_body.get("required")), bool(new_body.get("required"))
        if was != now:
            self.add(
                "request-body-required-changed",
                label,
                now,
                "now required" if now else "now optional",
            )
        self.content(label, old_body, new_body, frozenset({REQUEST}))

    def responses(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for code in sorted(old.keys() - new.keys()):
            # Clients rely on a success answer; a documented error going away breaks nobody.
            success = str(code).startswith("2")
            self.add("response-removed", f"{where} {code} response", success, "response removed")
        for code in sorted(new.keys() - old.keys()):
            self.add("response-added", f"{where} {code} response", False, "new response")
        for code in sorted(old.keys() & new.keys()):
            old_response, new_response = (
                _resolve(self.old, old[code])[0],
                _resolve(self.new, new[code])[0],
            )
            self.headers(f"{where} {code} response", old_response, new_response)
            self.content(
                f"{where} {code} response", old_response, new_response, frozenset({RESPONSE})
            )

    def content(self, where: str, old: Schema, new: Schema, contexts: frozenset[str]) -> None:
        old_media, new_media = old.get("content", {}), new.get("content", {})
        for media in sorted(old_media.keys() - new_media.keys()):
            self.add(_kind(contexts, "media-type-removed"), where, True, f"{media} body removed")
        for media in sorted(new_media.keys() - old_media.keys()):
            self.add(_kind(contexts, "media-type-added"), where, False, f"{media} body added")
        for media in sorted(old_media.keys() & new_media.keys()):
            self.schema(
                where,
                old_media[media].get("schema", {}),
                new_media[media].get("schema", {}),
                contexts,
            )

    def headers(self, where: str, old: Schema, new: Schema) -> None:
        """Response headers: the client reads some (Retry-After drives its retries)."""
        old_headers = {name.lower(): value for name, value in old.get("headers", {}).items()}
        new_headers = {name.lower(): value for name, value in new.get("headers", {}).items()}
        for name in sorted(old_headers.keys() - new_headers.keys()):
            self.add("response-header-removed", f"{where} header {name}", True, "header removed")
        for name in sorted(new_headers.keys() - old_headers.keys()):
            self.add("response-header-added", f"{where} header {name}", False, "new header")
        for name in sorted(old_headers.keys() & new_headers.keys()):
            old_header = _resolve(self.old, old_headers[name])[0]
            new_header = _resolve(self.new, new_headers[name])[0]
            self.schema(
                f"{where} header {name}",
                old_header.get("schema", {}),
                new_header.get("schema", {}),
                frozenset({RESPONSE}),
                kind="response-header",
            )

    def webhooks(self) -> None:
        """The events of the `webhooks` section: unwrap() returns each one's model, so an event
        removed breaks the package (its deliveries become UnknownWebhookEvent), not an old
        release (the server just sends it no more). Their bodies are read, as answers are."""
        old_hooks, new_hooks = dict(_webhooks(self.old)), dict(_webhooks(self.new))
        for name in sorted(old_hooks.keys() - new_hooks.keys()):
            self.add("webhook-removed", f"webhook {name}", True, "event removed", wire=False)
        for name in sorted(new_hooks.keys() - old_hooks.keys()):
            self.add("webhook-added", f"webhook {name}", False, "new event")
        for name in sorted(old_hooks.keys() & new_hooks.keys()):
            old_body = _resolve(self.old, old_hooks[name].get("requestBody") or {})[0]
            new_body = _resolve(self.new, new_hooks[name].get("requestBody") or {})[0]
            self.content(f"webhook {name} body", old_body, new_body, frozenset({RESPONSE}))

    def deprecation(self, where: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        was, now = bool(old.get("deprecated")), bool(new.get("deprecated"))
        if was != now:
            detail = "now deprecated" if now else "no longer deprecated"
            self.add("deprecated-changed", where, False, detail)

    def security(self) -> None:
        """Authentication: a scheme changed or a global requirement changed breaks every call."""
        old_schemes = self.old.get("components", {}).get("securitySchemes", {})
        new_schemes = self.new.get("components", {}).get("securitySchemes", {})
        for name in sorted(old_schemes.keys() | new_schemes.keys()):
            was, now = old_schemes.get(name), new_schemes.get(name)
            if was is not None and now is not None:
                was = {key: value for key, value in was.items() if key != "description"}
                now = {key: value for key, value in now.items() if key != "description"}
            if was != now:
                # A scheme only added is not yet required by anything: requirements say so.
                breaking = was is not None
                self.add("security-scheme-changed", f"security scheme {name}", breaking,
                         f"{was!r} -> {now!r}")  # fmt: skip
        if self.old.get("security") != self.new.get("security"):
            detail = f"{self.old.get('security')!r} -> {self.new.get('security')!r}"
            self.add("security-changed", "global security", True, detail)

    # components

    def components(self) -> None:
        old_schemas = self.old.get("components", {}).get("schemas", {})
        new_schemas = self.new.get("components", {}).get("schemas", {})
        for name in sorted(old_schemas.keys() - new_schemas.keys()):
            self.add("schema-removed", name, True, "schema removed")
        for name in sorted(new_schemas.keys() - old_schemas.keys()):
            self.add("schema-added", name, False, "new schema")
        for name in sorted(old_schemas.keys() & new_schemas.keys()):
            # A schema no operation reaches is judged as if it were used both ways.
            contexts = self.usage.get(name) or BOTH
            self.schema(name, old_schemas[name], new_schemas[name], contexts, top=True)

    # schemas

    def schema(
        self,
        where: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        contexts: frozenset[str],
        *,
        kind: str = "",
        compare_null: bool = True,
        top: bool = False,
    ) -> None:
        """Compares two schemas of one value; `kind` prefixes change kinds (default: context)."""
        prefix = kind or _kind(contexts, "")[:-1]
        old_ref, new_ref = old.get("$ref"), new.get("$ref")
        if not top and old_ref is not None and old_ref == new_ref:
            return  # the same component: compared once, where it is defined
        old_variants, new_variants = _variants(self.old, old), _variants(self.new, new)
        was_null, now_null = _nullable(old_variants), _nullable(new_variants)
        if compare_null and was_null != now_null:
            # Nullable input is more permissive; nullable output is a new case for the reader.
            breaking = (REQUEST in contexts and was_null) or (RESPONSE in contexts and now_null)
            detail = "now nullable" if now_null else "no longer nullable"
            self.add(f"{prefix}-nullable-changed", where, breaking, detail)
        old_values = [v for v in old_variants if v.signature not in ("null", "any")]
        new_values = [v for v in new_variants if v.signature not in ("null", "any")]
        self.keywords(
            where, _resolve(self.old, old)[0], _resolve(self.new, new)[0], contexts, prefix
        )
        old_types = Counter(variant.signature for variant in old_values)
        new_types = Counter(variant.signature for variant in new_values)
        if old_types != new_types:
            detail = f"type {_describe(old_values)} -> {_describe(new_values)}"
            # What a caller may send can widen (integer -> number, a union gaining a variant);
            # what a reader gets can narrow (number -> integer, a union losing one).
            breaking = (REQUEST in contexts and not _accepts(new_values, old_values)) or (
                RESPONSE in contexts and not _accepts(old_values, new_values)
            )
            self.add(f"{prefix}-type-changed", where, breaking, detail)
            return
        for old_variant, new_variant in _pair(old_values, new_values):
            self.variant(where, old_variant, new_variant, contexts)

    def keywords(
        self, where: str, old: Schema, new: Schema, contexts: frozenset[str], prefix: str
    ) -> None:
        """Constraints, defaults, readOnly/writeOnly, additionalProperties, deprecated."""
        request, response = REQUEST in contexts, RESPONSE in contexts
        for keyword in (*CONSTRAINT_MAXIMA, *CONSTRAINT_MINIMA, *CONSTRAINT_OTHERS):
            was, now = old.get(keyword), new.get(keyword)
            if was == now:
                continue
            tighter = _tighter(keyword, was, now)
            detail = f"{keyword} {_show(was)} -> {_show(now)}"
            # A tighter rule refuses requests that passed; a looser one lets answers through
            # that readers never saw (the client does not check bounds, so only reported).
            self.add(f"{prefix}-constraint-changed", where, request and tighter, detail)
        if old.get("default") != new.get("default") and ("default" in old or "default" in new):
            detail = f"default {_show(old.get('default'))} -> {_show(new.get('default'))}"
            # Callers who leave the value out get another behaviour.
            self.add(f"{prefix}-default-changed", where, request, detail)
        for keyword, side in (("readOnly", request), ("writeOnly", response)):
            was, now = bool(old.get(keyword)), bool(new.get(keyword))
            if was != now:
                detail = f"now {keyword}" if now else f"no longer {keyword}"
                self.add(f"{prefix}-{keyword.lower()}-changed", where, side and now, detail)
        was_open = old.get("additionalProperties", True) is not False
        now_open = new.get("additionalProperties", True) is not False
        if was_open != now_open:
            detail = "extra properties " + ("allowed" if now_open else "refused")
            # Closed, a request refuses what callers sent, and a generated model refuses the
            # extra properties it used to keep in `additional_properties`: breaking for the
            # package either way; on the wire, only a request refuses what old releases send.
            self.add(
                f"{prefix}-additional-properties-changed",
                where,
                not now_open,
                detail,
                wire=request and not now_open,
            )
        self.deprecation(where, old, new)

    def variant(self, where: str, old: _Variant, new: _Variant, contexts: frozenset[str]) -> None:
        if old.ref is not None and old.ref == new.ref:
            return  # the same component (say in a union): compared where it is defined
        if old.ref and new.ref:
            if (old.ref, new.ref) in self._visited:
                return
            self._visited.add((old.ref, new.ref))
        self.enum(where, old.schema.get("enum"), new.schema.get("enum"), contexts)
        if old.schema.get("type") == "array":
            self.schema(
                f"{where}[]", old.schema.get("items", {}), new.schema.get("items", {}), contexts
            )
        if "properties" in old.schema or "properties" in new.schema:
            self.properties(where, old.schema, new.schema, contexts)
            self.variant_rules(where, old.schema, new.schema, contexts)
        old_extra, new_extra = (
            old.schema.get("additionalProperties"),
            new.schema.get("additionalProperties"),
        )
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.schema(f"{where}{{*}}", old_extra, new_extra, contexts)

    def variant_rules(self, where: str, old: Schema, new: Schema, contexts: frozenset[str]) -> None:
        """Which variant a union holds for each value of a sibling (the spec's if/then clauses)."""
        old_rules, new_rules = variant_rules(old), variant_rules(new)
        for key in sorted(old_rules.keys() | new_rules.keys()):
            target, by, tag = key
            label, when = f"{where}.{target}", f"when {by} is {tag!r}"
            was, now = old_rules.get(key), new_rules.get(key)
            if was == now:
                continue
            if was is None:
                # A new promise for readers; a new constraint on what callers may send.
                detail = f"now {now} {when}"
                self.add("variant-rule-added", label, REQUEST in contexts, detail)
            elif now is None:
                # Readers lose the promise; callers gain freedom.
                detail = f"no longer {was} {when}"
                self.add("variant-rule-removed", label, RESPONSE in contexts, detail)
            else:
                self.add("variant-rule-changed", label, True, f"{was} -> {now} {when}")

    def enum(self, where: str, old: Any, new: Any, contexts: frozenset[str]) -> None:
        if old is None and new is None:
            return
        if old is None or new is None:
            # A closed value set appearing or going away changes the generated type.
            detail = "enum added" if old is None else "enum removed"
            self.add("enum-changed", where, True, detail)
            return
        for value in sorted(set(map(str, old)) - set(map(str, new))):
            # The enum member disappears from the package; old releases just never see it.
            self.add(
                "enum-value-removed", where, True, f"enum value {value!r} removed",
                wire=REQUEST in contexts,
            )  # fmt: skip
        for value in sorted(set(map(str, new)) - set(map(str, old))):
            self.add("enum-value-added", where, False, f"enum value {value!r} added")

    def properties(self, where: str, old: Schema, new: Schema, contexts: frozenset[str]) -> None:
        prefix = _kind(contexts, "property")
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(old_props.keys() - new_props.keys()):
            # An old release misses an optional property silently; a required one fails it.
            wire = REQUEST in contexts or name in old_required
            self.add(f"{prefix}-removed", f"{where}.{name}", True, "property removed", wire)
        for name in sorted(new_props.keys() - old_props.keys()):
            required = name in new_required
            # A new required property breaks requests: old clients do not send it.
            breaking = required and REQUEST in contexts
            state = "required" if required else "optional"
            self.add(f"{prefix}-added", f"{where}.{name}", breaking, f"new {state} property")
        for name in sorted(old_props.keys() & new_props.keys()):
            label = f"{where}.{name}"
            was, now = name in old_required, name in new_required
            if was != now:
                breaking = (REQUEST in contexts and now) or (RESPONSE in contexts and not now)
                detail = "now required" if now else "now optional"
                self.add(f"{prefix}-required-changed", label, breaking, detail)
            self.schema(label, old_props[name], new_props[name], contexts, kind=prefix)


def variant_rules(schema: Schema) -> dict[tuple[str, str, str], str]:
    """{(property, by, tag): variant} from `if <by> is <tag> then <property> is <variant>`."""
    rules: dict[tuple[str, str, str], str] = {}
    for clause in schema.get("allOf", []):
        if "if" not in clause:
            continue
        ((by, condition),) = clause["if"]["properties"].items()
        ((target, variant),) = clause["then"]["properties"].items()
        rules[target, by, str(condition["const"])] = variant["$ref"].rsplit("/", 1)[-1]
    return rules


def _pair(old: list[_Variant], new: list[_Variant]) -> Iterator[tuple[_Variant, _Variant]]:
    """Pairs union variants: same component first, then the rest by type, in order."""
    remaining = list(new)
    unmatched = []
    for variant in old:
        match = next((n for n in remaining if variant.ref and n.ref == variant.ref), None)
        if match is None:
            unmatched.append(variant)
        else:
            remaining.remove(match)
            yield variant, match
    for variant in unmatched:
        match = next(n for n in remaining if n.signature == variant.signature)
        remaining.remove(match)
        yield variant, match


def _route_shape(key: tuple[str, str]) -> tuple[str, str]:
    """The route with its path variables unnamed: what a request's URL can tell apart."""
    method, path = key
    return method, re.sub(r"\{[^}]*\}", "{}", path)


def _accepts(wider: Sequence[_Variant], narrower: Sequence[_Variant]) -> bool:
    """Whether every value of `narrower` is also a value of `wider` (integers are numbers)."""
    signatures = {variant.signature for variant in wider}
    return all(
        variant.signature in signatures
        or (variant.signature == "integer" and "number" in signatures)
        for variant in narrower
    )


def _tighter(keyword: str, was: Any, now: Any) -> bool:
    """Whether a constraint keyword's change refuses values it accepted."""
    if now is None:
        return False
    if was is None:
        return now is not False
    if keyword in CONSTRAINT_MAXIMA:
        return bool(now < was)
    if keyword in CONSTRAINT_MINIMA:
        return bool(now > was)
    return True  # another pattern or multipleOf: assume some old values no longer match


def _show(value: Any) -> str:
    return "none" if value is None else repr(value)


def _kind(contexts: frozenset[str], noun: str) -> str:
    if contexts == {REQUEST}:
        return f"request-{noun}"
    if contexts == {RESPONSE}:
        return f"response-{noun}"
    return f"schema-{noun}"


def _operations(document: Mapping[str, Any]) -> Iterator[tuple[tuple[str, str], Schema]]:
    """((METHOD, path), operation) with path-level parameters merged in."""
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method in item:
                operation = dict(item[method])
                own = {(p.get("in"), p.get("name")) for p in operation.get("parameters", [])}
                inherited = [p for p in shared if (p.get("in"), p.get("name")) not in own]
                operation["parameters"] = [*inherited, *operation.get("parameters", [])]
                yield (method.upper(), path), operation


def _webhooks(document: Mapping[str, Any]) -> Iterator[tuple[str, Schema]]:
    """(event name, its operation) for each entry of the `webhooks` section (a delivery is a
    POST; generate.py refuses any other)."""
    for name, item in (document.get("webhooks") or {}).items():
        operation = (item or {}).get("post")
        if isinstance(operation, dict):
            yield name, operation


def _label(key: tuple[str, str], operation: Mapping[str, Any]) -> str:
    method, path = key
    operation_id = operation.get("operationId")
    return f"{method} {path}" + (f" ({operation_id})" if operation_id else "")


def _usage(document: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """For each component schema: used in requests, responses, or both."""
    found: dict[str, set[str]] = {}

    def visit(node: Any, context: str) -> None:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
                name = reference.rsplit("/", 1)[-1]
                if context in found.setdefault(name, set()):
                    return
                found[name].add(context)
                visit(document["components"]["schemas"].get(name, {}), context)
            elif isinstance(reference, str):
                visit(_resolve(document, {"$ref": reference})[0], context)
            for key, value in node.items():
                if key != "$ref":
                    visit(value, context)
        elif isinstance(node, list):
            for value in node:
                visit(value, context)

    for _, operation in _operations(document):
        visit(operation.get("parameters", []), REQUEST)
        visit(operation.get("requestBody", {}), REQUEST)
        visit(operation.get("responses", {}), RESPONSE)
    # A webhook's body comes to the client, which reads it as it reads an answer.
    for _, operation in _webhooks(document):
        visit(operation.get("requestBody", {}), RESPONSE)
    return {name: frozenset(contexts) for name, contexts in found.items()}


# -- command line -----------------------------------------------------------------------


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, dict):
        raise SystemExit(f"spec_diff: {path} is not an OpenAPI document")
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("old", type=Path, help="the earlier spec (YAML or JSON)")
    parser.add_argument("new", type=Path, help="the later spec (YAML or JSON)")
    parser.add_argument(
        "--json", action="store_true", help="print the changes and the bump as JSON"
    )
    parser.add_argument(
        "--fail-on",
        choices=("breaking", "wire"),
        help="exit 1 when a change breaks the package's users (breaking) or old releases (wire)",
    )
    parser.add_argument("--old-resources", type=Path, help="the resource map that goes with OLD")
    parser.add_argument("--new-resources", type=Path, help="the resource map that goes with NEW")
    parser.add_argument(
        "--overrides",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "overrides" / "llama_cloud_batch",
        help="the hand-written package, searched for uses of removed resources",
    )
    args = parser.parse_args(argv)
    old_names = resource_names(load(args.old_resources)) if args.old_resources else None
    new_names = resource_names(load(args.new_resources)) if args.new_resources else None
    changes = compare(load(args.old), load(args.new), old_names=old_names, new_names=new_names)
    if args.json:
        report = {"bump": required_bump(changes), "changes": [asdict(change) for change in changes]}
        print(json.dumps(report, indent=2))
    else:
        print(render(changes))
        if args.old_resources and args.new_resources:
            ties = hand_written_ties(
                load(args.old_resources), load(args.new_resources), args.overrides
            )
            if ties:
                print("Hand-written code that goes with a removed resource:")
                print("\n".join(ties))
    if args.fail_on == "breaking" and any(change.breaking for change in changes):
        return 1
    if args.fail_on == "wire" and any(change.wire for change in changes):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
