"""Derive tests/data/batch-processing-structure.json from the official `llama-cloud` SDK.

The official SDK (the release pinned for the benchmark, BENCH_REQUIREMENTS in noxfile.py) is
the reference for what the API's requests and answers look like. This script reads it by
introspection, so the reference is never kept by hand:

- `<op>.route`: the HTTP method and path template, recorded by calling the SDK method against
  a transport that captures the request instead of sending it;
- `<op>.response` / `<op>.item`: the JSON Schema pydantic makes of the method's return type
  (for a listing, of one item of its page);
- `<op>.query` / `<op>.body_and_query`: the JSON Schema of the method's params TypedDict
  (`body_and_query` when the request carries a body: body, query and header parameters).

Titles and descriptions are dropped: the file holds structure, not prose.

    nox -s reference                          # rewrite tests/data/batch-processing-structure.json
    python generator/reference.py --output -  # print it (needs llama-cloud and pydantic)
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "tests" / "data" / "batch-processing-structure.json"
PROSE = frozenset({"title", "description"})


@dataclass(frozen=True)
class Operation:
    """One SDK method: where it hangs on the client and which TypedDict holds its inputs."""

    key: str  # the structure file's name for it (tests/spec/structure_compare.py maps it)
    method: str  # attribute path on the client
    params: str  # module:class of the method's params TypedDict, under TYPES


TYPES = "llama_cloud.types.beta."
OPERATIONS = (
    Operation("list_jobs", "beta.batch.list", "batch_list_params:BatchListParams"),
    Operation("create_job", "beta.batch.create", "batch_create_params:BatchCreateParams"),
    Operation(
        "get_job_status", "beta.batch.get_status", "batch_get_status_params:BatchGetStatusParams"
    ),
    Operation("cancel_job", "beta.batch.cancel", "batch_cancel_params:BatchCancelParams"),
    Operation(
        "list_job_items",
        "beta.batch.job_items.list",
        "batch.job_item_list_params:JobItemListParams",
    ),
    Operation(
        "get_item_processing_results",
        "beta.batch.job_items.get_processing_results",
        "batch.job_item_get_processing_results_params:JobItemGetProcessingResultsParams",
    ),
)

# Values for a method's required arguments when its request is recorded: a path argument gets
# a marker that is turned back into `{name}` in the recorded path, a body argument an empty one.
PATH_MARKER = "REFERENCE-PATH-ARGUMENT-"


class _Captured(Exception):
    """Raised by the capturing transport to stop the SDK after the request is built."""


@dataclass
class Route:
    method: str
    path: str
    has_body: bool


def resolve(dotted: str) -> Any:
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(TYPES + module), name)


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


def record_route(client_factory: Callable[[Any], Any], operation: Operation) -> Route:
    """Calls the SDK method through a capturing transport and reads back method and path."""
    httpx = importlib.import_module("httpx")
    sdk = importlib.import_module("llama_cloud")
    captured: list[Any] = []

    def capture(request: Any) -> Any:
        captured.append(request)
        raise _Captured

    client = client_factory(httpx.Client(transport=httpx.MockTransport(capture)))
    bound: Any = client
    for attribute in operation.method.split("."):
        bound = getattr(bound, attribute)
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
        raise RuntimeError(f"{operation.method}: expected one request, saw {len(captured)}")
    request = captured[0]
    path = unquote(request.url.path)
    for name in arguments:
        path = path.replace(name, "{" + name.removeprefix(PATH_MARKER) + "}")
    return Route(request.method, path, bool(request.content))


def response_model(operation: Operation, client: Any) -> tuple[str, Any]:
    """("response" or "item", the pydantic model) from the method's return annotation."""
    bound: Any = client
    for attribute in operation.method.split("."):
        bound = getattr(bound, attribute)
    returned = typing.get_type_hints(bound)["return"]
    # A page is a pydantic generic model over the item model: a listing.
    page_item = getattr(returned, "__pydantic_generic_metadata__", {}).get("args", ())
    if page_item:
        return "item", page_item[0]
    return "response", returned


def derive() -> dict[str, Any]:
    sdk = importlib.import_module("llama_cloud")
    pydantic = importlib.import_module("pydantic")

    def client_factory(http_client: Any) -> Any:
        return sdk.LlamaCloud(
            api_key="reference", base_url="http://reference.invalid", max_retries=0,
            http_client=http_client,
        )  # fmt: skip

    structure: dict[str, Any] = {}
    for operation in OPERATIONS:
        route = record_route(client_factory, operation)
        structure[f"{operation.key}.route"] = {"method": route.method, "path": route.path}
        part, model = response_model(operation, client_factory(None))
        structure[f"{operation.key}.{part}"] = strip_prose(model.model_json_schema())
        inputs = "body_and_query" if route.has_body else "query"
        params = pydantic.TypeAdapter(resolve(operation.params)).json_schema()
        structure[f"{operation.key}.{inputs}"] = strip_prose(params)
    return dict(sorted(structure.items()))


def render(structure: Mapping[str, Any]) -> str:
    return json.dumps(structure, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="a file, or - for stdout")
    parser.add_argument(
        "--check", action="store_true", help="fail when the output file differs instead of writing"
    )
    args = parser.parse_args(argv)
    text = render(derive())
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    output = Path(args.output)
    if args.check:
        if output.read_text() != text:
            print(f"{output} is not what the SDK says: run `nox -s reference`", file=sys.stderr)
            return 1
        return 0
    output.write_text(text)
    print(f"wrote {output} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
