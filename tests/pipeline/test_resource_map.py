"""The client surface comes from the spec and generator/resources.yaml: adding an operation and
its one map line gives working sync and async methods, and generation stops with one line
naming the operation when the spec and the map disagree or a spec cannot be rendered.

Each test works on a scratch copy of spec/, generator/ and overrides/ with operations of its own,
so none depends on today's list of operations.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
JOBS = "/api/v1/beta/batch-processing"
RETRY = f"{JOBS}/{{job_id}}/retry"
JOB = f"{JOBS}/{{job_id}}"

Spec = dict[str, Any]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    for name in ("spec", "generator", "overrides"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", root / "pyproject.toml")  # the generator's pins
    return root


@pytest.fixture
def spec(repo: Path) -> Spec:
    data: Spec = yaml.safe_load((repo / "spec" / "openapi.yaml").read_text())
    return data


@pytest.fixture
def resource_map(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((repo / "generator" / "resources.yaml").read_text())
    return data


def batch_methods(resource_map: dict[str, Any]) -> dict[str, Any]:
    methods: dict[str, Any] = resource_map["resources"]["beta"]["subresources"]["batch"]["methods"]
    return methods


def generate(
    repo: Path, spec: Spec, resource_map: dict[str, Any], where: Path
) -> subprocess.CompletedProcess[str]:
    where.mkdir(parents=True, exist_ok=True)
    spec_path, map_path = where / "openapi.yaml", where / "resources.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    map_path.write_text(yaml.safe_dump(resource_map, sort_keys=False))
    command = [sys.executable, str(repo / "generator" / "generate.py")]
    command += ["--spec", str(spec_path), "--resources", str(map_path)]
    command += ["--output", str(where / "out")]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=repo
    )


def one_line_failure(completed: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed generation printed (no traceback)."""
    assert completed.returncode == 1, completed.stdout + completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    return lines[0]


def retry_operation(status: str = "201") -> dict[str, Any]:
    return {
        "operationId": "retryBatchJob",
        "tags": ["Batch"],
        "summary": "Retry a batch job",
        "description": "Runs the failed items of a batch job again.",
        "parameters": [
            {
                "name": "job_id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "The batch job's ID.",
            },
            {
                "name": "project_id",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "The project to act in.",
            },
        ],
        "responses": {
            status: {
                "description": "The job, running again.",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BatchJob"}}
                },
            }
        },
    }


