"""A new top-level resource reaches users by the spec and its map lines alone: a cursor-paged
list with a date-time filter and an array query parameter, a create and a get, called sync,
async and raw against a stub, with no hand-written line; the surface tests pass for it. And
what generation refuses, with one line each: a query parameter no query string can carry, a
top-level resource the client cannot take, hand-written code importing what a removed
operation took away.

Each test works on a scratch copy of the repository's spec, generator, hand-written package and
client tests.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("spec", "generator", "overrides", "pyproject.toml", "tests/conftest.py", "tests/client")
WIDGETS = "/api/v9/widgets"

Spec = dict[str, Any]


def _json_body(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def add_widgets(spec: Spec) -> None:
    """The new resource: three operations and the schemas they name."""
    spec["paths"][WIDGETS] = {
        "get": {
            "operationId": "listWidgets",
            "summary": "List widgets",
            "description": "Lists widgets, newest first, a page at a time.",
            "parameters": [
                _query("page_size", {"type": "integer"}, "Largest number of widgets a page."),
                _query("page_token", {"type": "string"}, "Where the listing goes on."),
                _query(
                    "made_after",
                    {"type": "string", "format": "date-time"},
                    "Only widgets made after this time.",
                ),
                _query(
                    "tags",
                    {"type": "array", "items": {"type": "string"}},
                    "Only widgets with all of these tags.",
                ),
            ],
            "responses": {"200": {"description": "A page.", "content": _json_body("WidgetPage")}},
        },
        "post": {
            "operationId": "createWidget",
            "summary": "Create a widget",
            "requestBody": {"required": True, "content": _json_body("WidgetCreate")},
            "responses": {"201": {"description": "The widget.", "content": _json_body("Widget")}},
        },
    }
    spec["paths"][f"{WIDGETS}/{{widget_id}}"] = {
        "get": {
            "operationId": "getWidget",
            "summary": "Get a widget",
            "parameters": [
                {
                    "name": "widget_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                    "description": "The widget's ID.",
                }
            ],
            "responses": {"200": {"description": "The widget.", "content": _json_body("Widget")}},
        }
    }
    spec["components"]["schemas"].update(
        {
            "Widget": {
                "title": "Widget",
                "type": "object",
                "required": ["id", "type"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string"},
                    "made_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "WidgetPage": {
                "title": "WidgetPage",
                "type": "object",
                "required": ["items"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Widget"}},
                    "next_page_token": {"type": ["string", "null"]},
                },
            },
            "WidgetCreate": {
                "title": "WidgetCreate",
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    )


WIDGET_LINES = {
    "methods": {
        "list": {"endpoint": f"GET {WIDGETS}", "paginate": {"style": "cursor", "key": "id"}},
        "create": f"POST {WIDGETS}",
        "get": f"GET {WIDGETS}/{{widget_id}}",
    }
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in COPIED:
        source, target = ROOT / name, root / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        else:
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def edit(repo: Path, spec_change: Any = None, map_change: Any = None) -> None:
    """Changes the copy's spec and map in place (the hand-written package is written against
    them)."""
    spec_path, map_path = repo / "spec" / "openapi.yaml", repo / "generator" / "resources.yaml"
    spec, resources = yaml.safe_load(spec_path.read_text()), yaml.safe_load(map_path.read_text())
    if spec_change:
        spec_change(spec)
    if map_change:
        map_change(resources)
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    map_path.write_text(yaml.safe_dump(resources, sort_keys=False))


def generate(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "generator" / "generate.py"), "--output", str(repo / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=repo,
    )


def one_line(completed: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines a refused generation printed: no traceback, one line per problem."""
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    return [line for line in completed.stderr.splitlines() if line.strip()]


