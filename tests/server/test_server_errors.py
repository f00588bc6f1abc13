"""Error answers: 401 without the key, 404 for unknown IDs, 422 with the API's detail list."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import (
    HTTP_METHODS,
    JOBS,
    KEY,
    SPEC,
    UNKNOWN_JOB_TYPE,
    UNKNOWN_STATUS,
    every_operation,
    unknown_value,
)

CLASSIFY_CONFIG = {
    "id": "cls-1",
    "project_id": "p",
    "user_id": "u",
    "status": "PENDING",
    "rules": [{"type": "a", "description": "b"}],
}
# A body the create operation would accept, so that only the missing key can be refused.
CREATE_BODY = {"job_config": {}, "item_ids": ["f"]}


@pytest.mark.parametrize(("method", "path"), every_operation())
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Not authenticated"),
        ({"Authorization": "Bearer wrong-key"}, "Invalid API key."),
        ({"Authorization": f"Basic {KEY}"}, "Invalid API key."),
        ({"Authorization": "Bearer"}, "Invalid API key."),
    ],
)
def test_every_operation_needs_the_key(server, method, path, headers, detail, spec_errors):
    job_count = len(server.jobs())
    body = CREATE_BODY if method == "POST" else None
    response = httpx.request(method, server.url + path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "Bearer"
    assert spec_errors("ErrorBody", response.json()) == []
    assert len(server.jobs()) == job_count  # nothing was created
    (record,) = server.requests
    assert record.authorized is False
    assert KEY not in str(record.headers)


def test_the_scheme_is_case_insensitive(server):
    response = httpx.get(server.url + JOBS, headers={"Authorization": f"bearer {KEY}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"{JOBS}/bjb-missing",
        f"{JOBS}/bjb-missing/items",
        f"{JOBS}/items/file-missing/processing-results",
    ],
)
def test_unknown_ids_are_404(server, http, path, spec_errors):
    server.seed(3)
    response = http.get(path)
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]
    assert spec_errors("ErrorBody", response.json()) == []


def test_cancel_of_an_unknown_job_is_404(server, http):
    assert http.post(f"{JOBS}/bjb-missing/cancel").status_code == 404


def test_unknown_paths_and_methods(server, http):
    assert http.get("/api/v1/beta/other").status_code == 404
    assert http.get("/").status_code == 404
    for path, item in SPEC["paths"].items():
        allowed = sorted(method.upper() for method in HTTP_METHODS if method in item)
        unused = next(method for method in HTTP_METHODS if method not in item)
        response = http.request(unused, re.sub(r"\{[^}]+\}", "bjb-1", path))
        assert response.status_code == 405, (unused, path)
        assert response.headers["allow"] == ", ".join(allowed)


def assert_422(response: httpx.Response, spec_errors, *expected: tuple[list, str]) -> list[dict]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert spec_errors("HTTPValidationError", body) == []
    detail = body["detail"]
    assert {(tuple(entry["loc"]), entry["type"]) for entry in detail} >= {
        (tuple(loc), kind) for loc, kind in expected
    }
    return detail


@pytest.mark.parametrize(
    ("path", "params", "loc", "kind"),
    [
        (JOBS, {"limit": "ten"}, ["query", "limit"], "int_parsing"),
        (JOBS, {"limit": "1.5"}, ["query", "limit"], "int_parsing"),
        (JOBS, {"limit": ""}, ["query", "limit"], "int_parsing"),
        (JOBS, {"limit": "0"}, ["query", "limit"], "greater_than_equal"),
        (JOBS, {"offset": "-1"}, ["query", "offset"], "greater_than_equal"),
        (JOBS, {"offset": "x"}, ["query", "offset"], "int_parsing"),
        (JOBS, {"status": UNKNOWN_STATUS}, ["query", "status"], "enum"),
        (JOBS, {"job_type": "PARSE"}, ["query", "job_type"], "enum"),
        (
            f"{JOBS}/j/items",
            {"status": unknown_value("BatchItemStatus")},
            ["query", "status"],
            "enum",
        ),
        (f"{JOBS}/j/items", {"limit": "-3"}, ["query", "limit"], "greater_than_equal"),
        (
            f"{JOBS}/items/i/processing-results",
            {"job_type": UNKNOWN_JOB_TYPE},
            ["query", "job_type"],
            "enum",
        ),
    ],
)
def test_bad_query_parameters_are_422(server, http, spec_errors, path, params, loc, kind):
    detail = assert_422(http.get(path, params=params), spec_errors, (loc, kind))
    assert all(entry["msg"] for entry in detail)


def test_every_bad_parameter_is_reported_at_once(server, http, spec_errors):
    params = {"limit": "0", "offset": "-2", "status": UNKNOWN_STATUS}
    detail = assert_422(
        http.get(JOBS, params=params),
        spec_errors,
        (["query", "limit"], "greater_than_equal"),
        (["query", "offset"], "greater_than_equal"),
        (["query", "status"], "enum"),
    )
    assert len(detail) == 3


def test_validation_comes_before_the_lookup(server, http, spec_errors):
    # An unknown job with a bad limit is a 422: the request is wrong whatever the job.
    assert_422(http.get(f"{JOBS}/missing/items", params={"limit": "x"}), spec_errors)


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"directory_id": "d"}, ["body", "job_config"], "missing"),
        ({"job_config": "parse", "directory_id": "d"}, ["body", "job_config"], "anyOf"),
        ({"job_config": {}, "item_ids": "f-1"}, ["body", "item_ids"], "array_or_null_type"),
        ({"job_config": {}, "item_ids": [1]}, ["body", "item_ids", 0], "string_type"),
        (
            {"job_config": {}, "directory_id": "d", "page_size": "9"},
            ["body", "page_size"],
            "integer_type",
        ),
        ({"job_config": {}}, ["body"], "value_error"),
        ({"job_config": {}, "directory_id": None, "item_ids": None}, ["body"], "value_error"),
        ({"job_config": {}, "directory_id": "d", "item_ids": ["f"]}, ["body"], "value_error"),
        ([], ["body"], "object_type"),
    ],
)
def test_bad_create_bodies_are_422(server, http, spec_errors, body, loc, kind):
    assert_422(http.post(JOBS, json=body), spec_errors, (loc, kind))
    assert server.jobs() == []


def test_create_checks_the_job_config_against_its_schema(server, http, spec_errors):
    bad_parse = {"job_config": {"job_name": "something_else"}, "directory_id": "d"}
    assert_422(http.post(JOBS, json=bad_parse), spec_errors, (["body", "job_config"], "anyOf"))
    classify = {"job_config": CLASSIFY_CONFIG, "directory_id": "d"}
    assert http.post(JOBS, json=classify).json()["job_type"] == "classify"
    broken_date = {
        **CLASSIFY_CONFIG,
        "created_at": "yesterday",
        "effective_at": "2024-13-01T00:00:00Z",
    }
    # A classify job with a broken timestamp is no classify job; it still fits a parse config,
    # so the API takes it as a parse job with extra properties.
    created = http.post(JOBS, json={"job_config": broken_date, "directory_id": "d"}).json()
    assert created["job_type"] == "parse"


def test_broken_and_missing_bodies(server, http, spec_errors):
    headers = {"content-type": "application/json"}
    detail = assert_422(http.post(JOBS, content=b'{"job_config": ', headers=headers), spec_errors)
    assert detail[0]["type"] == "json_invalid"
    assert detail[0]["loc"][0] == "body"
    assert_422(http.post(JOBS), spec_errors, (["body"], "missing"))
    text = {"content-type": "text/plain"}
    assert_422(
        http.post(JOBS, content=b'{"job_config": {}}', headers=text),
        spec_errors,
        (["body"], "content_type"),
    )
    job_id = server.add_job()
    assert_422(
        http.post(f"{JOBS}/{job_id}/cancel", json={"reason": 5}),
        spec_errors,
        (["body", "reason"], "string_or_null_type"),
    )
    assert server.job(job_id)["status"] == "pending"


def test_large_and_chunked_bodies(server, http):
    huge = b'{"job_config": {}, "item_ids": ["' + b"x" * (2 << 20) + b'"]}'
    response = http.post(JOBS, content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413

    def chunks():
        yield b'{"job_config": {}, '
        yield b'"item_ids": ["f-1", "f-2"]}'

    response = http.post(JOBS, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json()["total_items"] == 2
