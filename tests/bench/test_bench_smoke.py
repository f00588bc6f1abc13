"""The benchmark harness works: its server serves the API's shape, its checks catch a wrong
listing, and its quick mode runs end to end with every contender seeing every job.

Correctness only: nothing here looks at a timing. The official SDK is a contender only where it
is installed (`nox -s bench` installs it; the test environment does not need it).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import httpx
import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LIST_PATH = "/api/v1/beta/batch-processing"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):
    """The benchmarks package, importable from the repository root."""
    monkeypatch.syspath_prepend(str(ROOT))
    import benchmarks.processes
    import benchmarks.timing

    return benchmarks


def _page_schema() -> dict:
    spec = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text(encoding="utf-8"))
    # The components stay where the $refs point; the page schema is checked at the top.
    return {**spec["components"]["schemas"]["BatchJobPage"], "components": spec["components"]}


def test_server_pages_have_the_api_shape_with_every_property(bench) -> None:
    schema = _page_schema()
    # Every property of the official SDK's job model (the derived reference), so that both
    # contenders parse whole jobs; a property only the spec has yet may be left out.
    reference = json.loads(
        (ROOT / "tests" / "data" / "batch-processing-structure.json").read_text()
    )
    job_properties = set(reference["list_jobs.item"]["properties"])
    with (
        bench.processes.running_server(jobs=25, latency_ms=0) as server,
        httpx.Client(base_url=server.fast_url) as http,
    ):
        seen: list[str] = []
        offset = 0
        while offset < 25:
            page = http.get(LIST_PATH, params={"limit": 10, "offset": offset}).json()
            jsonschema.validate(page, schema)
            assert page["total_size"] == 25
            for job in page["items"]:
                assert set(job) == job_properties
                assert all(value is not None for value in job.values())
            seen += [job["id"] for job in page["items"]]
            offset += len(page["items"])
            assert (page["next_page_token"] is None) == (offset == 25)
        assert len(seen) == len(set(seen)) == 25
        past_the_end = http.get(LIST_PATH, params={"limit": 10, "offset": 30}).json()
        assert past_the_end["items"] == []
        assert http.get(LIST_PATH, params={"limit": 0}).status_code == 422
        assert http.get("/api/v1/elsewhere").status_code == 404


def test_a_listing_short_of_one_job_is_flagged(bench) -> None:
    from benchmarks.data import expected_ids

    expected = expected_ids(30)
    contest = bench.timing.Contest(
        {"whole": lambda: list(expected), "short": lambda: expected[:-1]},
        check=lambda ids: ids == expected,
    )
    samples = contest.run(rounds=2)
    assert samples["whole"].correct
    assert not samples["short"].correct
    assert len(samples["whole"].seconds) == 2


@pytest.mark.slow
def test_quick_run_sees_every_job_with_every_contender(tmp_path: Path) -> None:
    figures_path, markdown_path = tmp_path / "figures.json", tmp_path / "benchmarks.md"
    command = [sys.executable, "-m", "benchmarks", "--quick"]
    command += ["--json", str(figures_path), "--markdown", str(markdown_path)]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    payload = json.loads(figures_path.read_text(encoding="utf-8"))
    figures = payload["figures"]
    official = importlib.util.find_spec("llama_cloud") is not None
    assert payload["settings"]["official_sdk"] is official

    listing_names = {row["name"] for row in figures["listing"]}
    expected_listings = {
        "llama_cloud_batch sync",
        "llama_cloud_batch async",
        "raw httpx loop",
        "raw httpx async loop",
    }
    if official:
        expected_listings |= {
            "llama-cloud (official SDK) sync",
            "llama-cloud (official SDK) async",
        }
    assert listing_names == expected_listings
    assert len(figures["one_call"]) == (3 if official else 2)
    assert len(figures["slow_listing"]) >= 3
    assert len(figures["memory"]) == (3 if official else 2)
    for section in ("one_call", "listing", "slow_listing", "memory"):
        for row in figures[section]:
            assert row["correct"] is True, (section, row["name"])
    for row in figures["imports"]:
        assert row["samples"] == payload["settings"]["import_rounds"]
        assert row["extra"]["peak_rss_bytes"] > 0
    assert "## Targets (issue 6)" in markdown_path.read_text(encoding="utf-8")
