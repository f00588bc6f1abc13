"""The API reference's pages, made from the resource map and the spec at build time.

mkdocs-gen-files runs this script on every build (see mkdocs.yml): it reads
generator/resources.yaml (where each operation lives in the client) and the spec the package was
generated from (`_llama_cloud_batch_generated/openapi.json`), and writes, under reference/:

- resources/<name>.md: one page per top-level resource of the map (client.batches,
  client.beta, ...) with its sub-resources, the methods the map places there, the `custom:`
  module's additions (wait_for_completion, ...) and that module's other public classes; the
  asyncio classes follow, signatures only. Resources whose every operation the spec deprecates
  come after the others, marked deprecated.
- models/<name>.md: the models and enums each top-level resource's operations reach (following
  every `$ref`), in the order a reader meets them (answers first, page and request wrappers
  last). What only the variants of a union reach (the beta's `job_config`) gets a page of its
  own; what several top-level resources reach, or none, goes to models/shared.md.
- resources.md and types.md: an overview of each, client.md (the package's other names) and
  SUMMARY.md, the nav of the reference (mkdocs-literate-nav).

A new top-level resource, sub-resource or `custom:` method therefore reaches the reference with
no page edited. The functions up to `write_pages` are plain (tests/docs imports them).
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources as package_files
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "generator" / "resources.yaml"
GENERATED = "_llama_cloud_batch_generated"
OVERRIDES = "llama_cloud_batch"
SCHEMA_REF = "#/components/schemas/"
VERBS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# Every resource class has these two views (documented on each resource).
VIEWS = ("with_raw_response", "with_streaming_response")


# ----- the map and the spec --------------------------------------------------------------------


@dataclass
class Resource:
    """A resource of the map, with what the package and the spec say about it."""

    name: str
    dotted: str  # beta.batch
    custom: str | None
    methods: list[tuple[str, str, str]]  # (method, VERB, /path)
    children: list[Resource] = field(default_factory=list)

    def walk(self) -> Iterator[Resource]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def module(self) -> str:
        """The generated module of its classes (the generator names it after the resource)."""
        return f"{GENERATED}.resources.{self.name}"

    @property
    def endpoints(self) -> list[tuple[str, str]]:
        return [(verb, path) for resource in self.walk() for _, verb, path in resource.methods]


def read_map(text: str) -> list[Resource]:
    """The top-level resources of generator/resources.yaml's text, in its order."""

    def resource(name: str, body: Mapping[str, Any] | None, dotted: str) -> Resource:
        body = body or {}
        methods = []
        for method, spec in (body.get("methods") or {}).items():
            endpoint = spec if isinstance(spec, str) else spec["endpoint"]
            verb, path = endpoint.split()
            methods.append((str(method), verb.lower(), path))
        children = [
            resource(child, child_body, f"{dotted}.{child}")
            for child, child_body in (body.get("subresources") or {}).items()
        ]
        return Resource(str(name), dotted, body.get("custom"), methods, children)

    data = yaml.safe_load(text)
    return [resource(name, body, name) for name, body in data["resources"].items()]


def shipped_spec() -> dict[str, Any]:
    """The spec the installed package was generated from."""
    text = package_files.files(GENERATED).joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


def operation(spec: Mapping[str, Any], verb: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][path][verb]
    return found


def deprecated(resource: Resource, spec: Mapping[str, Any]) -> bool:
    """Whether the spec deprecates every operation of the resource (and its sub-resources)."""
    endpoints = resource.endpoints
    return bool(endpoints) and all(
        operation(spec, verb, path).get("deprecated") is True for verb, path in endpoints
    )


def in_reading_order(resources: list[Resource], spec: Mapping[str, Any]) -> list[Resource]:
    """Current resources first, deprecated ones after, each in the map's order."""
    return sorted(resources, key=lambda resource: deprecated(resource, spec))


# ----- models: which page each goes on ---------------------------------------------------------


@dataclass
class Reach:
    """The schemas a resource's operations reach: in reading order, and those reached only
    through a union's variants (with the properties holding such unions)."""

    order: list[str] = field(default_factory=list)
    direct: set[str] = field(default_factory=set)
    unions: list[str] = field(default_factory=list)  # the properties holding variant unions
    wrappers: set[str] = field(default_factory=set)  # request bodies and pages: read last


