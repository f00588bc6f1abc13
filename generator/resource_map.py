"""The client's surface from generator/resources.yaml: which resource each operation of the spec
belongs to, under which method name, which operations page and how, and which resources have
hand-written parts.

The map is checked against the spec both ways before anything is written: an operation the map
does not place, or a map line naming an operation the spec lacks, stops generation with one line
naming it. Each resource becomes a module of `_llama_cloud_batch_generated/resources/`, rendered
with generator/templates/resource_module.py.jinja; the top-level resources become the client's
attributes (resources/__init__.py, which the hand-written clients subclass).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from facts import Facts, FactsError, Kind, Operation, Value
from jinja2 import Environment
from openapi_python_client import strings
from openapi_python_client.parser.openapi import Endpoint, GeneratorData

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Keyword arguments every method takes; a spec parameter of the same name could not be passed.
CONTROLS = (
    "timeout",
    "max_retries",
    "extra_headers",
    "extra_query",
    "extra_body",
    "retry_non_idempotent",
)
ENDPOINT_LINE = re.compile(r"^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) (/\S*)$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Attributes every resource class has already.
RESERVED = ("with_raw_response", "with_streaming_response")
# Attributes every client has already (a top-level resource cannot take one of these names).
CLIENT_ATTRIBUTES = (
    "api_key",
    "base_url",
    "close",
    "copy",
    "default_headers",
    "max_response_bytes",
    "max_retries",
    "page_concurrency",
    "request",
    "retry_non_idempotent",
    "send",
    "timeout",
    "with_options",
)
# The pagers (overrides/llama_cloud_batch/_pagination.py) read a page's items from this property.
PAGE_ITEMS = "items"
STYLES = ("offset", "cursor")
# A cursor listing's defaults: the query parameter that asks for a page, the page's property that
# names the next one.
CURSOR_TOKEN = "page_token"  # noqa: S105 - a parameter name, not a secret
CURSOR_NEXT_TOKEN = "next_page_token"  # noqa: S105
# An offset listing's query parameters.
OFFSET_PARAMETERS = ("limit", "offset")


class MapError(Exception):
    """The map and the spec disagree, or the spec cannot be rendered: one line per problem."""


@dataclass(frozen=True)
class Paging:
    """How a list method walks its pages (the map's `paginate:`)."""

    style: str  # offset | cursor
    key: str  # the item property unique per item (no repeats mid-walk)
    token: str = CURSOR_TOKEN  # cursor: the query parameter that asks for a page
    next_token: str = CURSOR_NEXT_TOKEN  # cursor: the page property naming the next page


@dataclass
class Method:
    name: str
    verb: str
    path: str
    paging: Paging | None = None
    check: str | None = None
    dotted: str = ""  # beta.batch.list, for messages and docs
    # Filled from the spec once the map is matched.
    endpoint: Endpoint | None = None
    tag: str = ""
    op: Operation | None = None
    item: Value | None = None  # a paged method's item
    replaced_by: str | None = None  # the dotted method of the successor (x-replaced-by)

    @property
    def where(self) -> str:
        return f"{self.verb} {self.path}"

    @property
    def operation(self) -> Operation:
        assert self.op is not None, "the map is matched before it is rendered"
        return self.op


@dataclass
class Resource:
    name: str
    dotted: str  # beta.batch, for messages
    custom: str | None  # the hand-written module of its mixins, under llama_cloud_batch.resources
    methods: list[Method]
    children: list[Resource]

    @property
    def class_name(self) -> str:
        return strings.pascal_case(self.name)

    @property
    def sends(self) -> bool:
        """Whether it or a sub-resource has a method that calls the API (a resource of hand-written
        methods only, `custom:` and no `methods:`, has no raw or streaming views)."""
        return bool(self.methods) or any(child.sends for child in self.children)


def load(path: Path) -> list[Resource]:
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("resources"), dict):
        raise MapError(f"{path.name}: needs a top-level `resources:` mapping")
    resources = [_resource(name, body, name, path.name) for name, body in data["resources"].items()]
    for resource in resources:
        if resource.name in CLIENT_ATTRIBUTES:
            raise MapError(
                f"{path.name}: {resource.name}: the client has an attribute of that name"
            )
    for resource in walk(resources):
        if not (resource.methods or resource.children or resource.custom):
            raise MapError(
                f"{path.name}: {resource.dotted}: no methods, sub-resources or `custom:` module"
            )
    return resources


