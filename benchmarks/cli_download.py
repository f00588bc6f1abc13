"""`llama-cloud-batch results download` against the raw fetch it is built on (issue 20).

    python -m benchmarks.cli_download [--items 2000] [--rounds 5]

The local test server (llama_cloud_batch.testing, in a process of its own) holds one finished
job of N items. Each round times, in alternating order:

- raw: listing the job's items (httpx, orjson, one page after another) and fetching every
  item's processing results with 8 threads on one httpx.Client, decoding each with orjson and
  keeping nothing: the least any download has to do;
- cli: `llama-cloud-batch results download JOB --out DIR` in this process (its default 8 at a
  time), writing a file per item, into a fresh directory;
- cli --fsync: the same with a sync of each file before its rename.

It prints the wall time of each and the medians of the per-round ratios to raw (the goal:
cli / raw <= 1.3). Figures only: no test depends on them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson

KEY = "bench-download-key"
BASE = "/api/v1/beta/batch-processing"
THREADS = 8
# The contenders, by name: the raw fetch, then the command without and with --fsync.
RAW = "raw"
CLI = "cli"
CONTENDERS = (RAW, CLI, "cli --fsync")

_SERVE = """
import json, sys
from llama_cloud_batch.testing import BatchServer
server = BatchServer(api_key=sys.argv[1], max_recorded_requests=100, items_per_tick=500).start()
job_id = server.add_job(items=int(sys.argv[2]))
server.run_until_idle()
print(json.dumps({"url": server.url, "job": job_id}), flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def serving(items: int) -> Iterator[tuple[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE, KEY, str(items)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        started = json.loads(process.stdout.readline())
        yield started["url"], started["job"]
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def raw_fetch(url: str, job_id: str) -> int:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        item_ids: list[str] = []
        offset = 0
        while True:
            page = orjson.loads(
                client.get(f"{BASE}/{job_id}/items", params={"limit": 100, "offset": offset})
                .raise_for_status()
                .content
            )
            item_ids += [item["item_id"] for item in page["items"]]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total_size"]:
                break

        def fetch(item_id: str) -> int:
            answer = client.get(f"{BASE}/items/{item_id}/processing-results").raise_for_status()
            return len(orjson.loads(answer.content)["processing_results"])

        with ThreadPoolExecutor(THREADS) as pool:
            return sum(1 for _ in pool.map(fetch, item_ids))


@contextlib.contextmanager
def _environment_kept() -> Iterator[None]:
    """The command reads its key and URL from the environment: set for it, restored after."""
    kept = {name: os.environ.get(name) for name in ("LLAMA_CLOUD_API_KEY", "LLAMA_CLOUD_BASE_URL")}
    try:
        yield
    finally:
        for name, value in kept.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cli_download(url: str, job_id: str, out: Path, *extra: str) -> None:
    from llama_cloud_batch.cli import run

    os.environ["LLAMA_CLOUD_API_KEY"] = KEY
    os.environ["LLAMA_CLOUD_BASE_URL"] = url
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        code = run(["results", "download", job_id, "--out", str(out), "--json", *extra])
    summary = json.loads(printed.getvalue())
    assert code == 0, code
    assert summary["already_saved"] == 0, summary


def measure(items: int, rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds (this process) of each contender in each round, in alternating
    order after a warm-up raw fetch: (wall, cpu), each by contender name."""
    wall: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    cpu: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    with (
        serving(items) as (url, job_id),
        tempfile.TemporaryDirectory() as scratch,
        _environment_kept(),
    ):
        raw_fetch(url, job_id)  # warm up: imports, connections, the server's caches
        for round_ in range(rounds):
            order = list(CONTENDERS) if round_ % 2 == 0 else list(reversed(CONTENDERS))
            for name in order:
                out = Path(scratch) / f"{name.replace(' ', '')}-{round_}"
                started, used = time.perf_counter(), time.process_time()
                if name == RAW:
                    assert raw_fetch(url, job_id) == items
                else:
                    cli_download(url, job_id, out, *name.split()[1:])
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - used)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times, _ = measure(args.items, args.rounds)
    print(f"{args.items} items, {args.rounds} rounds, wall seconds (median):")
    for name, values in times.items():
        ratios = [value / raw for value, raw in zip(values, times[RAW], strict=True)]
        print(
            f"  {name:<12} {statistics.median(values):6.2f} s"
            + ("" if name == RAW else f"   / raw: {statistics.median(ratios):.2f}x")
            + f"   (rounds: {', '.join(f'{value:.2f}' for value in values)})"
        )


if __name__ == "__main__":
    main()
