"""The client against Prism, a third-party mock of spec/ with request validation on.

Prism (@stoplight/prism-cli, from npm) answers every request that breaks the spec with an error
and an `sl-violations` header, and otherwise makes up a response from the spec's schemas. Every
client operation, sync and async, must pass its validation, and what it makes up must parse.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeVar

import httpx
import pytest
from llama_cloud_batch import (
    AsyncLlamaCloud,
    InternalServerError,
    LlamaCloud,
    UnprocessableEntityError,
)
from llama_cloud_batch.types import (
    BatchJob,
    BatchJobCancelResult,
    BatchJobItem,
    BatchJobProgress,
    ClassifyJob,
    ItemProcessingResults,
    JobType,
    ParseJobConfig,
)

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "openapi.yaml"
PRISM_VERSION = "5.16.0"
NPM_PREFIX = ROOT / ".cache" / "npm"
PRISM_PACKAGE = NPM_PREFIX / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
PRISM_BIN = NPM_PREFIX / "node_modules" / ".bin" / "prism"
INSTALL_TIMEOUT = 600
START_TIMEOUT = 60.0
KEY = "prism-key"
DYNAMIC = {"Prefer": "dynamic=true"}  # Prism draws random data instead of its fixed examples
# Prism refuses roughly one made-up processing-results answer in seven: 20 refusals in a row
# has odds below 1e-16.
MADE_UP_ATTEMPTS = 20
RANDOM_ROUNDS = 60
PARSE_CONFIG = {"job_name": "parse_raw_file_job", "parameters": {"lang": "en"}}
CLASSIFY_CONFIG = {
    "id": "cls-1",
    "project_id": "proj-1",
    "user_id": "user-1",
    "status": "PENDING",
    "mode": "FAST",
    "rules": [{"type": "invoice", "description": "A bill that asks for payment."}],
}


def install_prism() -> Path:
    """Prism from npm into .cache/npm (reused when that version is already there)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        skip_or_fail("Prism needs Node.js and npm, which are not installed")
    if PRISM_PACKAGE.exists() and json.loads(PRISM_PACKAGE.read_text())["version"] == PRISM_VERSION:
        return PRISM_BIN
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    installed = subprocess.run(
        [
            "npm",
            "install",
            "--prefix",
            str(NPM_PREFIX),
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            f"@stoplight/prism-cli@{PRISM_VERSION}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=INSTALL_TIMEOUT,
    )
    if installed.returncode != 0:
        skip_or_fail(
            f"npm could not install Prism (is the npm registry reachable?):\n{installed.stderr}"
        )
    return PRISM_BIN


def skip_or_fail(reason: str) -> NoReturn:
    """Locally a missing Node.js or npm registry skips these tests; in CI (CI=true) it fails."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason} (CI=true: the contract tests must run)")
    pytest.skip(f"{reason}: contract tests skipped")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Prism:
    url: str
    log: Path

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-40:])


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prism]:
    binary = install_prism()
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), "--errors", str(SPEC)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops node's children
        )
    server = Prism(f"http://127.0.0.1:{port}", log)
    try:
        wait_until_listening(process, server)
        yield server
    finally:
        stop(process)


def wait_until_listening(process: subprocess.Popen[bytes], server: Prism) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Prism exited with {process.returncode}:\n{server.log_tail()}")
        try:
            httpx.get(server.url + "/", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"Prism did not listen within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def made_up_invalid(response: httpx.Response) -> bool:
    """Prism's 500 for a response it made up and its own validation (--errors) then refused.

    Prism's faker ignores JSON Schema's if/then, so in dynamic mode it now and then invents a
    processing result whose job_config does not match its job_type, which the spec forbids.
    That is the mock failing itself, never the client's request.
    """
    if response.status_code != 500 or not response.headers.get("sl-violations"):
        return False
    violations = response.json().get("validation", [])
    return bool(violations) and all(v["location"][0] == "response" for v in violations)


class Exchanges:
    """Every response the client got, to prove each one passed Prism's request validation."""

    def __init__(self) -> None:
        self.seen: list[httpx.Response] = []

    def record(self, response: httpx.Response) -> None:
        self.seen.append(response)

    async def arecord(self, response: httpx.Response) -> None:
        self.seen.append(response)

    def assert_all_valid(self, expected: int) -> None:
        answered = [response for response in self.seen if not made_up_invalid(response)]
        assert len(answered) == expected, [str(r.request.url) for r in answered]
        for response in answered:
            request = response.request
            where = f"{request.method} {request.url}"
            assert "sl-violations" not in response.headers, (
                f"{where}: {response.headers['sl-violations']}"
            )
            assert response.status_code == 200, f"{where}: {response.status_code}"


@pytest.fixture
def exchanges() -> Exchanges:
    return Exchanges()


@pytest.fixture
def client(prism: Prism, exchanges: Exchanges) -> Iterator[LlamaCloud]:
    http = httpx.Client(event_hooks={"response": [exchanges.record]})
    with LlamaCloud(api_key=KEY, base_url=prism.url, max_retries=0, http_client=http) as made:
        yield made
    http.close()


@pytest.fixture
async def async_client(prism: Prism, exchanges: Exchanges) -> AsyncIterator[AsyncLlamaCloud]:
    http = httpx.AsyncClient(event_hooks={"response": [exchanges.arecord]})
    made = AsyncLlamaCloud(api_key=KEY, base_url=prism.url, max_retries=0, http_client=http)
    yield made
    await made.close()
    await http.aclose()


def until_prism_makes_valid(call: Callable[[], T]) -> T:
    """The call's result, asked again while Prism refuses what it made up itself."""
    for _ in range(MADE_UP_ATTEMPTS):
        try:
            return call()
        except InternalServerError as error:
            if not made_up_invalid(error.response):
                raise
    pytest.fail(f"Prism refused its own made-up response {MADE_UP_ATTEMPTS} times in a row")


@pytest.mark.parametrize("headers", [None, DYNAMIC], ids=["examples", "random"])
def test_every_operation_passes_prism_validation(client, exchanges, headers):
    batch = client.beta.batch
    page = batch.list(
        directory_id="dir-1",
        job_type="parse",
        status="running",
        limit=10,
        offset=0,
        organization_id="org-1",
        project_id="proj-1",
        extra_headers=headers,
    )
    if headers is None:
        assert page.items  # the spec's example page holds one job; random pages may be empty
    assert all(isinstance(job, BatchJob) for job in page.items)
    created = batch.create(
        job_config=PARSE_CONFIG,
        directory_id="dir-1",
        page_size=10,
        continue_as_new_threshold=5,
        project_id="proj-1",
        temporal_namespace="default",
        extra_headers=headers,
    )
    assert isinstance(created, BatchJob)
    classify = batch.create(
        job_config=CLASSIFY_CONFIG, item_ids=["f-1", "f-2"], extra_headers=headers
    )
    assert isinstance(classify, BatchJob)
    progress = batch.get_status("bjb-1", project_id="proj-1", extra_headers=headers)
    assert isinstance(progress, BatchJobProgress)
    assert 0 <= progress.progress_percentage <= 100
    assert isinstance(
        batch.cancel("bjb-1", reason="not needed", extra_headers=headers), BatchJobCancelResult
    )
    assert isinstance(batch.cancel("bjb-1", extra_headers=headers), BatchJobCancelResult)
    items = batch.job_items.list(
        "bjb-1", status="completed", limit=5, offset=0, extra_headers=headers
    )
    assert all(isinstance(item, BatchJobItem) for item in items.items)
    results = until_prism_makes_valid(
        lambda: batch.job_items.get_processing_results(
            "file-1", job_type="parse", extra_headers=headers
        )
    )
    assert isinstance(results, ItemProcessingResults)
    exchanges.assert_all_valid(8)


def test_made_up_processing_results_parse_by_job_type(client, exchanges):
    """Every processing result Prism makes up (and lets through its validation) parses, with
    job_config read as the variant its job_type names."""
    variants = {JobType.PARSE: ParseJobConfig, JobType.CLASSIFY: ClassifyJob}
    seen = 0
    for _ in range(RANDOM_ROUNDS):
        results = until_prism_makes_valid(
            lambda: client.beta.batch.job_items.get_processing_results(
                "file-1", extra_headers=DYNAMIC
            )
        )
        for result in results.processing_results or []:
            seen += 1
            if result.job_type in variants:
                assert isinstance(result.job_config, variants[result.job_type]), result
    # About one answer in four holds results, so this fails only with odds below 1e-8.
    assert seen, f"Prism made up no processing result in {RANDOM_ROUNDS} answers"
    exchanges.assert_all_valid(RANDOM_ROUNDS)


async def test_every_async_operation_passes_prism_validation(async_client, exchanges):
    batch = async_client.beta.batch
    page = await batch.list(job_type="classify", status="completed", limit=3, directory_id="d")
    assert all(isinstance(job, BatchJob) for job in page.items)
    assert isinstance(
        await batch.create(
            job_config=CLASSIFY_CONFIG, directory_id="dir-1", temporal_namespace="ns"
        ),
        BatchJob,
    )
    assert isinstance(await batch.get_status("bjb-1"), BatchJobProgress)
    assert isinstance(await batch.cancel("bjb-1", reason="r"), BatchJobCancelResult)
    items = await batch.job_items.list("bjb-1", status="failed", limit=2)
    assert all(isinstance(item, BatchJobItem) for item in items.items)
    results = await batch.job_items.get_processing_results("file-1", job_type="classify")
    assert isinstance(results, ItemProcessingResults)
    exchanges.assert_all_valid(6)


def test_iterating_a_listing_ends(client, exchanges):
    # Prism's example page says total_size 0, so walking it must stop after the first page.
    jobs = list(client.beta.batch.list(limit=2))
    assert len(jobs) == len(client.beta.batch.list(limit=2).items)
    exchanges.assert_all_valid(2)


def test_the_mock_does_validate(prism, client):
    """A control: Prism really refuses bad requests, so the tests above could fail."""
    raw = httpx.get(
        prism.url + "/api/v1/beta/batch-processing",
        params={"limit": 0},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert raw.status_code == 422
    assert "limit" in raw.headers["sl-violations"]
    with pytest.raises(ValueError, match="limit"):  # the client refuses it before sending
        client.beta.batch.list(limit=0)
    with pytest.raises(UnprocessableEntityError):  # an enum value the spec does not list
        client.beta.batch.list(status="no-such-status")
    # Prism enforces the bearer scheme too: every 200 above proves the client sent the key.
    anonymous = httpx.get(prism.url + "/api/v1/beta/batch-processing")
    assert anonymous.status_code == 401