def _resolve(spec: Mapping[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


class _Walker:
    """Follows `$ref`s, recording each schema once, and which ones it met only inside a union's
    variants (`anyOf`/`oneOf` of several models, or the `if`/`then` clauses of a variant rule)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.found = Reach()
        self.seen: set[tuple[str, bool]] = set()

    def visit(self, node: Any, via_union: bool = False, holder: str | None = None) -> None:
        if isinstance(node, list):
            for value in node:
                self.visit(value, via_union, holder)
        elif isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                self._follow(node["$ref"], via_union, holder)
                return
            for key, value in node.items():
                self._visit_key(key, value, via_union, holder)

    def _follow(self, ref: str, via_union: bool, holder: str | None) -> None:
        name = ref.removeprefix(SCHEMA_REF) if ref.startswith(SCHEMA_REF) else None
        if name is not None and not via_union:
            self.found.direct.add(name)
        if (ref, via_union) in self.seen:
            return
        self.seen.add((ref, via_union))
        if name is not None and name not in self.found.order:
            self.found.order.append(name)
        self.visit(_resolve(self.spec, ref), via_union, holder)

    def _visit_key(self, key: str, value: Any, via_union: bool, holder: str | None) -> None:
        if key in {"anyOf", "oneOf"} and isinstance(value, list):
            if len([v for v in value if isinstance(v, dict) and "$ref" in v]) > 1:
                if holder is not None and holder not in self.found.unions:
                    self.found.unions.append(holder)
                via_union = True
        elif key in {"if", "then", "else"}:
            # A variant rule (`allOf` of `if job_type is parse then job_config is ...`): what
            # its clauses name are the union's variants again.
            via_union = True
        elif key == "properties" and isinstance(value, dict):
            for name, schema in value.items():
                self.visit(schema, via_union, name)
            return
        self.visit(value, via_union, holder)

    def wrapper(self, schema: Any, inner: Callable[[dict[str, Any]], Any]) -> None:
        """A request body or a page: what it carries first (`inner` of it), itself read last."""
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            target = _resolve(self.spec, schema["$ref"])
            carried = inner(target)
            if carried is not None:
                self.found.wrappers.add(schema["$ref"].removeprefix(SCHEMA_REF))
                self.visit(carried)
        self.visit(schema)


def _schemas(content: Mapping[str, Any] | None) -> list[Any]:
    return [media.get("schema") for media in (content or {}).values()]


def reach(resource: Resource, spec: Mapping[str, Any]) -> Reach:
    """Follows every `$ref` from the resource's operations: their answers first, then their
    parameters and request bodies, then their error answers, so the models a reader meets come
    first; a request body, or a page (an answer that wraps `items`), is read after what it
    carries."""
    walker = _Walker(spec)
    operations = [operation(spec, verb, path) for verb, path in resource.endpoints]
    for op in operations:
        for status, answer in (op.get("responses") or {}).items():
            if str(status).startswith("2"):
                for schema in _schemas(answer.get("content")):
                    walker.wrapper(schema, lambda page: (page.get("properties") or {}).get("items"))
    for op in operations:
        walker.visit(op.get("parameters"))
        for schema in _schemas((op.get("requestBody") or {}).get("content")):
            walker.wrapper(schema, lambda body: body)
    for op in operations:
        walker.visit(op.get("responses"))
    return walker.found


@dataclass
class ModelPage:
    slug: str
    title: str  # the nav's
    heading: str  # the page's
    intro: str
    names: list[str]


def model_pages(resources: list[Resource], spec: Mapping[str, Any]) -> list[ModelPage]:
    """One page per top-level resource (another for what only its unions' variants reach), and
    a shared page for what several resources, or none, reach. Every schema is on one page."""
    schemas = list(spec["components"]["schemas"])
    reached = {resource.name: reach(resource, spec) for resource in resources}
    owners: dict[str, list[str]] = {name: [] for name in schemas}
    for resource_name, found in reached.items():
        for name in found.order:
            owners[name].append(resource_name)

    def ordered(names: list[str], wrappers: set[str]) -> list[str]:
        # Answers' models first, request bodies and pages last.
        return [n for n in names if n not in wrappers] + [n for n in names if n in wrappers]

    pages = []
    for resource in in_reading_order(resources, spec):
        found = reached[resource.name]
        own = [name for name in found.order if owners[name] == [resource.name]]
        direct = [name for name in own if name in found.direct]
        variants = [name for name in own if name not in found.direct]
        mark = " (deprecated)" if deprecated(resource, spec) else ""
        pages.append(
            ModelPage(
                resource.name,
                f"client.{resource.name}{mark}",
                f"Models of client.{resource.name}{mark}",
                f"What [`client.{resource.name}`](../resources/{resource.name}.md) takes and "
                "returns, beyond the shared models: the models its answers hold first, request "
                "bodies and pages last, then the enums.",
                ordered(direct, found.wrappers),
            )
        )
        if variants:
            unions = ", ".join(f"`{name}`" for name in found.unions)
            pages.append(
                ModelPage(
                    f"{resource.name}-variants",
                    f"client.{resource.name}: {', '.join(found.unions)}{mark}",
                    f"client.{resource.name}: the variants of {unions}{mark}",
                    f"What only the variants of {unions} (a union: one of these models) hold, "
                    f"for [`client.{resource.name}`](../resources/{resource.name}.md).",
                    variants,
                )
            )
    shared = [name for name in schemas if len(owners[name]) != 1]
    # In the order the resources' reach lists them, then the unreached in the spec's order.
    first_seen = [name for found in reached.values() for name in found.order]
    shared.sort(key=lambda name: first_seen.index(name) if name in first_seen else len(schemas))
    pages.append(
        ModelPage(
            "shared",
            "Shared",
            "Shared models",
            "Models that more than one top-level resource uses (webhooks, error bodies), or none.",
            shared,
        )
    )
    return [page for page in pages if page.names]


# ----- what the package has: classes, mixins, names --------------------------------------------


def is_enum(name: str) -> bool:
    import enum

    model = getattr(importlib.import_module(f"{OVERRIDES}.types"), name)
    return isinstance(model, type) and issubclass(model, enum.Enum)


def resource_classes(resource: Resource) -> tuple[str, str]:
    """The sync and async classes of a resource's generated module."""
    module = importlib.import_module(resource.module)
    names = list(module.__all__)
    sync = next(name for name in names if f"Async{name}" in names)
    return sync, f"Async{sync}"


def public_functions(cls: type) -> list[str]:
    """A class's own public methods and properties, in source order."""
    return [
        name
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and (inspect.isfunction(member) or isinstance(member, property | classmethod))
    ]


def custom_parts(resource: Resource, sync: str) -> tuple[list[str], list[str]]:
    """The `custom:` module's methods the resource inherits (sync mixin), and the other classes
    the module exports (its wait result) in its order."""
    if resource.custom is None:
        return [], []
    module = importlib.import_module(f"{OVERRIDES}.resources.{resource.custom}")
    mixins = {f"{sync}Mixin", f"Async{sync}Mixin"}
    methods = public_functions(getattr(module, f"{sync}Mixin"))
    others = [
        name
        for name in module.__all__
        if name not in mixins and inspect.isclass(getattr(module, name))
    ]
    return methods, others


# ----- pages -----------------------------------------------------------------------------------


def directive(identifier: str, **options: Any) -> str:
    lines = [f"::: {identifier}"]
    if options:
        lines.append("    options:")
        lines += [f"      {key}: {json.dumps(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def resource_page(resource: Resource, spec: Mapping[str, Any]) -> str:
    is_deprecated = deprecated(resource, spec)
    lines = [f"# client.{resource.name}{' (deprecated)' if is_deprecated else ''}", ""]
    if is_deprecated:
        lines += [
            '!!! warning "Deprecated"',
            f"    The spec deprecates every operation of `client.{resource.name}`: each method "
            "warns when called and names its successor.",
            "",
        ]
    if resource.endpoints:
        lines += [
            "The methods come from the spec, placed by `generator/resources.yaml`; what the spec "
            "cannot say (waiting, bulk helpers) comes from "
            "`overrides/llama_cloud_batch/resources/`. Each method has `with_raw_response` and "
            "`with_streaming_response` twins. The asyncio classes, with the same methods "
            f"awaited, follow the sync ones. Models: [client.{resource.name}]"
            f"(../models/{resource.name}.md).",
            "",
        ]
    else:  # a resource of hand-written methods only (`custom:` and no `methods:`)
        lines += [
            "The spec places no operation here: every method is hand-written, in "
            f"`overrides/llama_cloud_batch/resources/{resource.custom}.py`, and calls no API, so "
            "there are no raw or streaming views. The asyncio class, with the same methods, "
            "follows.",
            "",
        ]
    asyncs: list[str] = []
    others: list[str] = []
    for part in resource.walk():
        sync, async_ = resource_classes(part)
        mixed, extra = custom_parts(part, sync)
        members = (
            [name for name, _, _ in part.methods]
            + mixed
            + [child.name for child in part.children]
            + (list(VIEWS) if part.endpoints else [])
        )
        # In the map's order (methods, the custom module's, sub-resources, the two views); the
        # class is made by the client, not by users: no constructor shown.
        shown = {
            "members": members,
            "inherited_members": mixed,
            "group_by_category": False,
            "merge_init_into_class": False,
            "show_bases": False,
        }
        lines.append(
            directive(
                f"{part.module}.{sync}",
                heading=f"client.{part.dotted}",
                toc_label=f"client.{part.dotted}",
                **shown,
            )
        )
        asyncs.append(
            directive(
                f"{part.module}.{async_}",
                heading=f"AsyncLlamaCloud().{part.dotted}",
                toc_label=f"AsyncLlamaCloud().{part.dotted}",
                **shown,
                show_docstring_description=False,
                show_docstring_parameters=False,
                show_docstring_returns=False,
                show_docstring_raises=False,
                show_docstring_examples=False,
                show_docstring_other_parameters=False,
            )
        )
        others += [
            # With what they inherit (the fields, settled, succeeded), not their private names.
            directive(
                f"{OVERRIDES}.resources.{part.custom}.{name}",
                show_bases=False,
                inherited_members=True,
                filters=["!^_"],
            )
            for name in extra
        ]
    if others:
        lines += ["## What the helpers return", "", *others]
    lines += ["## asyncio", "", *asyncs]
    return "\n".join(lines)


def model_page(page: ModelPage) -> str:
    lines = [f"# {page.heading}", "", page.intro, ""]
    models = [name for name in page.names if not is_enum(name)]
    enums = [name for name in page.names if is_enum(name)]
    aliases = importlib.import_module(f"{GENERATED}.sdk_names").ALIASES
    for title, names in (("Models", models), ("Enums", enums)):
        if names:
            lines += [f"## {title}", ""]
        for name in names:
            lines.append(
                directive(f"{OVERRIDES}.types.{name}", heading_level=3, **_model_options(name))
            )
            official = [alias for alias, model in aliases.items() if model == name]
            if official:
                # Anchors for the official SDK's names of this model (types.BatchGetResponse).
                named = ", ".join(
                    f"`{alias}`[](){{#{OVERRIDES}.types.{alias}}}" for alias in official
                )
                lines += [f"The official SDK's names for `{name}`, in `types` too: {named}.", ""]
    return "\n".join(lines)


def _model_options(name: str) -> dict[str, Any]:
    # No signature: the fields' table says what the constructor takes. Members with a docstring
    # only: `Dict` (not its keys, the fields again), `is_final`.
    members = ["is_final"] if is_enum(name) else ["Dict"]
    return {
        "members": members,
        "show_signature": False,
        "show_bases": False,
        "show_if_no_docstring": False,
    }


def resources_overview(resources: list[Resource], spec: Mapping[str, Any]) -> str:
    lines = [
        "# Resources",
        "",
        "Every resource of the client and its methods, from `generator/resources.yaml`: current "
        "resources first, deprecated ones after. Each links to its page.",
        "",
    ]
    for resource in in_reading_order(resources, spec):
        mark = " (deprecated)" if deprecated(resource, spec) else ""
        lines += [f"## [client.{resource.name}](resources/{resource.name}.md){mark}", ""]
        for part in resource.walk():
            sync, _ = resource_classes(part)
            mixed, _ = custom_parts(part, sync)
            for method, verb, path in part.methods:
                summary = operation(spec, verb, path).get("summary", "")
                anchor = f"{part.module}.{sync}.{method}"
                lines.append(
                    f"- [`client.{part.dotted}.{method}()`][{anchor}]: {summary} "
                    f"(`{verb.upper()} {path}`)"
                )
            for method in mixed:
                lines.append(
                    f"- [`client.{part.dotted}.{method}()`][{part.module}.{sync}.{method}]"
                )
        lines.append("")
    return "\n".join(lines)


def types_overview(pages: list[ModelPage]) -> str:
    lines = [
        "# Models and enums",
        "",
        "Everything in `llama_cloud_batch.types`, one page per group: the models of each "
        "top-level resource, the variants of its unions, and the shared ones. Every model is "
        "an attrs class with the methods below; every enum is open (a value the server added "
        "since this release parses, with `.is_known` False).",
        "",
    ]
    for page in pages:
        names = ", ".join(f"[`{name}`][{OVERRIDES}.types.{name}]" for name in page.names)
        lines += [f"- [{page.title}](models/{page.slug}.md): {names}", ""]
    lines += [
        "## What every model has",
        "",
        directive(
            f"{OVERRIDES}._models.Model",
            heading="Model",
            heading_level=3,
            members=["from_dict", "to_dict", "to_json"],
            show_bases=False,
        ),
        directive(
            f"{OVERRIDES}.types.ShapeError",
            heading_level=3,
            members=False,
            show_bases=True,
        ),
    ]
    return "\n".join(lines)


def client_page() -> str:
    """What `llama_cloud_batch` exports besides errors and models: clients, pages, responses."""
    package = importlib.import_module(OVERRIDES)
    types = importlib.import_module(f"{OVERRIDES}.types")
    models = [name for name in package.__all__ if name in types.__all__]
    members = [
        name for name in package.__all__ if name not in models and not name.endswith("Error")
    ]
    waits = [name for name in members if name.endswith("WaitResult")]
    # The clients, then pages, then raw responses, each sync before async; the rest last.
    kinds = ("LlamaCloud", "Page", "Pager", "Response")
    members = sorted(
        (name for name in members if name not in waits),
        key=lambda name: (
            next((i for i, kind in enumerate(kinds) if name.endswith(kind)), len(kinds)),
            name.startswith("Async"),
        ),
    )
    links = ", ".join(
        f"[`{name}`][{OVERRIDES}.types.{name}][](){{#{OVERRIDES}.{name}}}" for name in models
    )
    wait_links = ", ".join(
        f"[`{name}`][{_defined_at(package, name)}][](){{#{OVERRIDES}.{name}}}" for name in waits
    )
    return "\n".join(
        [
            "# Clients and pages",
            "",
            "The clients, the pages listings hand out and the raw responses, as "
            "`llama_cloud_batch` exports them. It also exports the most used models "
            f"({links}), the wait helpers' results ({wait_links}), the errors "
            "([Errors](errors.md)).",
            "",
            directive(OVERRIDES, show_root_heading=False, members=members, group_by_category=False),
        ]
    )


def _defined_at(package: Any, name: str) -> str:
    value = getattr(package, name)
    return f"{value.__module__}.{value.__qualname__}"


def summary(resources: list[Resource], spec: Mapping[str, Any], pages: list[ModelPage]) -> str:
    lines = ["* [Overview](index.md)", "* [Clients and pages](client.md)", "* Resources"]
    lines.append("    * [All resources](resources.md)")
    for resource in in_reading_order(resources, spec):
        mark = " (deprecated)" if deprecated(resource, spec) else ""
        lines.append(f"    * [client.{resource.name}{mark}](resources/{resource.name}.md)")
    lines += ["* Models", "    * [All models](types.md)"]
    lines += [f"    * [{page.title}](models/{page.slug}.md)" for page in pages]
    lines += ["* [Errors](errors.md)", "* [Webhooks](webhooks.md)", "* [Testing](testing.md)"]
    return "\n".join(lines) + "\n"


def pages(map_text: str, spec: Mapping[str, Any]) -> dict[str, str]:
    """Every generated page of the reference: its path under docs/reference/, its text."""
    resources = read_map(map_text)
    groups = model_pages(resources, spec)
    written = {
        "SUMMARY.md": summary(resources, spec, groups),
        "client.md": client_page(),
        "resources.md": resources_overview(resources, spec),
        "types.md": types_overview(groups),
    }
    for resource in resources:
        written[f"resources/{resource.name}.md"] = resource_page(resource, spec)
    for group in groups:
        written[f"models/{group.slug}.md"] = model_page(group)
    return written


def write_pages(open_file: Callable[..., Any]) -> None:
    for path, text in pages(MAP.read_text(encoding="utf-8"), shipped_spec()).items():
        with open_file(f"reference/{path}", "w") as page:
            page.write(text)


if __name__ in {"__main__", "<run_path>"}:
    import mkdocs_gen_files
    from mkdocs.structure.files import InclusionLevel
    from mkdocs_gen_files.editor import FilesEditor

    write_pages(mkdocs_gen_files.open)
    # The nav's source is read by mkdocs-literate-nav, not a page of the site.
    nav_file = FilesEditor.current().files.get_file_from_path("reference/SUMMARY.md")
    if nav_file is not None:
        nav_file.inclusion = InclusionLevel.EXCLUDED
