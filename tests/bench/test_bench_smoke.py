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
import reference
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
    beta_release = reference.load_pins()["beta"]
    structure = json.loads(reference.structure_path(beta_release).read_text())
    job_properties = set(structure["beta.batch.list.item"]["properties"])
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
    samples = contest.run(rounds=2, repeat=3)
    assert samples["whole"].correct
    assert not samples["short"].correct
    assert len(samples["whole"].cpu) == len(samples["whole"].wall) == 2
    assert samples["whole"].runs == 6


def test_a_contender_run_every_few_rounds_is_paired_with_the_same_rounds(bench) -> None:
    from benchmarks.timing import paired_ratios

    contest = bench.timing.Contest(
        {"often": lambda: 1, "rarely": lambda: 1}, check=lambda _: True, every={"rarely": 3}
    )
    samples = contest.run(rounds=7)
    assert samples["often"].rounds == list(range(7))
    assert samples["rarely"].rounds == [0, 3, 6]
    assert len(samples["rarely"].cpu) == 3
    # Round 3 of the baseline is 10: the rare contender's round 3 is divided by it, not by the
    # baseline's second figure.
    ratios = paired_ratios([2.0, 20.0, 6.0], [0, 3, 6], [1.0, 1.0, 1.0, 10.0, 1.0, 1.0, 3.0], [])
    assert ratios == [2.0, 2.0, 2.0]


def test_round_ratios_and_their_spread(bench) -> None:
    from benchmarks.timing import Spread, round_ratios

    ratios = round_ratios([2.0, 3.0, 4.0, 10.0], [1.0, 1.0, 2.0, 2.0])
    assert ratios == [2.0, 3.0, 2.0, 5.0]
    spread = Spread.of(ratios)
    assert (spread.median, spread.low, spread.high) == (2.5, 2.0, 5.0)
    assert spread.low <= spread.q1 <= spread.median <= spread.q3 <= spread.high
    assert Spread.of([1.5]) == Spread(1.5, 1.5, 1.5, 1.5, 1.5)


def test_server_mixes_the_three_timestamp_forms(bench) -> None:
    import datetime

    from benchmarks.data import make_job

    stamps = [
        value
        for index in range(30)
        for key, value in make_job(index).items()
        if key.endswith("_at")
    ]
    forms = {
        "Z": sum(s.endswith("Z") for s in stamps),
        "+00:00": sum(s.endswith("+00:00") for s in stamps),
        "naive": sum(datetime.datetime.fromisoformat(s).tzinfo is None for s in stamps),
    }
    assert forms == {"Z": 50, "+00:00": 50, "naive": 50}


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
    orjson = importlib.util.find_spec("orjson") is not None
    assert payload["settings"]["official_sdk"] is official

    listing_names = {row["name"] for row in figures["listing"]}
    expected_listings = {
        "llama_cloud_batch sync",
        "llama_cloud_batch async",
        "raw httpx + json.loads loop",
        "raw httpx async + json.loads loop",
    }
    if orjson:
        expected_listings.add("raw httpx + orjson.loads loop")
    if official:
        expected_listings |= {
            "llama-cloud (official SDK) sync",
            "llama-cloud (official SDK) async",
        }
    assert listing_names == expected_listings
    assert len(figures["one_call"]) == 2 + official + orjson
    assert len(figures["slow_listing"]) == 3
    assert len(figures["memory"]) == (3 if official else 2)
    settings = payload["settings"]
    sizes = {settings["stream_small"], settings["stream_large"]}
    assert {row["extra"]["jobs"] for row in figures["streaming"]} == sizes
    assert len(figures["streaming"]) == 4
    for section in ("one_call", "listing", "slow_listing", "memory", "streaming"):
        for row in figures[section]:
            assert row["correct"] is True, (section, row["name"])
    for section in ("one_call", "listing", "slow_listing"):
        for row in figures[section]:
            # One CPU and one wall figure per round, CPU never above what the rounds took.
            assert len(row["cpu"]) == len(row["wall"]) > 0, (section, row["name"])
            assert row["value"] > 0
    for row in figures["imports"]:
        assert row["samples"] == settings["import_rounds"]
        assert len(row["cpu"]) == settings["import_rounds"]
        assert row["extra"]["peak_rss_bytes"] > 0
    # The imports were timed reading bytecode, as users get them, and a real first list() call
    # loaded nothing of ours (or attrs, orjson) beyond the modules the import figure counts.
    assert settings["import_bytecode_written"] is True
    assert settings["first_call_extra_modules"] == "none"
    markdown = markdown_path.read_text(encoding="utf-8")
    assert "## Targets (issue 11)" in markdown
    # Every target of the issue is a row with a verdict.
    target_rows = markdown.split("## Targets (issue 11)")[1].split("## 1.")[0]
    verdicts = [line for line in target_rows.splitlines() if "met**" in line]
    assert len(verdicts) == 7
    # The report can be made again from the saved figures alone, identically.
    rendered = tmp_path / "rendered.md"
    command = [sys.executable, "-m", "benchmarks", "--render", str(figures_path)]
    command += ["--markdown", str(rendered)]
    subprocess.run(command, cwd=ROOT, capture_output=True, timeout=120, check=True)
    assert rendered.read_text(encoding="utf-8") == markdown
