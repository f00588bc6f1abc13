"""schemathesis against the local server: every answer to generated requests obeys spec/.

Positive and negative cases for every operation, checked with schemathesis's standard checks
(no server errors, documented status codes and content types, bodies and headers that match
their schemas, invalid input rejected, valid input accepted, auth enforced, undeclared methods
answered 405).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import strategies as st
from llama_cloud_batch.testing import BatchServer

KEY = "contract-key"
SPEC = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
# Bounded: the whole module must stay well under two minutes on two cores.
MAX_EXAMPLES = 60

CONFIG = schemathesis.Config.from_dict(
    {
        # Deterministic: the same cases on every run (hypothesis seeded from the test, no
        # example database), so the teardown's "every operation reached a 200" holds on every
        # run or fails on every run, never one run in thirty.
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        # The key as the spec's security scheme: schemathesis then knows which header is the
        # credential, so its probes without it (or with a wrong one) really go without it.
        "auth": {"openapi": {"bearerAuth": {"bearer": KEY}}},
        "operations": [
            {
                # The spec says "give exactly one of directory_id and item_ids" in prose; its
                # JSON Schema cannot see that rule, so schemathesis calls a body with both (or
                # neither) valid. The server answers those 422, as the API does.
                "include-operation-id": "createBatchJob",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "404", "422", "429"]
                    }
                },
            },
            {
                # The local server delivers webhooks only where it can and may: a loopback http
                # URL, in a format it writes (testing/_webhooks.py). It answers 422 to an inline
                # webhook configuration it cannot deliver (no URL, another host), which the
                # schema allows; the rest of a createBatch request is checked as the spec says.
                "include-operation-id": "createBatch",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "404", "422", "429"]
                    }
                },
            },
            {
                # A page token is any string to the schema, but only one the server handed out
                # names a page: the server answers others 422, as its spec documents.
                "include-operation-id": "listBatches",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "404", "422", "429"]
                    }
                },
            },
        ],
    }
)
schema = schemathesis.openapi.from_path(SPEC, config=CONFIG)
# IDs the seeded server knows, so that most generated paths reach real jobs and items rather
# than all ending in 404. Filled by the server fixture before any case is generated.
KNOWN_IDS: dict[str, list[str]] = {"job_id": [], "item_id": [], "batch_id": []}


@schema.hook
def flatmap_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict | None
) -> st.SearchStrategy:
    if not path_parameters:  # None for operations without path parameters
        return st.just(path_parameters)
    known = [
        {**path_parameters, name: value}
        for name in path_parameters
        for value in KNOWN_IDS.get(name, [])
    ]
    if not known:
        return st.just(path_parameters)
    # Mostly the known IDs, sometimes the generated ones: a success needs a known ID and a good
    # key and query together, and a coin toss for the ID left too few on some operations.
    return st.sampled_from([*known, path_parameters])


@pytest.fixture(scope="module")
def server() -> Iterator[BatchServer]:
    # The teardown reads every request of the run: more than the default record keeps.
    with BatchServer(api_key=KEY, max_recorded_requests=1_000_000) as started:
        KNOWN_IDS["job_id"] = started.seed(12)
        KNOWN_IDS["batch_id"] = started.seed_batches(12)
        KNOWN_IDS["item_id"] = [
            item["item_id"] for job_id in KNOWN_IDS["job_id"] for item in started.items(job_id)
        ]
        yield started
    started.assert_no_violations()
    # The run reached every operation's success path, not only its error answers.
    answered = {(r.operation_id, r.status) for r in started.requests}
    missing = [
        op.operation_id
        for op in started.app.spec.operations
        if (op.operation_id, 200) not in answered
    ]
    assert missing == [], f"no generated request got a 200 from {missing}"
    # ... and schemathesis's probes without the key were refused.
    assert any(r.status == 401 and not r.authorized for r in started.requests)


@schema.parametrize()
def test_the_local_server_conforms_to_the_spec(
    case: schemathesis.Case, server: BatchServer
) -> None:
    case.call_and_validate(base_url=server.url)
