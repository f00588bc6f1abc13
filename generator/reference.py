"""Derive the reference structure of the API (tests/data/reference/) from the official SDK.

The official `llama-cloud` SDK is the reference for what the API's requests and answers look
like. Which operations to read comes from the resource map (generator/resources.yaml): each
method's dotted path there (`beta.batch.list`, `batches.get`) is also the SDK's, unless
SDK_METHODS below says otherwise. Each top-level resource is read from the SDK release pinned for
it in generator/reference.toml (the last release that had it), one release per run, since two
releases cannot be imported in one process. This script reads the installed release by
introspection, so the reference is never kept by hand:

- `<method>.route`: the HTTP method and path template, recorded by calling the SDK method
  against a transport that captures the request instead of sending it;
- `<method>.response` / `<method>.item`: the JSON Schema pydantic makes of the method's return
  type (for a listing, of one item of its page);
- `<method>.query` / `<method>.body_and_query`: the JSON Schema of the params TypedDict the SDK
  method builds its request from (`body_and_query` when the request carries a body: body, query
  and header parameters).

Titles and descriptions are dropped: the files hold structure, not prose.

    nox -s reference                                 # every pinned release, each file rewritten
    python generator/reference.py --sdk 2.13.0       # the installed release, which must be 2.13.0
    python generator/reference.py --sdk 2.13.0 --output -   # print it instead
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import inspect
import json
import re
import sys
import tomllib
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

ROOT = Path(__file__).resolve().parents[1]
MAP_PATH = ROOT / "generator" / "resources.yaml"
PINS_PATH = ROOT / "generator" / "reference.toml"
OUTPUT_DIR = ROOT / "tests" / "data" / "reference"
SDK = "llama-cloud"
PROSE = frozenset({"title", "description"})

# Map methods whose path on the official SDK's client differs from theirs in the map:
# map path -> SDK path. Empty while every map method is where the SDK has it.
SDK_METHODS: dict[str, str] = {}

# A params TypedDict as an SDK method names it in its body: `batch_list_params.BatchListParams`.
PARAMS_NAME = re.compile(r"\b(\w+_params)\.(\w+Params)\b")
# Values for a method's required arguments when its request is recorded: a path argument gets
# a marker that is turned back into `{name}` in the recorded path, a body argument an empty one.
PATH_MARKER = "REFERENCE-PATH-ARGUMENT-"


@dataclass(frozen=True)
class MapMethod:
    """One method of the resource map."""

    path: str  # dotted, from the client: beta.batch.job_items.list
    verb: str  # GET, POST, ...
    route: str  # the path template: /api/v1/beta/batch-processing/{job_id}/items

    @property
    def resource(self) -> str:
        """The top-level resource it belongs to, which selects its SDK release."""
        return self.path.split(".", 1)[0]

    @property
    def endpoint(self) -> str:
        return f"{self.verb} {self.route}"


def map_methods(document: Mapping[str, Any]) -> list[MapMethod]:
    """Every method of a resource map (the parsed resources.yaml), in the map's order."""

    def walk(prefix: str, resource: Mapping[str, Any]) -> Iterator[MapMethod]:
        for name, line in (resource.get("methods") or {}).items():
            endpoint = line["endpoint"] if isinstance(line, Mapping) else line
            verb, _, route = str(endpoint).partition(" ")
            yield MapMethod(f"{prefix}{name}", verb.upper(), route.strip())
        for name, child in (resource.get("subresources") or {}).items():
            yield from walk(f"{prefix}{name}.", child)

    return [
        method
        for name, resource in (document.get("resources") or {}).items()
        for method in walk(f"{name}.", resource)
    ]


def load_map(path: Path = MAP_PATH) -> list[MapMethod]:
    document = yaml.safe_load(path.read_text())
    if not isinstance(document, Mapping):
        raise ValueError(f"{path}: not a resource map")
    return map_methods(document)


def load_pins(path: Path = PINS_PATH) -> dict[str, str]:
    """Top-level resource -> the SDK version it is checked against."""
    with path.open("rb") as file:
        pins = tomllib.load(file).get("pins", {})
    return {str(resource): str(version) for resource, version in pins.items()}


def structure_path(version: str, directory: Path = OUTPUT_DIR) -> Path:
    return directory / f"{SDK}-{version}.json"


def methods_for(version: str, methods: list[MapMethod], pins: Mapping[str, str]) -> list[MapMethod]:
    """The map methods read from SDK `version`; every top-level resource must have a pin."""
    unpinned = sorted({method.resource for method in methods} - set(pins))
    if unpinned:
        raise ValueError(
            f"top-level resource(s) {', '.join(unpinned)} of the map have no SDK pin in "
            f"{PINS_PATH.name}"
        )
    chosen = [method for method in methods if pins[method.resource] == version]
    if not chosen:
        raise ValueError(f"no resource of the map is pinned to {SDK} {version}")
    return chosen


# -- reading the SDK ----------------------------------------------------------------------


class _Captured(Exception):
    """Raised by the capturing transport to stop the SDK after the request is built."""


@dataclass
class Route:
    method: str
    path: str
    has_body: bool


