"""What a deprecated operation tells its callers: one DeprecationWarning a call, at the caller's
line, naming the successor the spec's x-replaced-by gives; a docstring note; typing's
@deprecated marker. Deprecated operations are read from the spec the package ships, so a new
deprecation is covered by regeneration alone.
"""

from __future__ import annotations

import inspect
import json
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from factories import API_KEY, job, page
from llama_cloud_batch import LlamaCloud
from scripted_server import Received, Reply, ScriptedServer

SPEC: dict[str, Any] = json.loads(
    resources.files("_llama_cloud_batch_generated").joinpath("openapi.json").read_text()
)
ROOT = Path(__file__).resolve().parents[2]


def map_methods() -> dict[str, str]:
    """operationId -> the client method generator/resources.yaml makes of it (beta.batch.list)."""
    where: dict[str, str] = {}

    def walk(resources: dict[str, Any], prefix: str) -> None:
        for name, body in resources.items():
            for method, line in (body.get("methods") or {}).items():
                endpoint = line if isinstance(line, str) else line["endpoint"]
                where[endpoint] = f"{prefix}{name}.{method}"
            walk(body.get("subresources") or {}, f"{prefix}{name}.")

    walk(yaml.safe_load((ROOT / "generator" / "resources.yaml").read_text())["resources"], "")
    return {
        operation["operationId"]: where[f"{verb.upper()} {path}"]
        for path, item in SPEC["paths"].items()
        for verb, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }


MAP_METHODS = map_methods()


def operations() -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for item in SPEC["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


DEPRECATED = sorted(name for name, op in operations().items() if op.get("deprecated"))


def method_of(client: LlamaCloud, dotted: str) -> Any:
    target: Any = client
    for name in dotted.split("."):
        target = getattr(target, name)
    return target


# A call of each deprecated method with arguments it accepts, by its place in the client.
CALLS: dict[str, Any] = {
    "beta.batch.list": lambda c: c.beta.batch.list(),
    "beta.batch.create": lambda c: c.beta.batch.create(
        job_config={"job_name": "parse_raw_file_job"}, directory_id="dir-1"
    ),
    "beta.batch.get_status": lambda c: c.beta.batch.get_status("bjb-1"),
    "beta.batch.cancel": lambda c: c.beta.batch.cancel("bjb-1"),
    "beta.batch.job_items.list": lambda c: c.beta.batch.job_items.list("bjb-1"),
    "beta.batch.job_items.get_processing_results": (
        lambda c: c.beta.batch.job_items.get_processing_results("itm-1")
    ),
}


def answer(request: Received) -> Reply:
    if request.path.endswith("/cancel"):
        return Reply(
            200, {"job_id": "bjb-1", "message": "ok", "processed_items": 0, "status": "cancelled"}
        )
    if "processing-results" in request.path:
        return Reply(200, {"item_id": "itm-1", "item_name": "a.pdf", "processing_results": []})
    if request.path.endswith("/items"):
        return Reply(200, page([], 0))
    if request.path.endswith("/bjb-1"):
        return Reply(200, {"job": job(1), "progress_percentage": 0.0})
    if request.method == "POST":
        return Reply(200, job(1))
    return Reply(200, page([job(1)], 1))


def test_the_spec_deprecates_the_beta() -> None:
    assert DEPRECATED  # what the tests below check exists


@pytest.mark.parametrize("operation_id", DEPRECATED)
def test_a_deprecated_operation_warns_once_a_call_naming_its_successor(
    server: ScriptedServer, operation_id: str
) -> None:
    server.script = answer
    successor = operations()[operation_id].get("x-replaced-by")
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            CALLS[MAP_METHODS[operation_id]](client)
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1, [str(w.message) for w in deprecations]
    (warning,) = deprecations
    assert warning.filename == __file__  # the caller's line, not the package's
    message = str(warning.message)
    assert f"client.{MAP_METHODS[operation_id]}() is deprecated" in message
    if successor:
        assert f"use client.{MAP_METHODS[successor]}() instead" in message


@pytest.mark.parametrize("operation_id", DEPRECATED)
def test_a_deprecated_operation_says_so_in_its_docstring_and_marker(operation_id: str) -> None:
    with LlamaCloud(api_key=API_KEY, base_url="http://127.0.0.1:9") as client:
        method = method_of(client, MAP_METHODS[operation_id])
    doc = inspect.getdoc(method) or ""
    assert "Deprecated:" in doc
    assert getattr(method, "__deprecated__", None)  # PEP 702: editors strike it through


def test_a_successor_does_not_warn(server: ScriptedServer) -> None:
    server.script = lambda request: Reply(200, {"items": [], "next_page_token": None})
    with LlamaCloud(api_key=API_KEY, base_url=server.url) as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert list(client.batches.list()) == []


def test_the_wait_helpers_old_timeout_argument_shows_plainly_in_their_signature() -> None:
    client = LlamaCloud(api_key=API_KEY)
    for method in (client.beta.batch.wait_for_completion, client.beta.batch.wait_for_many):
        parameter = inspect.signature(method).parameters["timeout"]
        assert repr(parameter.default) == "NOT_GIVEN"
        assert "object at" not in str(inspect.signature(method))


def test_an_async_deprecated_method_warns_at_the_caller_and_still_returns_a_coroutine(
    server: ScriptedServer,
) -> None:
    import asyncio

    from llama_cloud_batch import AsyncLlamaCloud

    server.script = answer

    async def main() -> None:
        async with AsyncLlamaCloud(api_key=API_KEY, base_url=server.url) as client:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await client.beta.batch.get_status("bjb-1")
            (warning,) = [w for w in caught if issubclass(w.category, DeprecationWarning)]
            assert warning.filename == __file__
            assert getattr(client.beta.batch.get_status, "__deprecated__", None)

    asyncio.run(main())


def test_a_first_sync_call_loads_neither_asyncio_nor_the_waiting_engine() -> None:
    # The beta's async methods are deprecated too: marking them must not import asyncio (which
    # typing_extensions' marker does on Python 3.11) into a program that never uses it. And a
    # program that only lists does not pay for importing the waits' engine or their results.
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from llama_cloud_batch import LlamaCloud\n"
        "client = LlamaCloud(api_key='k', base_url='http://127.0.0.1:9')\n"
        "client.beta.batch, client.batches, client.beta.batch.list, client.batches.wait_for_many\n"
        "waits = ('llama_cloud_batch._waiting', 'llama_cloud_batch.resources.wait_results')\n"
        "print('asyncio' in sys.modules, *(name in sys.modules for name in waits))\n"
        "client.batches.wait_for_many([], max_wait=0)\n"
        "print(*(name in sys.modules for name in waits))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.splitlines() == ["False False False", "True True"]
