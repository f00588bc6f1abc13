"""The six measurements of the benchmark, each returning rows of medians."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import contenders as c
from .data import expected_ids
from .processes import REPO_ROOT, run_python
from .timing import Contest, Samples

# Labels of the figures the targets compare; the report looks rows up by them.
PASS = "python -c pass"
IMPORT_HTTPX = "import httpx"
IMPORT_OURS = "import llama_cloud_batch"
IMPORT_OURS_CLIENT = "from llama_cloud_batch import LlamaCloud"
IMPORT_OFFICIAL = "import llama_cloud"
OURS_SYNC = f"{c.OURS} sync"
OURS_ASYNC = f"{c.OURS} async"
OFFICIAL_SYNC = f"{c.OFFICIAL} sync"
OFFICIAL_ASYNC = f"{c.OFFICIAL} async"
RAW_LOOP = "raw httpx loop"
RAW_ASYNC_LOOP = "raw httpx async loop"
SEQUENTIAL = f"{c.OURS} async, page_concurrency=1 (sequential)"
WIDE_CONCURRENCY = 8


@dataclass
class Row:
    """One contender's figure: `value` is a median (seconds, or bytes for memory)."""

    name: str
    value: float
    samples: int
    correct: bool | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def has_official_sdk() -> bool:
    return importlib.util.find_spec("llama_cloud") is not None


def _rows(samples: dict[str, Samples]) -> list[Row]:
    return [Row(name, s.median, len(s.seconds), s.correct) for name, s in samples.items()]


# --- 1. cold imports ----------------------------------------------------------------------

_IMPORT_CHILD = """\
import time
_started = time.perf_counter()
{statement}
_elapsed = time.perf_counter() - _started
with open("/proc/self/status") as _status:
    _hwm = next(int(line.split()[1]) for line in _status if line.startswith("VmHWM:"))
print(_elapsed, _hwm)
"""


def cold_imports(rounds: int, official: bool) -> list[Row]:
    """Each import in a fresh interpreter: time inside it, wall time of the process, VmHWM."""
    statements = {
        PASS: "pass",
        IMPORT_HTTPX: "import httpx",
        IMPORT_OURS: "import llama_cloud_batch",
        IMPORT_OURS_CLIENT: "from llama_cloud_batch import LlamaCloud",
    }
    if official:
        statements[IMPORT_OFFICIAL] = "import llama_cloud"
    inside: dict[str, list[float]] = {name: [] for name in statements}
    wall: dict[str, list[float]] = {name: [] for name in statements}
    peak: dict[str, list[float]] = {name: [] for name in statements}
    names = list(statements)
    # Round -1 is a warm-up: it writes the .pyc files every later round reads.
    for round_index in range(-1, rounds):
        for name in names if round_index % 2 == 0 else reversed(names):
            code = _IMPORT_CHILD.format(statement=statements[name])
            started = time.perf_counter()
            elapsed, hwm_kb = run_python(["-c", code]).split()
            if round_index >= 0:
                wall[name].append(time.perf_counter() - started)
                inside[name].append(float(elapsed))
                peak[name].append(float(hwm_kb) * 1024)
    return [
        Row(
            name,
            statistics.median(inside[name]),
            len(inside[name]),
            extra={
                "process_wall_s": statistics.median(wall[name]),
                "peak_rss_bytes": statistics.median(peak[name]),
            },
        )
        for name in names
    ]


# --- 2. one list call ---------------------------------------------------------------------


def one_call(base_url: str, limit: int, rounds: int, repeat: int, official: bool) -> list[Row]:
    """One list(limit=...) call on a kept-alive connection; the median per call."""
    with ExitStack() as stack:
        calls: dict[str, Callable[[], int]] = {c.OURS: c.ours_one_call(stack, base_url, limit)}
        sdk = c.official_sdk() if official else None
        if sdk is not None:
            calls[c.OFFICIAL] = c.official_one_call(stack, sdk, base_url, limit)
        calls[c.RAW] = c.raw_one_call(stack, base_url, limit)
        contest = Contest(calls, check=lambda count: count == limit)
        return _rows(contest.run(rounds, repeat))


# --- 3. and 4. whole listings ---------------------------------------------------------------


def _listing_contest(listings: dict[str, c.Listing], jobs: int) -> Contest[list[str]]:
    expected = expected_ids(jobs)
    return Contest(listings, check=lambda ids: ids == expected)