def _resource(name: str, body: Any, dotted: str, source: str) -> Resource:
    if not NAME.match(str(name)) or name in RESERVED:
        raise MapError(f"{source}: {dotted}: not a usable resource name")
    body = body or {}
    unknown = set(body) - {"methods", "subresources", "custom"}
    if unknown:
        raise MapError(f"{source}: {dotted}: unknown keys {sorted(unknown)}")
    methods = [
        _method(method, spec, f"{dotted}.{method}", source)
        for method, spec in (body.get("methods") or {}).items()
    ]
    children = [
        _resource(child, child_body, f"{dotted}.{child}", source)
        for child, child_body in (body.get("subresources") or {}).items()
    ]
    clashes = {method.name for method in methods} & {child.name for child in children}
    if clashes:
        raise MapError(f"{source}: {dotted}: {sorted(clashes)} is a method and a sub-resource")
    custom = body.get("custom")
    if any(method.check for method in methods) and not custom:
        raise MapError(
            f"{source}: {dotted}: a method with `check:` needs `custom:` on its resource"
        )
    return Resource(str(name), dotted, custom, methods, children)


def _method(name: str, spec: Any, dotted: str, source: str) -> Method:
    if not NAME.match(str(name)) or name in CONTROLS + RESERVED:
        raise MapError(f"{source}: {dotted}: not a usable method name")
    if isinstance(spec, str):
        spec = {"endpoint": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("endpoint"), str):
        raise MapError(f"{source}: {dotted}: expected `VERB /path` or a mapping with `endpoint:`")
    unknown = set(spec) - {"endpoint", "paginate", "check"}
    if unknown:
        raise MapError(f"{source}: {dotted}: unknown keys {sorted(unknown)}")
    matched = ENDPOINT_LINE.match(spec["endpoint"].strip())
    if not matched:
        raise MapError(f"{source}: {dotted}: {spec['endpoint']!r} is not `VERB /path`")
    paging = None
    if spec.get("paginate") is not None:
        paging = _paging(spec["paginate"], f"{source}: {dotted}")
    check = spec.get("check")
    return Method(str(name), matched[1], matched[2], paging=paging, check=check, dotted=dotted)


def _paging(paginate: Any, where: str) -> Paging:
    if not isinstance(paginate, dict) or paginate.get("style") not in STYLES:
        raise MapError(f"{where}: paginate needs `style:` offset or cursor")
    style = paginate["style"]
    allowed = {"style", "key", "items"} | ({"token", "next_token"} if style == "cursor" else set())
    unknown = set(paginate) - allowed
    if unknown:
        raise MapError(f"{where}: paginate has unknown keys {sorted(unknown)} for style {style}")
    if paginate.get("items", PAGE_ITEMS) != PAGE_ITEMS:
        raise MapError(f"{where}: the pager reads the page's `{PAGE_ITEMS}` property")
    key = paginate.get("key")
    if not isinstance(key, str):
        raise MapError(f"{where}: paginate needs `key:`, the item property unique per item")
    names = {
        "token": paginate.get("token", CURSOR_TOKEN),
        "next_token": paginate.get("next_token", CURSOR_NEXT_TOKEN),
    }
    for option, value in names.items():
        if not isinstance(value, str):
            raise MapError(f"{where}: paginate's `{option}:` must be a property name")
    return Paging(style, key, names["token"], names["next_token"])


def walk(resources: list[Resource]) -> list[Resource]:
    found: list[Resource] = []
    for resource in resources:
        found.append(resource)
        found += walk(resource.children)
    return found


