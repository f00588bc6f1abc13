"""The generated methods: explicit, documented parameters taken from the spec, and the per-call
controls (timeout, max_retries, extra_headers, extra_query, extra_body) on every one of them."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest
from factories import API_KEY, job, page
from llama_cloud_batch import AsyncLlamaCloud, InternalServerError, LlamaCloud
from scripted_server import Reply, ScriptedServer
from surface_map import resource_methods, spec

CONTROLS = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")


def _resource(client: object, path: tuple[str, ...]) -> object:
    for name in path:
        client = getattr(client, name)
    return client


def _python_name(wire: str) -> str:
    return wire.replace("-", "_")


def _body_schema(operation: dict[str, Any]) -> dict[str, Any]:
    body = operation.get("requestBody")
    if not isinstance(body, dict):
        return {}
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_every_method_shows_the_specs_parameters_and_the_controls(flavour: str) -> None:
    client = LlamaCloud(api_key=API_KEY) if flavour == "sync" else AsyncLlamaCloud(api_key=API_KEY)
    for path, method, operation in resource_methods():
        parameters = inspect.signature(getattr(_resource(client, path), method)).parameters
        where = f"{'.'.join(path)}.{method}"
        assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values()), where
        for parameter in operation.get("parameters", []):
            name = _python_name(parameter["name"])
            expected = (
                inspect.Parameter.POSITIONAL_OR_KEYWORD
                if parameter["in"] == "path"
                else inspect.Parameter.KEYWORD_ONLY
            )
            assert parameters[name].kind is expected, (where, name)
        body = _body_schema(operation)
        for name in body.get("properties", {}):
            assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, (where, name)
            required = name in body.get("required", [])
            assert (parameters[name].default is inspect.Parameter.empty) is required, (where, name)
        for control in CONTROLS:
            assert parameters[control].kind is inspect.Parameter.KEYWORD_ONLY, (where, control)


def test_docstrings_come_from_the_spec() -> None:
    client = LlamaCloud(api_key=API_KEY)
    for path, method, operation in resource_methods():
        doc = inspect.getdoc(getattr(_resource(client, path), method)) or ""
        flat = " ".join(doc.split())
        assert " ".join(operation["summary"].split()) in flat
        if operation.get("description"):
            assert " ".join(operation["description"].split()) in flat
        for parameter in operation.get("parameters", []):
            if parameter.get("description"):
                described = f"{_python_name(parameter['name'])}: {parameter['description']}"
                assert " ".join(described.split()) in flat, (method, parameter["name"])


def test_extra_query_body_and_headers_are_merged_over_what_the_call_builds(
    server: ScriptedServer,
) -> None:
    server.script = lambda r: Reply(200, job(1))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        client.beta.batch.create(
            job_config={"job_name": "parse_raw_file_job"},
            directory_id="dir-1",
            project_id="p-1",
            extra_query={"beta_flag": "on", "project_id": "p-2"},
            extra_body={"priority": "high", "page_size": 7},
            extra_headers={"x-trace": "t-9"},
        )
        server.script = lambda r: Reply(200, page([], 0))
        client.beta.batch.job_items.list("bjb-1", extra_query={"sort": "name"}, limit=3)
    create, listing = server.received
    assert create.query == {"project_id": "p-2", "beta_flag": "on"}
    assert create.body == {
        "job_config": {"job_name": "parse_raw_file_job"},
        "directory_id": "dir-1",
        "priority": "high",
        "page_size": 7,
    }
    assert create.headers["x-trace"] == "t-9"
    assert listing.query == {"limit": "3", "sort": "name"}


def test_extra_query_follows_a_listing_onto_later_pages(server: ScriptedServer) -> None:
    jobs = [job(i) for i in range(3)]
    server.script = lambda r: Reply(200, page(jobs[int(r.query.get("offset", 0)) :][:2], len(jobs)))
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        walked = [j.id for j in client.beta.batch.list(limit=2, extra_query={"tenant": "t1"})]
    assert len(walked) == 3
    assert [r.query.get("tenant") for r in server.received] == ["t1", "t1"]


def test_negative_max_retries_is_refused_before_sending(server: ScriptedServer) -> None:
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with pytest.raises(ValueError, match="max_retries must be 0 or more"):
            client.beta.batch.get_status("bjb-1", max_retries=-1)
    assert server.received == []


def test_per_call_max_retries_on_a_generated_method(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    server.script = lambda r: Reply(500, {"detail": "down"})
    with LlamaCloud(api_key=API_KEY, base_url=server.url, max_retries=0) as client:
        with pytest.raises(InternalServerError):
            client.beta.batch.job_items.get_processing_results("itm-1", max_retries=3)
    assert len(server.received) == 4


async def test_async_methods_take_the_same_controls(server: ScriptedServer) -> None:
    server.script = lambda r: Reply(
        200, {"item_id": "itm-1", "item_name": "a.pdf", "processing_results": []}
    )
    async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        await client.beta.batch.job_items.get_processing_results(
            "itm-1", extra_query={"x": "1"}, extra_headers={"x-h": "v"}, timeout=5
        )
    assert server.received[0].query == {"x": "1"}
    assert server.received[0].headers["x-h"] == "v"


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_type_hints_resolve_on_every_public_method(flavour: str) -> None:
    client = LlamaCloud(api_key=API_KEY) if flavour == "sync" else AsyncLlamaCloud(api_key=API_KEY)
    paths = {path for path, _, _ in resource_methods()}
    for path in paths:
        resource = _resource(client, path)
        for name, method in inspect.getmembers(resource, inspect.ismethod):
            if not name.startswith("_"):
                hints = typing.get_type_hints(method)
                assert "return" in hints, (path, name)


def test_the_official_sdks_type_names_are_what_each_top_level_method_returns() -> None:
    from llama_cloud_batch import types

    client = LlamaCloud(api_key=API_KEY)
    for path, name, _ in resource_methods():
        if len(path) > 1:
            continue  # the official SDK names nested resources' types in submodules
        returned = typing.get_type_hints(getattr(_resource(client, path), name))["return"]
        model = (typing.get_args(returned) or (returned,))[0]  # a page's item, or the model
        suffix = f"{name.title().replace('_', '')}Response"
        aliases = [
            alias
            for alias in dir(types)
            if alias.endswith(suffix) and alias.startswith(path[0][:3].title())
        ]
        assert len(aliases) == 1, (path, name, aliases)
        assert getattr(types, aliases[0]) is model


def test_dir_lists_the_public_names_and_not_the_modules_imports() -> None:
    import llama_cloud_batch
    from llama_cloud_batch import types

    for module in (llama_cloud_batch, types):
        listed = dir(module)
        assert set(module.__all__) <= set(listed)
        assert not {"Any", "TYPE_CHECKING", "import_module"} & set(listed)
        assert not [name for name in listed if name.startswith("_") and not name.startswith("__")]
        for name in module.__all__:
            getattr(module, name)