def environment(repo: Path) -> dict[str, str]:
    """The copy's generated package ahead of the installed one, its hand-written one too."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return {**env, "PYTHONPATH": os.pathsep.join([str(repo / "out"), str(repo / "overrides")])}


PROBE = textwrap.dedent(
    """
    import asyncio, datetime, inspect, json, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    import _llama_cloud_batch_generated
    from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud

    WIDGETS = [{"id": f"w-{i}", "type": "gear", "made_at": None} for i in range(5)]
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            seen.append([self.command, parts.path, query, body])
            if self.command == "POST":
                status, answer = 201, {"id": "w-new", "type": body["type"], "made_at": None}
            elif parts.path.endswith("/widgets"):
                start = int(query.get("page_token", ["0"])[0])
                status = 200
                answer = {"items": WIDGETS[start:start + 2],
                          "next_page_token": str(start + 2) if start + 2 < len(WIDGETS) else None}
            else:
                status, answer = 200, {"id": parts.path.rsplit("/", 1)[1], "type": "gear"}
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    after = datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc)

    report = {"package": _llama_cloud_batch_generated.__file__}
    with LlamaCloud(api_key="k", base_url=url) as client:
        report["sync"] = [w.id for w in client.widgets.list(made_after=after, tags=["a", "b"])]
        first = client.widgets.with_raw_response.list(tags=["c"])
        report["raw"] = [first.status_code, [w.id for w in first.parse()]]
        made = client.widgets.create(type="gear", tags=["x"])
        report["create"] = [type(made).__name__, made.id, made.type]
        report["get"] = client.widgets.get("w-3").id
        report["signature"] = str(inspect.signature(client.widgets.list))
        report["doc"] = inspect.getdoc(client.widgets.list)

    from llama_cloud_batch import types
    report["sdk_names"] = {
        name: getattr(types, name).__name__
        for name in ("WidgetListResponse", "WidgetCreateResponse", "WidgetGetResponse")
        if name in dir(types)
    }

    async def run_async():
        async with AsyncLlamaCloud(api_key="k", base_url=url) as client:
            walked = [w.id async for w in client.widgets.list(page_size=2)]
            return [walked, (await client.widgets.get("w-1")).id]

    report["async"] = asyncio.run(run_async())
    report["seen"] = seen
    server.shutdown()
    print(json.dumps(report))
    """
)


def test_a_new_resource_is_called_sync_async_and_raw_with_no_hand_written_line(
    repo: Path,
) -> None:
    edit(repo, add_widgets, lambda m: m["resources"].__setitem__("widgets", WIDGET_LINES))
    completed = generate(repo)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=repo,
        env=environment(repo),
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)

    assert Path(report["package"]).is_relative_to(repo / "out")
    every = [f"w-{i}" for i in range(5)]
    assert report["sync"] == every
    assert report["raw"] == [200, every]
    assert report["async"] == [every, "w-1"]
    assert report["create"] == ["Widget", "w-new", "gear"]
    assert report["get"] == "w-3"
    # The official SDK's names for what each method returns (a listing's item), by its rule.
    assert report["sdk_names"] == dict.fromkeys(
        ("WidgetListResponse", "WidgetCreateResponse", "WidgetGetResponse"), "Widget"
    )
    first, second = report["seen"][0], report["seen"][1]
    # The date-time as ISO 8601 with its offset, the array as repeated keys, and the filters
    # follow the walk onto its later pages.
    assert first[2] == {"made_after": ["2026-01-02T00:00:00+00:00"], "tags": ["a", "b"]}
    assert second[2] == {**first[2], "page_token": ["2"]}
    assert ["POST", WIDGETS, {}, {"type": "gear", "tags": ["x"]}] in report["seen"]
    assert "made_after: 'datetime.datetime | str | None' = None" in report["signature"]
    assert "tags: 'builtins.list[str] | None' = None" in report["signature"]
    assert "Lists widgets, newest first, a page at a time." in report["doc"]
    assert "tags: Only widgets with all of these tags." in report["doc"]

    # The client's own surface tests, run on the copy: explicit parameters and docstrings from
    # the spec, for every method of the map, the new ones included.
    surface = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/client/test_generated_surface.py",
            "-k", "shows_the_specs_parameters or docstrings_come_from_the_spec",
        ],
        capture_output=True, text=True, timeout=300, check=False, cwd=repo,
        env=environment(repo),
    )  # fmt: skip
    assert surface.returncode == 0, surface.stdout[-3000:]
    assert "3 passed" in surface.stdout


def test_a_query_parameter_no_query_string_can_carry_is_refused(repo: Path) -> None:
    def spec_change(spec: Spec) -> None:
        add_widgets(spec)
        spec["paths"][WIDGETS]["get"]["parameters"].append(
            _query("where", {"type": "object", "properties": {"a": {"type": "string"}}}, "x")
        )

    edit(repo, spec_change, lambda m: m["resources"].__setitem__("widgets", WIDGET_LINES))
    (line,) = one_line(generate(repo))
    assert line == (
        f"generate: operation list_widgets (GET {WIDGETS}): query parameter where: a query "
        "string cannot carry an object (only scalars, date-times, enum values, or a list of one "
        "of those)"
    )


def test_a_schema_taking_an_official_sdk_type_name_is_refused(repo: Path) -> None:
    def spec_change(spec: Spec) -> None:
        add_widgets(spec)
        schemas = spec["components"]["schemas"]
        schemas["WidgetGetResponse"] = {"type": "object", "properties": {}}

    edit(repo, spec_change, lambda m: m["resources"].__setitem__("widgets", WIDGET_LINES))
    (line,) = one_line(generate(repo))
    assert line == (
        "generate: widgets.get: the official SDK's name WidgetGetResponse for what it returns is "
        "a schema of the spec: rename the schema"
    )


@pytest.mark.parametrize("name", ["copy", "timeout"])
def test_a_top_level_resource_the_client_cannot_take_is_refused(repo: Path, name: str) -> None:
    edit(repo, add_widgets, lambda m: m["resources"].__setitem__(name, WIDGET_LINES))
    (line,) = one_line(generate(repo))
    assert line == f"generate: resources.yaml: {name}: the client has an attribute of that name"


def test_hand_written_imports_of_a_removed_operation_are_refused_naming_the_files(
    repo: Path,
) -> None:
    removed = "/api/v1/beta/batch-processing/items/{item_id}/processing-results"

    def spec_change(spec: Spec) -> None:
        del spec["paths"][removed]
        del spec["components"]["schemas"]["ItemProcessingResults"]

    def map_change(resources: dict[str, Any]) -> None:
        items = resources["resources"]["beta"]["subresources"]["batch"]["subresources"]
        del items["job_items"]["methods"]["get_processing_results"]

    edit(repo, spec_change, map_change)
    lines = one_line(generate(repo))
    assert lines
    # Imported from the generated package, or used as types.ItemProcessingResults.
    assert all(
        re.search(
            r": (imports ItemProcessingResults from _llama_cloud_batch_generated\.models|uses "
            r"types\.ItemProcessingResults), which the spec no longer makes$",
            line,
        )
        for line in lines
    ), lines
    files = {line.removeprefix("generate: ").split(":")[0] for line in lines}
    assert "overrides/llama_cloud_batch/resources/batch.py" in files


def test_removing_a_resource_lists_the_hand_written_code_that_goes_with_it(repo: Path) -> None:
    old_map = yaml.safe_load((repo / "generator" / "resources.yaml").read_text())
    new_map = copy.deepcopy(old_map)
    del new_map["resources"]["batches"]
    (repo / "new-resources.yaml").write_text(yaml.safe_dump(new_map))
    spec = repo / "spec" / "openapi.yaml"
    completed = subprocess.run(
        [
            sys.executable, str(repo / "generator" / "spec_diff.py"), str(spec), str(spec),
            "--old-resources", str(repo / "generator" / "resources.yaml"),
            "--new-resources", str(repo / "new-resources.yaml"),
            "--overrides", str(repo / "overrides" / "llama_cloud_batch"),
        ],
        capture_output=True, text=True, timeout=120, check=False, cwd=repo,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    report = completed.stdout
    assert "Hand-written code that goes with a removed resource:" in report
    assert "client.batches is gone:" in report
    mixins = next(line for line in report.splitlines() if "its mixins" in line)
    assert "resources/batches.py" in mixins
    assert "wait_for_completion" in mixins