def check_custom(resources: list[Resource], modules: Path) -> None:
    """Each `custom:` module exists and defines the two mixins the generated classes inherit."""
    for resource in walk(resources):
        if resource.custom is None:
            continue
        module = modules / f"{resource.custom}.py"
        text = module.read_text() if module.is_file() else ""
        for name in (f"{resource.class_name}Mixin", f"Async{resource.class_name}Mixin"):
            if not re.search(rf"^class {name}\b", text, re.MULTILINE):
                raise MapError(
                    f"{resource.dotted}: custom: {resource.custom} needs class {name} in "
                    f"overrides/llama_cloud_batch/resources/{resource.custom}.py"
                )


def spec_operations(spec: dict[str, Any]) -> dict[str, str]:
    """`VERB /path` -> operationId (or the `VERB /path` itself) for every operation of the spec."""
    operations = {}
    for path, item in (spec.get("paths") or {}).items():
        for verb in HTTP_METHODS:
            operation = (item or {}).get(verb)
            if isinstance(operation, dict):
                where = f"{verb.upper()} {path}"
                operations[where] = str(operation.get("operationId") or where)
    return operations


def match(
    resources: list[Resource],
    spec: dict[str, Any],
    data: GeneratorData,
    facts: Facts,
    source: str,
) -> None:
    """Ties each map line to its endpoint and its facts; raises MapError listing every
    disagreement."""
    operations = spec_operations(spec)
    endpoints: dict[str, tuple[str, Endpoint]] = {}
    for tag, collection in data.endpoint_collections_by_tag.items():
        for endpoint in collection.endpoints:
            path = endpoint.path.get_untrusted_value()  # compared, never written into code
            endpoints[f"{endpoint.method.upper()} {path}"] = (tag, endpoint)
    # openapi-python-client skips an operation it cannot parse, naming it in a warning header.
    skipped = [
        error
        for collection in data.endpoint_collections_by_tag.values()
        for error in collection.parse_errors
    ]
    problems: list[str] = []
    placed: dict[str, str] = {}
    for resource in walk(resources):
        names = [method.name for method in resource.methods]
        for method in resource.methods:
            if names.count(method.name) > 1:
                problems.append(f"{source}: {resource.dotted} names method {method.name} twice")
            if method.where in placed:
                problems.append(
                    f"{source}: {method.dotted} and {placed[method.where]} both name {method.where}"
                )
            placed[method.where] = method.dotted
            if method.where not in operations:
                problems.append(
                    f"{source}: {method.dotted} names {method.where}, which the spec does not have"
                )
                continue
            if method.where not in endpoints:
                reasons = [
                    " ".join(str(error.detail or "").split())
                    for error in skipped
                    if f" {method.where} " in str(error.header)
                ]
                detail = f": {'; '.join(reasons)}" if reasons else ""
                problems.append(
                    f"operation {operations[method.where]} ({method.where}) could not be "
                    f"generated{detail}"
                )
                continue
            method.tag, method.endpoint = endpoints[method.where]
            try:
                method.op = facts.operation(method.endpoint)
            except FactsError as error:
                problems.append(str(error))
                continue
            problems += _check(method, facts)
    for where, operation_id in operations.items():
        if where not in placed:
            problems.append(
                f"operation {operation_id} ({where}) has no place in the client: add "
                f"`<method>: {where}` under its resource in {source}"
            )
    if problems:
        raise MapError("\n".join(problems))
    _successors(resources, source)


def _check(method: Method, facts: Facts) -> list[str]:
    """The problems of a matched method's parameters and paging, if any."""
    op = method.operation
    label = f"operation {op.name} ({method.where})"
    names = {f.python_name for f in op.path_params + op.keywords}
    problems = [
        f"{label}: parameter {name} clashes with a per-call control of that name"
        for name in sorted(names & set(CONTROLS))
    ]
    if method.paging is None:
        return problems
    page = op.success
    items = _page_items(page, facts)
    if page is None or items is None:
        return [*problems, f"{method.dotted}: the page has no array `{PAGE_ITEMS}` of objects"]
    method.item = items
    item_model = facts.model_named(items.class_name)
    if method.paging.key not in {f.wire_name for f in item_model.fields}:
        return [*problems, f"{method.dotted}: the items have no property `{method.paging.key}`"]
    query = {f.wire_name for f in op.query}
    if method.paging.style == "offset":
        wanted = [name for name in OFFSET_PARAMETERS if name not in query]
        if wanted:
            problems.append(f"{method.dotted}: offset paging needs the query parameter {wanted[0]}")
    else:
        if method.paging.token not in query:
            problems.append(
                f"{method.dotted}: cursor paging needs the query parameter "
                f"{method.paging.token} (paginate's `token:`)"
            )
        page_model = facts.model_named(page.class_name)
        if method.paging.next_token not in {f.wire_name for f in page_model.fields}:
            problems.append(
                f"{method.dotted}: the page has no property {method.paging.next_token} "
                "(paginate's `next_token:`)"
            )
    return problems