def delete_operation() -> dict[str, Any]:
    return {
        "operationId": "deleteBatchJob",
        "tags": ["Batch"],
        "summary": "Delete a batch job",
        "parameters": [
            {"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {"204": {"description": "Deleted; no body."}},
    }


# Runs in a fresh interpreter against the generated package: a local server on 127.0.0.1 (it
# stops with the script) answers the two new operations; the script reports what it saw.
PROBE = textwrap.dedent(
    """
    import asyncio, inspect, json, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import _llama_cloud_batch_generated
    from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud

    JOB = {"id": "bjb-1", "job_type": "parse", "project_id": "p-1", "status": "pending",
           "total_items": 2}
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self):
            seen.append(f"{self.command} {self.path}")
            if self.command == "DELETE":
                self.send_response(204)
                self.send_header("x-request-id", "req-del")
                self.end_headers()
                return
            body = json.dumps(JOB).encode()
            self.send_response(201)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    with LlamaCloud(api_key="k", base_url=url) as client:
        job = client.beta.batch.retry("bjb-1", project_id="p-1")
        deleted = client.beta.batch.delete("bjb-1")
        raw = client.beta.batch.with_raw_response.delete("bjb-1")
        raw_retry = client.beta.batch.with_raw_response.retry("bjb-1")
        report = {
            "package": _llama_cloud_batch_generated.__file__,
            "sync_type": type(job).__name__,
            "sync_id": job.id,
            "deleted": deleted,
            "raw_delete": [raw.status_code, raw.request_id, raw.parse()],
            "raw_retry": [raw_retry.status_code, raw_retry.parse().id],
            "signature": str(inspect.signature(client.beta.batch.retry)),
            "doc": inspect.getdoc(client.beta.batch.retry),
        }

    async def run_async():
        async with AsyncLlamaCloud(api_key="k", base_url=url) as client:
            job = await client.beta.batch.retry("bjb-1")
            return [type(job).__name__, job.status, await client.beta.batch.delete("bjb-1")]

    report["async"] = asyncio.run(run_async())
    report["seen"] = seen
    server.shutdown()
    print(json.dumps(report))
    """
)


def test_a_new_operation_and_its_map_line_give_working_sync_and_async_methods(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    spec["paths"][RETRY] = {"post": retry_operation("201")}
    spec["paths"][JOB]["delete"] = delete_operation()
    batch_methods(resource_map)["retry"] = f"POST {RETRY}"
    batch_methods(resource_map)["delete"] = f"DELETE {JOB}"

    completed = generate(repo, spec, resource_map, tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    output = tmp_path / "out"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=output,
        env={**env, "PYTHONPATH": str(output)},
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)

    assert Path(report["package"]).is_relative_to(output)
    assert report["sync_type"] == "BatchJob"
    assert report["sync_id"] == "bjb-1"
    assert report["deleted"] is None
    assert report["raw_delete"] == [204, "req-del", None]
    assert report["raw_retry"] == [201, "bjb-1"]
    assert report["async"] == ["BatchJob", "pending", None]
    assert report["signature"].startswith("(job_id: 'str', *, project_id: 'str | None' = None,")
    assert "retry_non_idempotent" in report["signature"]  # a POST: not idempotent
    assert "Retry a batch job" in report["doc"]
    assert "Runs the failed items of a batch job again." in report["doc"]
    assert "project_id: The project to act in." in report["doc"]
    assert report["seen"][:2] == [
        f"POST {JOBS}/bjb-1/retry?project_id=p-1",
        f"DELETE {JOBS}/bjb-1",
    ]


def test_an_operation_without_a_map_line_stops_generation_naming_it(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    spec["paths"][RETRY] = {"post": retry_operation()}

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line.startswith(
        f"generate: operation retryBatchJob (POST {RETRY}) has no place in the client"
    )
    assert "resources.yaml" in line


def test_a_map_line_naming_an_operation_the_spec_lacks_stops_generation(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    batch_methods(resource_map)["retry"] = f"POST {RETRY}"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == (
        f"generate: resources.yaml: beta.batch.retry names POST {RETRY}, which the spec does "
        "not have"
    )


def test_an_operation_without_a_success_response_is_named(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    operation = retry_operation()
    operation["responses"] = {"404": {"description": "No such job."}}
    spec["paths"][RETRY] = {"post": operation}
    batch_methods(resource_map)["retry"] = f"POST {RETRY}"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == f"generate: operation retry_batch_job (POST {RETRY}) declares no 2xx response"


def test_a_parameter_named_like_a_per_call_control_is_named(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    operation = retry_operation()
    operation["parameters"].append(
        {"name": "timeout", "in": "query", "required": False, "schema": {"type": "integer"}}
    )
    spec["paths"][RETRY] = {"post": operation}
    batch_methods(resource_map)["retry"] = f"POST {RETRY}"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == (
        f"generate: operation retry_batch_job (POST {RETRY}): parameter timeout clashes with "
        "a per-call control of that name"
    )


def test_a_spec_the_templates_cannot_render_fails_with_one_line_naming_the_operation(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    # A request body that is a bare array: the templates flatten bodies into keyword
    # arguments, which needs an object.
    operation = copy.deepcopy(retry_operation())
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}},
    }
    spec["paths"][RETRY] = {"post": operation}
    batch_methods(resource_map)["retry"] = f"POST {RETRY}"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == (
        f"generate: operation retry_batch_job (POST {RETRY}): the request body is not a JSON "
        "object of properties"
    )


def test_a_map_that_is_not_a_map_is_refused_clearly(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    batch_methods(resource_map)["retry"] = "RETRY the job"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == "generate: resources.yaml: beta.batch.retry: 'RETRY the job' is not `VERB /path`"


def test_a_success_response_that_is_not_json_is_named(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    operation = retry_operation("200")
    operation["responses"]["200"]["content"] = {"text/plain": {"schema": {"type": "string"}}}
    spec["paths"][RETRY] = {"post": operation}
    batch_methods(resource_map)["retry"] = f"POST {RETRY}"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == (
        f"generate: operation retry_batch_job (POST {RETRY}): its 200 response is not JSON "
        "(the client reads JSON or no body)"
    )


def test_a_schema_a_template_cannot_render_is_named(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    # A model template that fails on one schema, as a template change might: the failure is
    # reported as one line naming that schema, not a Jinja traceback.
    schemas = spec["components"]["schemas"]
    victim = next(name for name, schema in schemas.items() if schema.get("type") == "object")
    broken = tmp_path / "repo"
    shutil.copytree(repo, broken)
    template = broken / "generator" / "templates" / "model.py.jinja"
    template.write_text(
        template.read_text()
        + f'{{% if model.class_info.name == "{victim}" %}}{{{{ model.no_such.thing }}}}'
        "{% endif %}\n"
    )

    line = one_line_failure(generate(broken, spec, resource_map, tmp_path / "work"))

    assert line.startswith(f"generate: cannot render schema {victim}: UndefinedError: ")


def test_a_custom_resource_without_its_hand_written_module_is_named(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    resource_map["resources"]["beta"]["subresources"]["audits"] = {"custom": "audits"}

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == (
        "generate: beta.audits: custom: audits needs class AuditsMixin in "
        "overrides/llama_cloud_batch/resources/audits.py"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("with_raw_response", "beta.batch.with_raw_response: not a usable method name"),
        ("timeout", "beta.batch.timeout: not a usable method name"),
        ("audits", "beta.batch: ['audits'] is a method and a sub-resource"),
    ],
)
def test_a_method_name_that_would_shadow_something_is_refused(
    repo: Path,
    spec: Spec,
    resource_map: dict[str, Any],
    tmp_path: Path,
    name: str,
    expected: str,
) -> None:
    spec["paths"][RETRY] = {"post": retry_operation()}
    batch = resource_map["resources"]["beta"]["subresources"]["batch"]
    batch.setdefault("subresources", {})["audits"] = {}
    batch["methods"][name] = f"POST {RETRY}"

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == f"generate: resources.yaml: {expected}"


def test_a_resource_of_hand_written_methods_only_has_no_raw_views(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    """`custom:` and no `methods:` (as client.webhooks): the classes inherit the mixins and get
    no with_raw_response / with_streaming_response (there is nothing to call raw)."""
    (repo / "overrides" / "llama_cloud_batch" / "resources" / "notes.py").write_text(
        "class NotesMixin:\n    def jot(self) -> str:\n        return 'noted'\n\n\n"
        "class AsyncNotesMixin(NotesMixin):\n    pass\n"
    )
    resource_map["resources"]["beta"]["subresources"]["notes"] = {"custom": "notes"}

    completed = generate(repo, spec, resource_map, tmp_path)

    assert completed.returncode == 0, completed.stderr
    module = tmp_path / "out" / "_llama_cloud_batch_generated" / "resources" / "notes.py"
    text = module.read_text()
    assert "class Notes(NotesMixin, SyncAPIResource):" in text
    assert "class AsyncNotes(AsyncNotesMixin, AsyncAPIResource):" in text
    assert "with_raw_response" not in text
    beta = (module.parent / "beta.py").read_text()
    assert "def notes(self) -> Notes:" in beta
    assert "NotesWithRawResponse" not in beta


def test_an_empty_resource_is_refused(
    repo: Path, spec: Spec, resource_map: dict[str, Any], tmp_path: Path
) -> None:
    resource_map["resources"]["beta"]["subresources"]["nothing"] = {}

    line = one_line_failure(generate(repo, spec, resource_map, tmp_path))

    assert line == (
        "generate: resources.yaml: beta.nothing: no methods, sub-resources or `custom:` module"
    )
