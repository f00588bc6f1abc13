"""Fixtures for the local server's own tests: a started server and a raw httpx client."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import referencing
import referencing.jsonschema
import yaml
from llama_cloud_batch.testing import BatchServer

KEY = "server-test-key"
JOBS = "/api/v1/beta/batch-processing"
SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def unknown_value(*enums: str) -> str:
    """A value none of the spec's enum components lists: what a newer server might send.

    Read from the spec, so a maintainer adding the value a test once used (say `queued`) does not
    turn that test's "unknown" value into a known one.
    """
    known = {value for name in enums for value in SPEC["components"]["schemas"][name]["enum"]}
    value = "added-later"
    while value in known:
        value += "-again"
    return value


UNKNOWN_STATUS = unknown_value("BatchJobStatus", "BatchItemStatus")
UNKNOWN_JOB_TYPE = unknown_value("JobType")


def every_operation() -> list[tuple[str, str]]:
    """(METHOD, path with each `{parameter}` filled in) of every operation the spec has."""
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "some-id", path))
        for path, item in SPEC["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


@pytest.fixture
def server() -> Iterator[BatchServer]:
    with BatchServer(api_key=KEY) as started:
        yield started
    # A test that breaks the spec on purpose uses its own server; here any violation is a bug.
    started.assert_no_violations()


@pytest.fixture
def http(server: BatchServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=5.0) as client:
        yield client


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's backoff sleeps, recorded instead of slept (the server never calls sleep)."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.fixture(scope="session")
def spec_errors() -> Any:
    """Checks a body against a component of spec/openapi.yaml, read here independently of the
    server's own loader, so a server that validated against the wrong thing would be caught."""
    resource = referencing.Resource.from_contents(
        SPEC, default_specification=referencing.jsonschema.DRAFT202012
    )
    registry = referencing.Registry().with_resource("urn:spec", resource)

    def errors(component: str, instance: Any) -> list[str]:
        schema = {"$ref": f"urn:spec#/components/schemas/{component}"}
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
        return [error.message for error in validator.iter_errors(instance)]

    return errors
