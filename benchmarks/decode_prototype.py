"""The decode path of a listing page, measured piece by piece on the shipped models.

    python -m benchmarks.decode_prototype            # every section, about a minute
    python -m benchmarks.decode_prototype --quick    # seconds; proves the paths agree

The prototype this started as (benchmarks/DECODE_FINDINGS.md) is now the generated fast path:
each model with one has `from_json_bytes` (msgspec decodes and type-checks the bytes into a
private Struct, one generated function builds the attrs models), and the client offers a
success body's bytes there first, reading it the exact way (json.loads, then from_dict) when
the fast path refuses it. This script checks the two paths agree on the benchmark's pages and
on odd ones, then times them in client CPU (`time.process_time`), medians of alternating rounds
with the interquartile range of the per-round ratios.

Sections:
  1. decode + models of one 100-job page (mixed timestamps): json.loads alone (what the raw
     loop does), the exact path, the fast path; other decoders to builtins for reference
  2. one naive timestamp: replace(tzinfo=UTC) against types.naive_as_utc
  3. end to end against the benchmark server: one list call and a whole sync walk, the client
     as shipped and with its fast path hidden, ratios to raw httpx + json.loads
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any

import attrs
import httpx
import msgspec  # imported, it opens the fast path at once (types.wire_ready)
from _llama_cloud_batch_generated.api.batch import list_batch_jobs
from _llama_cloud_batch_generated.models import BatchJobPage
from _llama_cloud_batch_generated.models.batch_job_page import from_json_bytes
from _llama_cloud_batch_generated.types import fromisoformat, naive_as_utc

from .contenders import API_KEY, raw_pages
from .data import LIST_PATH, expected_ids, make_job
from .server import Catalog
from .timing import Spread, round_ratios

JSON_ONLY = "json.loads only (the raw loop's decode)"
EXACT = "exact path: json.loads + BatchJobPage.from_dict"
FAST = "fast path: from_json_bytes (msgspec Structs + generated builders)"
RAW = "raw httpx + json.loads"
SHIPPED = "client as shipped (fast path)"
EXACT_CLIENT = "client, fast path hidden (exact path only)"


def exact(body: bytes) -> BatchJobPage:
    return BatchJobPage.from_dict(json.loads(body))


def fast(body: bytes) -> BatchJobPage:
    page = from_json_bytes(body)
    assert page is not None, "the fast path refused a page the spec allows"
    return page


def same_models(left: Any, right: Any) -> bool:
    """Equal models with equal absent records, and equal timezones on every timestamp."""
    if type(left) is not type(right):
        return False
    if hasattr(left, "to_dict"):
        return left.to_dict() == right.to_dict() and all(
            same_models(getattr(left, f.name), getattr(right, f.name))
            for f in attrs.fields(type(left))
        )
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_models, left, right))
    if isinstance(left, datetime.datetime):
        return left == right and left.tzinfo == right.tzinfo and left.tzinfo is not None
    return bool(left == right)


def check_agreement() -> None:
    """The fast path builds the exact path's models from the benchmark's pages and from odd
    ones; it refuses (None) what only the exact path may judge, which then raises its errors."""
    odd_jobs = [make_job(index) for index in range(6)]
    odd_jobs[1]["status"] = "queued"  # an enum value the spec does not list, kept
    odd_jobs[2]["created_at"] = "2025-01-06"  # a date only: midnight UTC
    odd_jobs[3]["started_at"] = "2025-01-06T09:00:00+05:30"  # another offset
    del odd_jobs[4]["workflow_id"]  # an optional property left out: absent, not null
    odd_jobs[5]["error_message"] = None
    odd = json.dumps({"items": odd_jobs, "next_page_token": None, "total_size": 6}).encode()
    for body in (Catalog(60).page_body(0, 60), odd):
        assert same_models(fast(body), exact(body))
    unknown = make_job(0)
    unknown["shard"] = 7  # an unknown property: the exact path keeps it
    refused = {
        "unknown property": ("shard", 7),
        "wrong type": ("total_items", "12"),
        "bad timestamp": ("created_at", "yesterday"),
        "timestamp not a string": ("updated_at", 5),
        "bool as int": ("failed_items", True),
        "missing required": ("id", None),
    }
    for case, (key, value) in refused.items():
        job = make_job(0)
        if value is None:
            del job[key]
        else:
            job[key] = value
        body = json.dumps({"items": [make_job(1), job], "total_size": 2}).encode()
        assert from_json_bytes(body) is None, case


def cpu_per_call(
    variants: Mapping[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, list[float]]:
    """CPU seconds per call of each variant, one figure per round, alternating the order."""
    samples: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for name in names:
        variants[name]()
    for round_index in range(rounds):
        for name in names if round_index % 2 == 0 else reversed(names):
            run = variants[name]
            gc.collect()
            started = time.process_time()
            for _ in range(calls):
                run()
            samples[name].append((time.process_time() - started) / calls)
    return samples


def _us(seconds: float) -> str:
    micro = seconds * 1e6
    return f"{micro:.3f} µs" if micro < 10 else f"{micro:.1f} µs"


def _print_table(title: str, figures: Mapping[str, list[float]], baseline: str) -> None:
    """Median CPU per call, and the per-round ratio to the baseline's same round: median
    with its interquartile range."""
    print(f"\n## {title}\n")
    print(f"| variant | CPU per call (median) | x {baseline}, per round: median (IQR) |")
    print("|---|---|---|")
    for name, values in figures.items():
        spread = Spread.of(round_ratios(values, figures[baseline]))
        ratio = f"{spread.median:.2f}x ({spread.q1:.2f} to {spread.q3:.2f})"
        print(f"| {name} | {_us(statistics.median(values))} | {ratio} |")


def _decoders() -> dict[str, Callable[[bytes], Any]]:
    decoders: dict[str, Callable[[bytes], Any]] = {}
    try:
        import orjson

        decoders["orjson.loads (builtins, reference)"] = orjson.loads
    except ImportError:
        pass
    decoders["msgspec.json.decode (builtins, reference)"] = msgspec.json.Decoder().decode
    return decoders


def section_page(body: bytes, calls: int, rounds: int) -> None:
    variants: dict[str, Callable[[], object]] = {
        JSON_ONLY: partial(json.loads, body),
        EXACT: partial(exact, body),
        FAST: partial(fast, body),
    }
    for name, decode in _decoders().items():
        variants[name] = partial(decode, body)
    figures = cpu_per_call(variants, calls, rounds)
    _print_table(
        f"1. Decode + models, one page ({len(body)} bytes, 100 jobs, mixed timestamps)",
        figures,
        JSON_ONLY,
    )


def _replace(text: str, times: int) -> list[object]:
    parsed = fromisoformat(text)
    return [parsed.replace(tzinfo=datetime.UTC) for _ in range(times)]


def _reparse(text: str, times: int) -> list[object]:
    parsed = fromisoformat(text)
    return [naive_as_utc(text, parsed) for _ in range(times)]


def section_timestamps(calls: int, rounds: int) -> None:
    naive = "2025-01-06T09:15:00.500"
    variants: dict[str, Callable[[], object]] = {
        "replace(tzinfo=UTC), x100": partial(_replace, naive, 100),
        "naive_as_utc (parse again with +00:00), x100": partial(_reparse, naive, 100),
    }
    _print_table(
        "2. A naive timestamp as UTC (after its first parse)",
        cpu_per_call(variants, calls, rounds),
        "replace(tzinfo=UTC), x100",
    )


@contextmanager
def fast_path_hidden() -> Iterator[None]:
    """The client as it reads bodies without the fast path: json.loads, then from_dict."""
    parse: Any = list_batch_jobs.parse_response
    offered = parse.from_bytes
    del parse.from_bytes
    try:
        yield
    finally:
        parse.from_bytes = offered


def _hidden(run: Callable[[], Any]) -> Callable[[], Any]:
    def hidden() -> Any:
        with fast_path_hidden():
            return run()

    return hidden


def section_end_to_end(jobs: int, limit: int, rounds: int, calls: int) -> None:
    from llama_cloud_batch import LlamaCloud

    from .processes import running_server

    expected = expected_ids(jobs)
    auth = {"Authorization": f"Bearer {API_KEY}"}
    with running_server(jobs, 0.0) as server, ExitStack() as stack:
        base_url = server.fast_url
        client = stack.enter_context(LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0))
        raw_http = stack.enter_context(httpx.Client(base_url=base_url, headers=auth))

        def walk() -> list[str]:
            return [job.id for job in client.beta.batch.list(limit=limit)]

        def call() -> int:
            return len(client.beta.batch.list(limit=limit).items)

        walks: dict[str, Callable[[], Any]] = {
            RAW: lambda: [j["id"] for items in raw_pages(raw_http, limit) for j in items],
            SHIPPED: walk,
            EXACT_CLIENT: _hidden(walk),
        }
        calls_of: dict[str, Callable[[], Any]] = {
            RAW: lambda: len(
                json.loads(raw_http.get(LIST_PATH, params={"limit": limit}).content)["items"]
            ),
            SHIPPED: call,
            EXACT_CLIENT: _hidden(call),
        }
        for name, run in walks.items():
            assert run() == expected, name
        one = cpu_per_call(calls_of, calls, rounds)
        whole = cpu_per_call(walks, 1, rounds)
    _print_table(f"3a. One list(limit={limit}) call (client CPU)", one, RAW)
    _print_table(f"3b. Whole sync walk, {jobs} jobs, limit {limit} (client CPU)", whole, RAW)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decode_prototype")
    parser.add_argument("--quick", action="store_true", help="few rounds: checks, no figures")
    parser.add_argument("--rounds", type=int, default=None, help="rounds of section 3")
    args = parser.parse_args(argv)
    calls, rounds = (5, 2) if args.quick else (200, 9)
    walk_rounds = args.rounds or (3 if args.quick else 15)
    check_agreement()
    print("# decode path (client CPU, medians of alternating rounds)")
    print("\nThe fast path built the exact path's models and refused what it must not judge.")
    section_page(Catalog(100).page_body(0, 100), calls, rounds)
    section_timestamps(calls * 10, rounds)
    section_end_to_end(2000 if args.quick else 10_000, 100, walk_rounds, 20)


if __name__ == "__main__":
    main()
