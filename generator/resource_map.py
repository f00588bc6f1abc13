"""The client's surface from generator/resources.yaml: which resource each operation of the spec
belongs to, under which method name, and which operations page.

The map is checked against the spec both ways before anything is written: an operation the map
does not place, or a map line naming an operation the spec lacks, stops generation with one line
naming it. Each resource becomes a module of `_generated/resources/`, rendered with
generator/templates/resource_module.py.jinja.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment
from openapi_python_client import strings
from openapi_python_client.parser.openapi import Endpoint, GeneratorData

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
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
# How openapi-python-client marks a response read as JSON, and one without a body.
JSON_BODY = "response.json()"
NO_BODY = "None"
# The pager (overrides/llama_cloud_batch/_pagination.py) reads a page's `items`.
PAGE_ITEMS = "items"


class MapError(Exception):
    """The map and the spec disagree, or the spec cannot be rendered: one line per problem."""


@dataclass
class Method:
    name: str
    verb: str
    path: str
    endpoint: Endpoint | None = None
    tag: str = ""
    paginate_key: str | None = None
    check: str | None = None
    # Filled from the spec once the map is matched.
    success: Any = None
    item_type: str = ""
    item_imports: set[str] = field(default_factory=set)
    module: str = ""  # the operation's module in _generated/api/<tag>/
    has_body: bool = True
    # Parameter descriptions by Python name (see _parameter_descriptions).
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.verb} {self.path}"


@dataclass
class Resource:
    name: str
    dotted: str  # beta.batch, for messages
    custom: str | None
    methods: list[Method]
    children: list[Resource]

    @property
    def class_name(self) -> str:
        return strings.pascal_case(self.name)


def load(path: Path) -> list[Resource]:
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("resources"), dict):
        raise MapError(f"{path.name}: needs a top-level `resources:` mapping")
    return [_resource(name, body, name, path.name) for name, body in data["resources"].items()]


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
    paginate = spec.get("paginate")
    key = None
    if paginate is not None:
        if not isinstance(paginate, dict) or paginate.get("style") != "offset":
            raise MapError(f"{source}: {dotted}: paginate needs `style: offset` (the only one)")
        if paginate.get("items", PAGE_ITEMS) != PAGE_ITEMS:
            raise MapError(f"{source}: {dotted}: the pager reads the page's `{PAGE_ITEMS}` field")
        key = paginate.get("key")
        if not isinstance(key, str):
            raise MapError(
                f"{source}: {dotted}: paginate needs `key:`, the property unique per item"
            )
    check = spec.get("check")
    return Method(str(name), matched[1], matched[2], paginate_key=key, check=check)


def walk(resources: list[Resource]) -> list[Resource]:
    found: list[Resource] = []
    for resource in resources:
        found.append(resource)
        found += walk(resource.children)
    return found


def check_custom(resources: list[Resource], modules: Path) -> None:
    """Each `custom:` module exists and defines the two classes the generated tree builds."""
    for resource in walk(resources):
        if resource.custom is None:
            continue
        module = modules / f"{resource.custom}.py"
        text = module.read_text() if module.is_file() else ""
        for name in (resource.class_name, f"Async{resource.class_name}"):
            if f"class {name}(" not in text:
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
    resources: list[Resource], spec: dict[str, Any], data: GeneratorData, source: str
) -> None:
    """Ties each map line to its endpoint; raises MapError listing every disagreement."""
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
            dotted = f"{resource.dotted}.{method.name}"
            if method.where in placed:
                problems.append(
                    f"{source}: {dotted} and {placed[method.where]} both name {method.where}"
                )
            placed[method.where] = dotted
            if method.where not in operations:
                problems.append(
                    f"{source}: {dotted} names {method.where}, which the spec does not have"
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
            method.module = str(method.endpoint.name)
            method.descriptions = _parameter_descriptions(spec, method, method.endpoint)
            problems += _describe(method, dotted)
    for where, operation_id in operations.items():
        if where not in placed:
            problems.append(
                f"operation {operation_id} ({where}) has no place in the client: add "
                f"`<method>: {where}` under its resource in {source}"
            )
    if problems:
        raise MapError("\n".join(problems))


def _describe(method: Method, dotted: str) -> list[str]:
    """Reads the success response and checks the parameters; the problems found, if any."""
    endpoint = method.endpoint
    assert endpoint is not None
    label = f"operation {endpoint.name} ({method.where})"
    successes = [
        pattern
        for pattern in endpoint.responses.patterns
        if pattern.status_code.range is not None
        and pattern.status_code.range[0] >= 200
        and pattern.status_code.range[1] <= 299
    ]
    if not successes:
        return [f"{label} declares no 2xx response"]
    method.success = successes[0]
    source = method.success.source["attribute"]
    if source not in (JSON_BODY, NO_BODY):
        status = method.success.status_code.pattern
        return [f"{label}: its {status} response is not JSON (the client reads JSON or no body)"]
    method.has_body = source == JSON_BODY
    names = [prop.python_name for prop in parameters(endpoint)]
    names += [prop.python_name for prop in endpoint.path_parameters]
    problems = [
        f"{label}: parameter {name} clashes with a per-call control of that name"
        for name in sorted(set(names) & set(CONTROLS))
    ]
    problems += [
        f"{label}: two parameters are both called {name} in Python"
        for name in sorted({name for name in names if names.count(name) > 1})
    ]
    if method.paginate_key is not None:
        page = method.success.prop
        items = {prop.python_name: prop for prop in _properties(page)}.get(PAGE_ITEMS)
        inner = getattr(items, "inner_property", None)
        if inner is None:
            return [*problems, f"{dotted}: the page {page.get_type_string()} has no array `items`"]
        if method.paginate_key not in {prop.python_name for prop in _properties(inner)}:
            return [*problems, f"{dotted}: the items have no property `{method.paginate_key}`"]
        method.item_type = code(inner.get_type_string(no_optional=True))
        method.item_imports = inner.get_imports(prefix="..") | inner.get_lazy_imports(prefix="..")
    return problems


def _properties(model: Any) -> list[Any]:
    return list(getattr(model, "required_properties", None) or []) + list(
        getattr(model, "optional_properties", None) or []
    )


def body_properties(endpoint: Endpoint) -> list[Any]:
    return _properties(endpoint.bodies[0].prop) if endpoint.bodies else []


def parameters(endpoint: Endpoint) -> list[Any]:
    """The keyword parameters, in the order the operation's TypedDict lists them."""
    return [*endpoint.query_parameters, *endpoint.header_parameters, *body_properties(endpoint)]