def full_listing(base_url: str, jobs: int, limit: int, rounds: int, official: bool) -> list[Row]:
    """Every job of the listing, by each client's own way of walking pages."""
    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            listings: dict[str, c.Listing] = {
                OURS_SYNC: c.ours_sync_listing(stack, base_url, limit),
                OURS_ASYNC: c.ours_async_listing(stack, loop, base_url, limit),
            }
            sdk = c.official_sdk() if official else None
            if sdk is not None:
                listings[OFFICIAL_SYNC] = c.official_sync_listing(stack, sdk, base_url, limit)
                listings[OFFICIAL_ASYNC] = c.official_async_listing(
                    stack, loop, sdk, base_url, limit
                )
            listings[RAW_LOOP] = c.raw_sync_listing(stack, base_url, limit)
            listings[RAW_ASYNC_LOOP] = c.raw_async_listing(stack, loop, base_url, limit)
            return _rows(_listing_contest(listings, jobs).run(rounds))
    finally:
        loop.close()


def default_page_concurrency() -> int:
    from llama_cloud_batch import AsyncLlamaCloud

    signature = AsyncLlamaCloud.__init__.__kwdefaults__ or {}
    return int(signature.get("page_concurrency", 1))


def ours_concurrent_label(concurrency: int) -> str:
    return f"{c.OURS} async, page_concurrency={concurrency}"


def slow_listing(slow_url: str, jobs: int, limit: int, rounds: int) -> list[Row]:
    """The listing against added latency: concurrent pages against sequential paging."""
    default = default_page_concurrency()
    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            listings: dict[str, c.Listing] = {
                f"{ours_concurrent_label(default)} (default)": c.ours_async_listing(
                    stack, loop, slow_url, limit
                ),
            }
            if default != WIDE_CONCURRENCY:
                listings[ours_concurrent_label(WIDE_CONCURRENCY)] = c.ours_async_listing(
                    stack, loop, slow_url, limit, WIDE_CONCURRENCY
                )
            listings[SEQUENTIAL] = c.ours_async_listing(stack, loop, slow_url, limit, 1)
            listings[f"{RAW_LOOP} (sequential)"] = c.raw_sync_listing(stack, slow_url, limit)
            return _rows(_listing_contest(listings, jobs).run(rounds))
    finally:
        loop.close()


# --- 5. memory per job ----------------------------------------------------------------------

MEMORY_LABELS = {
    "ours": f"{c.OURS} models",
    "official": f"{c.OFFICIAL} models",
    "raw": "plain json() dicts",
}


def memory_per_job(base_url: str, jobs: int, limit: int, official: bool) -> list[Row]:
    """Bytes held per job, tracemalloc (the figure) and VmRSS growth, each in a fresh process."""
    kinds = ["ours", "official", "raw"] if official else ["ours", "raw"]
    rows = []
    for kind in kinds:
        figures: dict[str, dict[str, Any]] = {}
        for method in ("traced", "rss"):
            args = ["-m", "benchmarks.memory", f"--contender={kind}", f"--method={method}"]
            args += [f"--base-url={base_url}", f"--limit={limit}", f"--jobs={jobs}"]
            figures[method] = json.loads(run_python(args))
        rows.append(
            Row(
                MEMORY_LABELS[kind],
                figures["traced"]["bytes_per_job"],
                1,
                correct=all(figure["all_jobs_seen"] for figure in figures.values()),
                extra={"rss_bytes_per_job": figures["rss"]["bytes_per_job"]},
            )
        )
    return rows


# --- 6. regenerating --------------------------------------------------------------------------

REGENERATE = "nox -s generate"


def regenerate(runs: int) -> list[Row]:
    """`nox -s generate` wall time after one warm-up run, into a scratch directory.

    Writing elsewhere (--output) times the same pipeline without touching generated/, which
    others may be regenerating at the same moment.
    """
    nox = shutil.which("nox")
    if nox is None:
        print("regenerate: nox is not on PATH; not measured", file=sys.stderr)
        return []
    # The nested nox must build its own session, not see this session's virtualenv as active.
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    seconds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as scratch:
        command = [nox, "-s", "generate", "--", "--output", str(Path(scratch) / "out")]
        for run in range(runs + 1):
            started = time.perf_counter()
            subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True)
            if run > 0:
                seconds.append(time.perf_counter() - started)
    return [Row(REGENERATE, statistics.median(seconds), len(seconds), extra=_spread(seconds))]


def _spread(seconds: list[float]) -> dict[str, float]:
    return {"min_s": min(seconds), "max_s": max(seconds)}