def sdk_method(client: Any, method: MapMethod) -> Any:
    """The SDK's bound method for a map method."""
    dotted = SDK_METHODS.get(method.path, method.path)
    bound: Any = client
    for attribute in dotted.split("."):
        if not hasattr(bound, attribute):
            raise RuntimeError(
                f"{method.path}: the SDK has no `{dotted}`; if it names the method otherwise, "
                "add it to SDK_METHODS in generator/reference.py"
            )
        bound = getattr(bound, attribute)
    return bound


def params_type(bound: Any) -> Any:
    """The params TypedDict the SDK method builds its request from, or None if it has none."""
    function = inspect.unwrap(getattr(bound, "__func__", bound))
    names = set(PARAMS_NAME.findall(inspect.getsource(function)))
    if len(names) > 1:
        raise RuntimeError(f"{function.__qualname__}: more than one params type: {sorted(names)}")
    if not names:
        return None
    module, name = names.pop()
    return getattr(function.__globals__[module], name)


def strip_prose(schema: Any) -> Any:
    """The schema without titles and descriptions (property *names* `title` stay)."""
    if isinstance(schema, Mapping):
        return {
            key: (
                {name: strip_prose(value) for name, value in child.items()}
                if key in ("properties", "$defs")
                else strip_prose(child)
            )
            for key, child in schema.items()
            if key not in PROSE
        }
    if isinstance(schema, list):
        return [strip_prose(each) for each in schema]
    return schema


def record_route(client_factory: Callable[[Any], Any], method: MapMethod) -> Route:
    """Calls the SDK method through a capturing transport and reads back method and path."""
    httpx = importlib.import_module("httpx")
    sdk = importlib.import_module("llama_cloud")
    captured: list[Any] = []

    def capture(request: Any) -> Any:
        captured.append(request)
        raise _Captured

    bound = sdk_method(client_factory(httpx.Client(transport=httpx.MockTransport(capture))), method)
    arguments: list[str] = []
    keywords: dict[str, Any] = {}
    for name, parameter in inspect.signature(bound).parameters.items():
        if parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            arguments.append(PATH_MARKER + name)
        else:
            keywords[name] = {}
    try:
        bound(*arguments, **keywords)
    except sdk.APIConnectionError as error:
        if not isinstance(error.__cause__, _Captured) and not captured:
            raise
    if len(captured) != 1:
        raise RuntimeError(f"{method.path}: expected one request, saw {len(captured)}")
    request = captured[0]
    path = unquote(request.url.path)
    for name in arguments:
        path = path.replace(name, "{" + name.removeprefix(PATH_MARKER) + "}")
    return Route(request.method, path, bool(request.content))


def response_model(bound: Any) -> tuple[str, Any]:
    """("response" or "item", the pydantic model) from the method's return annotation."""
    returned = typing.get_type_hints(bound)["return"]
    # A page is a pydantic generic model over the item model: a listing.
    page_item = getattr(returned, "__pydantic_generic_metadata__", {}).get("args", ())
    if page_item:
        return "item", page_item[0]
    return "response", returned


def derive(methods: list[MapMethod]) -> dict[str, Any]:
    """The structure entries of the given map methods, from the installed SDK."""
    sdk = importlib.import_module("llama_cloud")
    pydantic = importlib.import_module("pydantic")

    def client_factory(http_client: Any) -> Any:
        return sdk.LlamaCloud(
            api_key="reference", base_url="http://reference.invalid", max_retries=0,
            http_client=http_client,
        )  # fmt: skip

    structure: dict[str, Any] = {}
    for method in methods:
        route = record_route(client_factory, method)
        structure[f"{method.path}.route"] = {"method": route.method, "path": route.path}
        bound = sdk_method(client_factory(None), method)
        part, model = response_model(bound)
        structure[f"{method.path}.{part}"] = strip_prose(model.model_json_schema())
        inputs = "body_and_query" if route.has_body else "query"
        params = params_type(bound)
        schema = {"properties": {}, "type": "object"}
        if params is not None:
            schema = pydantic.TypeAdapter(params).json_schema()
        structure[f"{method.path}.{inputs}"] = strip_prose(schema)
    return dict(sorted(structure.items()))


def render(structure: Mapping[str, Any]) -> str:
    return json.dumps(structure, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sdk", required=True, metavar="VERSION", help=f"the installed {SDK} release to read"
    )
    parser.add_argument("--output", help="a file, or - for stdout (default: its file in tests/)")
    parser.add_argument(
        "--check", action="store_true", help="fail when the output file differs instead of writing"
    )
    args = parser.parse_args(argv)
    installed = importlib.metadata.version(SDK)
    if installed != args.sdk:
        print(f"{SDK} {installed} is installed, not {args.sdk}", file=sys.stderr)
        return 2
    try:
        methods = methods_for(args.sdk, load_map(), load_pins())
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    text = render(derive(methods))
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    output = Path(args.output) if args.output else structure_path(args.sdk)
    if args.check:
        if not output.exists() or output.read_text() != text:
            print(
                f"{output} is not what {SDK} {args.sdk} says: run `nox -s reference`",
                file=sys.stderr,
            )
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(f"wrote {output} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