def _page_items(page: Value | None, facts: Facts) -> Value | None:
    """The item of a page: its `items` must be an array of objects."""
    if page is None or page.kind is not Kind.MODEL:
        return None
    model = facts.model_named(page.class_name)
    items = next((f.value for f in model.fields if f.wire_name == PAGE_ITEMS), None)
    if items is None or items.kind is not Kind.LIST or items.item is None:
        return None
    return items.item if items.item.kind is Kind.MODEL else None


def _successors(resources: list[Resource], source: str) -> None:
    """Names each deprecated method's successor by its method path (x-replaced-by names an
    operationId)."""
    by_operation = {
        method.operation.operation_id: method
        for resource in walk(resources)
        for method in resource.methods
    }
    for resource in walk(resources):
        for method in resource.methods:
            successor = method.operation.replaced_by
            if successor is None:
                continue
            if successor not in by_operation:
                raise MapError(
                    f"{source}: {method.dotted}: x-replaced-by names {successor}, which is not "
                    "an operation of the spec"
                )
            method.replaced_by = by_operation[successor].dotted


def singular(name: str) -> str:
    """A resource's item, as the official SDK names its types: batches -> batch."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("ches", "shes", "sses", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def sdk_names(resources: list[Resource], models: set[str]) -> dict[str, Value]:
    """The official SDK's name for what each method of a top-level resource returns (a listing's
    item): `<Item><Method>Response`, as `llama_cloud.types` spells them, so code written for it
    keeps its type names. A name a schema of the spec already takes stops generation."""
    names: dict[str, Value] = {}
    for resource in resources:
        item = strings.pascal_case(singular(resource.name))
        for method in resource.methods:
            returned = method.item or method.operation.success
            if returned is None or returned.kind is not Kind.MODEL:
                continue
            name = f"{item}{strings.pascal_case(method.name)}Response"
            if name in models:
                raise MapError(
                    f"{method.dotted}: the official SDK's name {name} for what it returns is a "
                    "schema of the spec: rename the schema"
                )
            names[name] = returned
    return names


def render(
    env: Environment, resources: list[Resource], target: Path, models: Collection[str] = ()
) -> None:
    """Writes one module per resource into target (the generated `resources` package), the
    client's top-level resources into its __init__, and the official SDK's type names beside
    it."""
    (target.parent / "sdk_names.py").write_text(
        env.get_template("sdk_names.py.jinja").render(names=sdk_names(resources, set(models)))
    )
    target.mkdir()
    (target / "__init__.py").write_text(
        env.get_template("resources_init.py.jinja").render(resources=resources)
    )
    methods = env.get_template("resource_methods.py.jinja").module
    module = env.get_template("resource_module.py.jinja")
    for resource in walk(resources):
        rendered: dict[str, str] = {}
        for method in resource.methods:
            try:
                for flavour in ("sync", "async"):
                    macro = getattr(methods, f"{flavour}_method")
                    rendered[f"{flavour}:{method.name}"] = str(macro(method))
            except Exception as error:  # a template failure becomes one line naming the operation
                raise MapError(
                    f"cannot render operation {method.operation.name} ({method.where}) as "
                    f"{method.dotted}: {type(error).__name__}: {error}"
                ) from None
        text = module.render(resource=resource, rendered=rendered)
        (target / f"{resource.name}.py").write_text(text)