def code(value: Any) -> str:
    """Python source from openapi-python-client's PythonCode wrapper."""
    return str(strings.PythonCode.as_unembedded_code(value))


def _parameter_descriptions(
    spec: dict[str, Any], method: Method, endpoint: Endpoint
) -> dict[str, str]:
    """python name -> description of each parameter (openapi-python-client keeps only those of
    schemas, so a parameter's own description is read from the spec)."""
    item = spec["paths"][method.path]
    declared = [
        *(item.get("parameters") or []),
        *(item[method.verb.lower()].get("parameters") or []),
    ]
    descriptions = {}
    for declaration in declared:
        parameter = declaration
        if "$ref" in declaration:  # '#/components/parameters/Name'
            parameter = spec["components"]["parameters"][declaration["$ref"].rsplit("/", 1)[1]]
        if parameter.get("description"):
            descriptions[str(parameter["name"])] = str(parameter["description"])
    return {
        str(prop.python_name): descriptions[wire]
        for prop in [
            *endpoint.path_parameters,
            *endpoint.query_parameters,
            *endpoint.header_parameters,
        ]
        if (wire := prop.name.get_untrusted_value()) in descriptions
    }


def type_imports(method: Method) -> set[str]:
    """What the method's annotations need (imported under TYPE_CHECKING: loading stays lazy)."""
    endpoint = method.endpoint
    assert endpoint is not None
    imports: set[str] = set(method.item_imports)
    for prop in parameters(endpoint):
        imports |= prop.get_imports(prefix="..") | prop.get_lazy_imports(prefix="..")
    if method.paginate_key is None and method.has_body:
        success = method.success.prop
        imports |= success.get_imports(prefix="..") | success.get_lazy_imports(prefix="..")
    params = f"{strings.pascal_case(endpoint.name)}Params"
    imports.add(f"from ..api.{method.tag}.{method.module} import {params}")
    return {line for line in imports if line.startswith("from ..")}


def render(env: Environment, resources: list[Resource], target: Path) -> None:
    """Writes one module per resource into target (the `_generated/resources` package)."""
    target.mkdir()
    (target / "__init__.py").write_text(
        '"""The resource classes, emitted from generator/resources.yaml."""\n'
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
                assert method.endpoint is not None
                raise MapError(
                    f"cannot render operation {method.endpoint.name} ({method.where}) as "
                    f"{resource.dotted}.{method.name}: {type(error).__name__}: {error}"
                ) from None
        imports = set()
        for method in resource.methods:
            imports |= type_imports(method)
        text = module.render(resource=resource, rendered=rendered, type_imports=sorted(imports))
        (target / f"{resource.name}.py").write_text(text)
