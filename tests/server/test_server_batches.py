"""Batches (v2) on the local server: life cycle, per-file results, cancel, filters and cursor
pages, seen over raw HTTP and through client.batches."""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from llama_cloud_batch import LlamaCloud
from llama_cloud_batch.testing import BatchServer
from llama_cloud_batch.types import BatchStatus

from .conftest import KEY, unknown_value

BATCHES = "/api/v2/batches"
CONFIG = {"job": {"type": "parse_v2", "configuration_id": "cfg-1"}}


@pytest.fixture
def client(server: BatchServer) -> Iterator[LlamaCloud]:
    with LlamaCloud(api_key=KEY, base_url=server.url, max_retries=0, timeout=5.0) as made:
        yield made


def get(http: httpx.Client, batch_id: str, **params: object) -> dict:
    response = http.get(f"{BATCHES}/{batch_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict = response.json()
    return body


def walk(http: httpx.Client, **params: object) -> tuple[list[dict], list[str | None]]:
    """Every batch of a listing by its tokens, and the tokens each page named."""
    batches: list[dict] = []
    tokens: list[str | None] = []
    token = None
    for _ in range(1000):  # bounded: a listing that loops fails the test instead of hanging
        query = {**params, **({"page_token": token} if token else {})}
        response = http.get(BATCHES, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        batches.extend(page["items"])
        token = page.get("next_page_token")
        tokens.append(token)
        if not token:
            return batches, tokens
    raise AssertionError("the listing did not end")


# ----- life cycle ---------------------------------------------------------------------------


def test_a_batch_passes_through_throttled_to_completed_as_the_server_ticks(server, client):
    batch_id = server.add_batch(files=3)  # two files get a job per tick
    seen = [client.batches.get(batch_id).status]
    for _ in range(10):
        server.tick()
        seen.append(client.batches.get(batch_id).status)
        if seen[-1].is_final:
            break
    assert seen == ["PENDING", "THROTTLED", "RUNNING", "RUNNING", "COMPLETED"]
    assert not BatchStatus.THROTTLED.is_final  # the spec's x-final-values: waiting goes on
    assert all(not status.is_final for status in seen[:-1])


def test_throttling_lasts_the_ticks_asked_for_or_none(server):
    slow = server.add_batch(throttled_ticks=3)
    direct = server.add_batch(throttled_ticks=0)
    statuses = []
    for _ in range(4):
        server.tick()
        statuses.append((server.batch(slow)["status"], server.batch(direct)["status"]))
    assert [s for s, _ in statuses] == ["THROTTLED", "THROTTLED", "THROTTLED", "RUNNING"]
    assert "THROTTLED" not in [d for _, d in statuses]


def test_results_show_with_expand_only_and_only_once_the_batch_has_ended(server, client, http):
    file_ids = server.add_directory("dir-results", ["a.pdf", "b.pdf", "c.pdf"])
    created = client.batches.create(config=CONFIG, source_directory_id="dir-results")
    server.tick(3)
    running = client.batches.get(created.id, expand=["results"])
    assert running.status == "RUNNING"
    assert running.results is None  # null while it runs, as the reference says
    server.run_until_idle()
    assert client.batches.get(created.id).results is None  # not asked for
    done = client.batches.get(created.id, expand=["results"])
    assert done.status == "COMPLETED"
    assert done.results is not None
    assert [r.source_directory_file_id for r in done.results] == file_ids
    for result in done.results:
        assert result.error_message is None
        assert result.job_reference is not None
        assert result.job_reference.type == "parse_v2"
    assert len({r.job_reference.id for r in done.results if r.job_reference}) == 3
    # The array parameter goes as one key per value; a value the server does not know expands
    # nothing and is no error (the spec allows any string).
    assert get(http, created.id, expand=["other", "results"])["results"] is not None
    assert get(http, created.id, expand="other")["results"] is None
    sent = [request.query for request in server.requests_for("getBatch")]
    assert sent[0] == {"expand": ["results"]}  # what the client sent
    assert sent[-2] == {"expand": ["other", "results"]}


def test_failed_files_have_an_error_and_no_job(server):
    batch_id = server.add_batch(files=4, failed_files=2, status="COMPLETED")
    results = server.batch(batch_id)["results"]
    assert [r["job_reference"] is None for r in results] == [False, False, True, True]
    assert all(r["error_message"] for r in results[2:])
    assert server.batch(batch_id)["status"] == "COMPLETED"  # a file's failure is not the batch's


def test_a_failed_batch_ends_failed_with_no_results(server):
    batch_id = server.add_batch(files=2, outcome="FAILED")
    server.run_until_idle()
    batch = server.batch(batch_id)
    assert (batch["status"], batch["results"]) == ("FAILED", None)


def test_cancel_answers_at_once_and_the_batch_is_cancelled_once_processing_stops(server, client):
    batch_id = server.add_batch(files=6, status="RUNNING")  # about half its files done
    answered = client.batches.cancel(batch_id)
    assert answered.status == "RUNNING"  # the API does not wait for the work to stop
    server.tick()
    cancelled = client.batches.get(batch_id, expand=["results"])
    assert cancelled.status == "CANCELLED"
    # The files done before the cancel keep their results; the rest never get a job.
    assert cancelled.results is not None
    assert 0 < len(cancelled.results) < 6
    assert all(r.job_reference is not None for r in cancelled.results)
    server.tick(5)
    assert client.batches.get(batch_id, expand=["results"]) == cancelled


def test_cancel_of_a_pending_batch_and_of_a_final_one(server, client):
    pending = server.add_batch()
    client.batches.cancel(pending)
    server.tick()
    assert client.batches.get(pending, expand=["results"]).results == []
    assert client.batches.get(pending).status == "CANCELLED"
    completed = server.add_batch(status="COMPLETED")
    before = server.batch(completed)
    # A batch in a final status cannot be cancelled: the answer shows it unchanged.
    assert client.batches.cancel(completed).status == "COMPLETED"
    server.tick()
    assert server.batch(completed) == before


def test_created_through_the_api_over_a_registered_or_unknown_directory(server, http):
    names = ["one.pdf", "two.pdf"]
    file_ids = server.add_directory("dir-known", names)
    body = {
        "config": CONFIG,
        "source_directory_id": "dir-known",
        "webhook_configuration_ids": ["whc-1"],
        "webhook_configurations": [{"webhook_url": "https://example.invalid/hook"}],
    }
    created = http.post(BATCHES, json=body, params={"project_id": "proj-7"})
    assert created.status_code == 200, created.text
    batch = created.json()
    assert batch["status"] == "PENDING"
    assert (batch["project_id"], batch["source_directory_id"]) == ("proj-7", "dir-known")
    assert batch["config"] == CONFIG
    server.run_until_idle()
    results = server.batch(batch["id"])["results"]
    assert [r["source_directory_file_id"] for r in results] == file_ids
    # A directory never registered exists with default_directory_size files, as for jobs.
    other = http.post(BATCHES, json={"config": CONFIG, "source_directory_id": "dir-new"}).json()
    server.run_until_idle()
    assert len(server.batch(other["id"])["results"]) == 3
    # Projects scope reads as they do for jobs.
    assert http.get(f"{BATCHES}/{batch['id']}", params={"project_id": "proj-1"}).status_code == 404


def test_timestamps_follow_the_clock(server):
    start = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    with BatchServer(api_key=KEY, start_time=start, tick_seconds=10) as timed:
        batch_id = timed.add_batch(files=1)
        timed.tick(3)
        batch = timed.batch(batch_id)
        assert batch["created_at"] == "2025-01-02T03:04:05Z"
        assert batch["status"] == "COMPLETED"
        assert batch["updated_at"] == "2025-01-02T03:04:35Z"
        timed.tick(2)  # nothing moves any more
        assert timed.batch(batch_id)["updated_at"] == "2025-01-02T03:04:35Z"
        timed.assert_no_violations()


def test_unknown_ids_and_a_status_the_spec_does_not_know(server, http):
    missing = http.get(f"{BATCHES}/bat-nope")
    assert missing.status_code == 404
    assert "bat-nope" in missing.json()["detail"]
    assert http.post(f"{BATCHES}/bat-nope/cancel").status_code == 404
    with BatchServer(api_key=KEY) as odd:
        odd.add_batch(status=unknown_value("BatchStatus"))
        answer = httpx.get(odd.url + BATCHES, headers={"Authorization": f"Bearer {KEY}"})
        assert answer.status_code == 500  # refused: the spec's enum does not list it
        assert [v.operation_id for v in odd.violations] == ["listBatches"]


def test_every_answer_matches_the_spec(server, http, spec_errors):
    server.seed_batches(12)
    page = http.get(BATCHES, params={"page_size": 5}).json()
    assert spec_errors("BatchPage", page) == []
    for batch in server.batches():
        assert spec_errors("Batch", get(http, batch["id"], expand="results")) == []
    created = http.post(BATCHES, json={"config": CONFIG, "source_directory_id": "d"}).json()
    assert spec_errors("Batch", created) == []
    assert spec_errors("Batch", http.post(f"{BATCHES}/{created['id']}/cancel").json()) == []


def test_requests_are_validated_by_the_spec(server, http):
    bad_body = http.post(BATCHES, json={"config": {"job": {"type": "parse_v2"}}})
    assert bad_body.status_code == 422
    locs = [tuple(d["loc"]) for d in bad_body.json()["detail"]]
    assert ("body", "source_directory_id") in locs
    assert ("body", "config", "job", "configuration_id") in locs
    bad_status = http.get(BATCHES, params={"status": unknown_value("BatchStatus")})
    assert bad_status.status_code == 422
    bad_time = http.get(BATCHES, params={"created_at_on_or_after": "2025-13-01T00:00:00Z"})
    assert bad_time.status_code == 422
    assert http.get(BATCHES, params={"page_size": "ten"}).status_code == 422
    assert http.get(BATCHES, params={"expand": "results"}).status_code == 422  # not a parameter


# ----- filters ------------------------------------------------------------------------------


def test_filters_by_status_directory_project_and_creation_time(server, client):
    base = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    at = [base + datetime.timedelta(hours=hours) for hours in range(4)]
    ids = [
        server.add_batch(source_directory_id="dir-a", created_at=at[0], status="COMPLETED"),
        server.add_batch(source_directory_id="dir-b", created_at=at[1], status="RUNNING"),
        server.add_batch(source_directory_id="dir-a", created_at=at[2], project_id="proj-x"),
        server.add_batch(source_directory_id="dir-a", created_at=at[3], status="COMPLETED"),
    ]

    def listed(**filters: object) -> list[str]:
        return [batch.id for batch in client.batches.list(**filters)]

    assert listed() == ids[::-1]
    assert listed(status="COMPLETED") == [ids[3], ids[0]]
    assert listed(source_directory_id="dir-a") == [ids[3], ids[2], ids[0]]
    assert listed(project_id="proj-x") == [ids[2]]
    # Both bounds are inclusive; the client sends datetimes as ISO 8601.
    assert listed(created_at_on_or_after=at[1], created_at_on_or_before=at[2]) == ids[2:0:-1]
    assert listed(created_at_on_or_after="2025-06-01T02:00:00+00:00") == [ids[3], ids[2]]
    assert listed(created_at_on_or_before="2025-06-01T03:00:00+02:00") == [ids[1], ids[0]]
    assert listed(status="COMPLETED", source_directory_id="dir-a", page_size=1) == [
        ids[3],
        ids[0],
    ]
    assert listed(status="CANCELLED") == []


# ----- cursor pages -------------------------------------------------------------------------


def test_cursor_pages_honour_page_size_and_end_with_no_token(server, http):
    ids = server.seed_batches(20)
    batches, tokens = walk(http, page_size=7)
    assert [b["id"] for b in batches] == ids[::-1]  # newest first, each once
    assert len(tokens) == 3
    assert tokens[-1] is None
    first = http.get(BATCHES, params={"page_size": 7}).json()
    assert len(first["items"]) == 7
    # Opaque: no page number or offset a client could be tempted to compute.
    assert all(token and not token.isdigit() for token in tokens[:-1])
    exact = http.get(BATCHES, params={"page_size": 20}).json()
    assert len(exact["items"]) == 20
    assert exact.get("next_page_token") is None  # nothing after it: no token, no empty page


def test_page_size_has_a_default_and_a_ceiling(server, http):
    server.seed_batches(1200)
    for page_size in (None, 0, -3):
        params = {} if page_size is None else {"page_size": page_size}
        assert len(http.get(BATCHES, params=params).json()["items"]) == 100
    assert len(http.get(BATCHES, params={"page_size": 5000}).json()["items"]) == 1000


def test_a_batch_created_during_a_walk_neither_repeats_nor_shifts_it(server, http):
    ids = server.seed_batches(9)
    first = http.get(BATCHES, params={"page_size": 4}).json()
    server.add_batch()  # newer than all: ahead of the walk
    rest, _ = walk(http, page_size=4, page_token=first["next_page_token"])
    assert [b["id"] for b in first["items"] + rest] == ids[::-1]


def test_a_token_the_server_did_not_give_is_refused(server, http):
    server.seed_batches(3)
    for token in ("not-a-token", "MTIzNA", "", "2025-01-01T00:00:00|1"):
        answer = http.get(BATCHES, params={"page_token": token})
        assert answer.status_code == 422, token
        assert answer.json()["detail"][0]["loc"] == ["query", "page_token"]


def test_fail_every_makes_files_of_api_batches_and_items_of_api_jobs_fail(http):
    with BatchServer(api_key=KEY, fail_every=2) as failing:
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=failing.url, headers=headers, timeout=5.0) as api:
            failing.add_directory("dir-f", [f"f{n}.pdf" for n in range(5)])
            batch = api.post(BATCHES, json={"config": CONFIG, "source_directory_id": "dir-f"})
            job = api.post(
                "/api/v1/beta/batch-processing",
                json={"job_config": {}, "item_ids": ["i1", "i2", "i3", "i4"]},
            )
            helper = failing.add_batch(files=4)  # helpers say for themselves what fails
            failing.run_until_idle()
            results = failing.batch(batch.json()["id"])["results"]
            assert [r["error_message"] is not None for r in results] == [
                False,
                True,
                False,
                True,
                False,
            ]
            assert all(r["job_reference"] is None for r in results if r["error_message"])
            items = failing.items(job.json()["id"])
            assert [i["status"] for i in items] == ["completed", "failed"] * 2
            assert failing.jobs()[0]["failed_items"] == 2
            assert all(r["error_message"] is None for r in failing.batch(helper)["results"])
        failing.assert_no_violations()
    with pytest.raises(ValueError, match="fail_every"):
        BatchServer(fail_every=0)


def test_the_command_line_serves_sample_batches_and_fails_every_nth_file():
    options = ["--port", "0", "--batches", "4", "--jobs", "0", "--fail-every", "2"]
    options += ["--auto-tick", "0.02", "--api-key", KEY, "--duration", "60"]
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cloud_batch.testing", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=url, headers=headers, timeout=5.0) as api:
            assert len(api.get(BATCHES).json()["items"]) == 4
            created = api.post(BATCHES, json={"config": CONFIG, "source_directory_id": "d"})
            path = f"{BATCHES}/{created.json()['id']}"
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                batch = api.get(path, params={"expand": "results"}).json()
                if batch["status"] == "COMPLETED":
                    break
                time.sleep(0.02)
        failed = [r["error_message"] is not None for r in batch["results"]]
        assert failed == [False, True, False]  # a directory the server made up: 3 files
    finally:
        process.terminate()
        process.wait(10)
