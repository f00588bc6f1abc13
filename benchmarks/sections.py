"""The measurements of the benchmark, each returning rows of figures."""

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
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from llama_cloud_batch._client import DEFAULT_PAGE_CONCURRENCY

from . import contenders as c
from .data import HEADLINE, expected_batch_ids, expected_ids
from .processes import REPO_ROOT, Server, cpu_burners, run_python, running_server
from .timing import Contest, Samples

# Labels of the figures the targets compare; the report looks rows up by them.
PASS = "python -c pass"
IMPORT_HTTPX = "import httpx"
IMPORT_OURS = "import llama_cloud_batch"
IMPORT_OURS_CLIENT = "from llama_cloud_batch import LlamaCloud"
IMPORT_OURS_FIRST_CALL = f"{IMPORT_OURS_CLIENT} + the first list call's imports"
IMPORT_OFFICIAL = "import llama_cloud"
# The target's figure: both imports timed in one process, `import httpx` first (see _PAIRED_CHILD).
PAIRED_HTTPX = "import httpx, timed first"
PAIRED_FIRST_CALL = "the whole: httpx, then the client and the first list call's imports"
OURS_SYNC = f"{c.OURS} sync"
OURS_ASYNC = f"{c.OURS} async"
OFFICIAL_SYNC = f"{c.OFFICIAL} sync"
OFFICIAL_ASYNC = f"{c.OFFICIAL} async"
RAW_LOOP = "raw httpx + json.loads loop"
RAW_ORJSON_LOOP = "raw httpx + orjson.loads loop"
RAW_ASYNC_LOOP = "raw httpx async + json.loads loop"
RAW_SEQUENTIAL = f"{RAW_LOOP} (sequential)"
# What a first list() call loads beyond `from llama_cloud_batch import LlamaCloud` and making the
# client: the resource classes, the operation and its models (first_call_extra checks that is
# all). `import llama_cloud_batch` alone loads neither the client nor httpx (they load on first
# use), so the figure the target compares starts from the client's import.
FIRST_CALL_MODULES = (
    "_llama_cloud_batch_generated.resources.beta",
    "_llama_cloud_batch_generated.resources.batch",
    "llama_cloud_batch.resources.batch",
    "_llama_cloud_batch_generated.api.batch.list_batch_jobs",
)


@dataclass
class Row:
    """One contender's figures. For timings `value` is the median CPU seconds of the client
    process and `cpu`/`wall` hold one figure per round; for memory, `value` is bytes (and for
    streaming, `cpu`/`wall` hold each round's traced and RSS peaks). `shape` is the data shape
    measured (data.SHAPES), empty where none is (imports)."""

    name: str
    value: float
    samples: int
    correct: bool | None = None
    shape: str = ""
    extra: dict[str, float] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall) if self.wall else self.value

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def has_official_sdk() -> bool:
    return importlib.util.find_spec("llama_cloud") is not None


def _rows(samples: dict[str, Samples], shape: str = HEADLINE) -> list[Row]:
    return [
        Row(
            name,
            statistics.median(s.cpu),
            s.runs,
            s.correct,
            shape,
            cpu=s.cpu,
            wall=s.wall,
            rounds=s.rounds,
        )
        for name, s in samples.items()
    ]


# --- 1. cold imports ----------------------------------------------------------------------

_IMPORT_CHILD = """\
import time
_wall, _cpu = time.perf_counter(), time.process_time()
{statement}
_cpu, _wall = time.process_time() - _cpu, time.perf_counter() - _wall
with open("/proc/self/status") as _status:
    _hwm = next(int(line.split()[1]) for line in _status if line.startswith("VmHWM:"))
print(_cpu, _wall, _hwm)
"""

# Both sides of the import target in one process: `import httpx` timed alone, then the rest of
# the first call's imports (which need httpx anyway, so the sum is their whole cost). The two
# share the process's conditions: on a shared VM, separate processes' CPU times vary widely from
# one to the next, and a ratio of two such medians moves between runs (docs/benchmarks.md).
_PAIRED_CHILD = """\
import time
_cpu = time.process_time()
import httpx
_httpx = time.process_time() - _cpu
{statement}
print(_httpx, time.process_time() - _cpu)
"""

_BYTECODE_CHECK = """\
import importlib.util, os, sys
import httpx, llama_cloud_batch, llama_cloud_batch._client, {first_call}
modules = [httpx, llama_cloud_batch, llama_cloud_batch._client]
modules += [sys.modules[name] for name in {first_call_names!r}]
print(all(os.path.exists(importlib.util.cache_from_source(m.__file__)) for m in modules))
"""

_FIRST_CALL_CHECK = """\
import json, sys
from llama_cloud_batch import LlamaCloud
import {first_call}
client = LlamaCloud(api_key={key!r}, base_url={url!r}, max_retries=0)
before = set(sys.modules)
client.beta.batch.list(limit=10)
ours = ("llama_cloud_batch", "_llama_cloud_batch_generated", "attr", "attrs", "orjson")
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ours)))
"""


def first_call_extra(base_url: str) -> list[str]:
    """The modules of this package, attrs or orjson that a first list() call loads beyond
    FIRST_CALL_MODULES, in a fresh interpreter: empty when the import figure is the whole cost."""
    script = _FIRST_CALL_CHECK.format(
        first_call=", ".join(FIRST_CALL_MODULES), key=c.API_KEY, url=base_url
    )
    extra: list[str] = json.loads(run_python(["-c", script]))
    return extra


def import_environment() -> dict[str, str]:
    """This environment with bytecode writing on: what users get (the test and nox
    environments often set PYTHONDONTWRITEBYTECODE, which would time compiling, not importing)."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def cold_imports(rounds: int, official: bool, official_every: int) -> tuple[list[Row], bool]:
    """Each import in a fresh interpreter, .pyc files written by a warm-up round first: CPU
    and wall time inside it, wall time of the process, VmHWM; and, in the same alternation, the
    target's two sides timed in one process (_PAIRED_CHILD). Also whether the .pyc files of
    httpx and this package were there (they are read, not compiled, in the timed rounds)."""
    statements = {
        PASS: "pass",
        IMPORT_HTTPX: "import httpx",
        IMPORT_OURS: "import llama_cloud_batch",
        IMPORT_OURS_CLIENT: IMPORT_OURS_CLIENT,
        IMPORT_OURS_FIRST_CALL: f"{IMPORT_OURS_CLIENT}\nimport {', '.join(FIRST_CALL_MODULES)}",
    }
    if official:
        statements[IMPORT_OFFICIAL] = "import llama_cloud"
    env = import_environment()
    cpu: dict[str, list[float]] = {name: [] for name in statements}
    inside: dict[str, list[float]] = {name: [] for name in statements}
    wall: dict[str, list[float]] = {name: [] for name in statements}
    peak: dict[str, list[float]] = {name: [] for name in statements}
    ran: dict[str, list[int]] = {name: [] for name in statements}
    paired: dict[str, list[float]] = {PAIRED_HTTPX: [], PAIRED_FIRST_CALL: []}
    names = [*statements, PAIRED_FIRST_CALL]
    # Round -1 is a warm-up: it writes the .pyc files every later round reads.
    for round_index in range(-1, rounds):
        for name in names if round_index % 2 == 0 else reversed(names):
            if name == IMPORT_OFFICIAL and round_index >= 0 and round_index % official_every:
                continue
            if name == PAIRED_FIRST_CALL:
                code = _PAIRED_CHILD.format(statement=statements[IMPORT_OURS_FIRST_CALL])
                httpx_s, whole_s = run_python(["-c", code], env=env).split()
                if round_index >= 0:
                    paired[PAIRED_HTTPX].append(float(httpx_s))
                    paired[PAIRED_FIRST_CALL].append(float(whole_s))
                continue
            code = _IMPORT_CHILD.format(statement=statements[name])
            started = time.perf_counter()
            cpu_s, inside_s, hwm_kb = run_python(["-c", code], env=env).split()
            if round_index >= 0:
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(float(cpu_s))
                inside[name].append(float(inside_s))
                peak[name].append(float(hwm_kb) * 1024)
                ran[name].append(round_index)
    check = _BYTECODE_CHECK.format(
        first_call=", ".join(FIRST_CALL_MODULES), first_call_names=FIRST_CALL_MODULES
    )
    bytecode = run_python(["-c", check], env=env).strip() == "True"
    rows = [
        Row(
            name,
            statistics.median(cpu[name]),
            len(cpu[name]),
            extra={
                "process_wall_s": statistics.median(wall[name]),
                "peak_rss_bytes": statistics.median(peak[name]),
            },
            cpu=cpu[name],
            wall=inside[name],
            rounds=ran[name],
        )
        for name in statements
    ]
    rows += [
        Row(name, statistics.median(times), rounds, cpu=times, rounds=list(range(rounds)))
        for name, times in paired.items()
    ]
    return rows, bytecode


# --- 2. one list call ---------------------------------------------------------------------


def one_call(
    base_url: str, limit: int, rounds: int, repeat: int, official: bool, official_every: int
) -> list[Row]:
    """One list(limit=...) call on a kept-alive connection; the mean per call in each round."""
    with ExitStack() as stack:
        calls: dict[str, Callable[[], int]] = {c.OURS: c.ours_one_call(stack, base_url, limit)}
        sdk = c.official_sdk() if official else None
        if sdk is not None:
            calls[c.OFFICIAL] = c.official_one_call(stack, sdk, base_url, limit)
        calls[c.RAW] = c.raw_one_call(stack, base_url, limit)
        orjson_loads = c.orjson_loads()
        if orjson_loads is not None:
            calls[c.RAW_ORJSON] = c.raw_one_call(stack, base_url, limit, orjson_loads)
        contest = Contest(
            calls, check=lambda count: count == limit, every={c.OFFICIAL: official_every}
        )
        return _rows(contest.run(rounds, repeat))


# --- 3. to 5. whole listings ----------------------------------------------------------------


def _listing_contest(
    listings: dict[str, c.Listing], expected: list[str], every: dict[str, int] | None = None
) -> Contest[list[str]]:
    return Contest(listings, check=lambda ids: ids == expected, every=every or {})


def listing_by_shape(
    server: Server,
    rounds: Mapping[str, int],
    jobs: int,
    limit: int,
    official: bool,
    official_every: int,
) -> list[Row]:
    """The sync listing of every job, for each data shape in turn (`rounds` of it): each
    client's own way of walking pages, defaults kept, alternating round by round."""
    rows: list[Row] = []
    sdk = c.official_sdk() if official else None
    orjson_loads = c.orjson_loads()
    for shape, shape_rounds in rounds.items():
        print(f"  {shape} ...", file=sys.stderr)
        base_url = server.url(shape)
        with ExitStack() as stack:
            listings: dict[str, c.Listing] = {
                OURS_SYNC: c.ours_sync_listing(stack, base_url, limit)
            }
            if sdk is not None:
                listings[OFFICIAL_SYNC] = c.official_sync_listing(stack, sdk, base_url, limit)
            listings[RAW_LOOP] = c.raw_sync_listing(stack, base_url, limit)
            if orjson_loads is not None:
                listings[RAW_ORJSON_LOOP] = c.raw_sync_listing(stack, base_url, limit, orjson_loads)
            contest = _listing_contest(
                listings, expected_ids(jobs), {OFFICIAL_SYNC: official_every}
            )
            rows += _rows(contest.run(shape_rounds), shape)
    return rows


def async_listing(
    base_url: str, jobs: int, limit: int, rounds: int, official: bool, official_every: int
) -> list[Row]:
    """The async listing of every job (one data shape), against the raw httpx async loop."""
    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            listings: dict[str, c.Listing] = {
                OURS_ASYNC: c.ours_async_listing(stack, loop, base_url, limit)
            }
            sdk = c.official_sdk() if official else None
            if sdk is not None:
                listings[OFFICIAL_ASYNC] = c.official_async_listing(
                    stack, loop, sdk, base_url, limit
                )
            listings[RAW_ASYNC_LOOP] = c.raw_async_listing(stack, loop, base_url, limit)
            every = {OFFICIAL_ASYNC: official_every}
            return _rows(_listing_contest(listings, expected_ids(jobs), every).run(rounds))
    finally:
        loop.close()


OURS_BATCHES = f"{c.OURS} batches.list"
OFFICIAL_BATCHES = f"{c.OFFICIAL} batches.list"
RAW_BATCHES = "raw httpx + json.loads cursor loop"


def batches_by_shape(
    server: Server,
    shapes: Sequence[str],
    count: int,
    limit: int,
    rounds: int,
    official: bool,
    official_every: int,
) -> list[Row]:
    """The v2 batch listing (cursor pages) of every batch, for each data shape in turn."""
    rows: list[Row] = []
    sdk = c.official_sdk() if official else None
    for shape in shapes:
        base_url = server.url(shape)
        with ExitStack() as stack:
            listings = {OURS_BATCHES: c.ours_batches_listing(stack, base_url, limit)}
            if sdk is not None:
                listings[OFFICIAL_BATCHES] = c.official_batches_listing(stack, sdk, base_url, limit)
            listings[RAW_BATCHES] = c.raw_batches_listing(stack, base_url, limit)
            every = {OFFICIAL_BATCHES: official_every}
            contest = _listing_contest(listings, expected_batch_ids(count), every)
            rows += _rows(contest.run(rounds), shape)
    return rows


def ours_sync_slow_label() -> str:
    return f"{OURS_SYNC}, page_concurrency={DEFAULT_PAGE_CONCURRENCY} (default)"


def ours_async_slow_label() -> str:
    return f"{OURS_ASYNC}, page_concurrency={DEFAULT_PAGE_CONCURRENCY} (default)"


def slow_listing(slow_url: str, jobs: int, limit: int, rounds: int) -> list[Row]:
    """The listing when every request takes the added latency: each client with its default
    page_concurrency, against the sequential raw loop."""
    loop = asyncio.new_event_loop()
    try:
        with ExitStack() as stack:
            listings: dict[str, c.Listing] = {
                ours_sync_slow_label(): c.ours_sync_listing(stack, slow_url, limit),
                ours_async_slow_label(): c.ours_async_listing(stack, loop, slow_url, limit),
                RAW_SEQUENTIAL: c.raw_sync_listing(stack, slow_url, limit),
            }
            return _rows(_listing_contest(listings, expected_ids(jobs)).run(rounds))
    finally:
        loop.close()


# --- 6. memory per kept job, and 7. streaming memory under load -----------------------------

MEMORY_LABELS = {
    "ours": f"{c.OURS} models",
    "official": f"{c.OFFICIAL} models",
    "raw": "plain json.loads dicts",
}
STREAM_LABELS = {"ours": f"{c.OURS} sync walk", "raw": RAW_LOOP}


def _memory_child(kind: str, method: str, base_url: str, limit: int, jobs: int) -> dict[str, Any]:
    args = ["-m", "benchmarks.memory", f"--contender={kind}", f"--method={method}"]
    args += [f"--base-url={base_url}", f"--limit={limit}", f"--jobs={jobs}"]
    result: dict[str, Any] = json.loads(run_python(args, timeout=900.0))
    return result


def memory_per_job(base_url: str, jobs: int, limit: int, official: bool) -> list[Row]:
    """Bytes held per job, tracemalloc (the figure) and VmRSS growth, each in a fresh process
    (`base_url`: the headline shape's)."""
    kinds = ["ours", "official", "raw"] if official else ["ours", "raw"]
    rows = []
    for kind in kinds:
        figures = {
            method: _memory_child(kind, method, base_url, limit, jobs)
            for method in ("traced", "rss")
        }
        rows.append(
            Row(
                MEMORY_LABELS[kind],
                figures["traced"]["bytes_per_job"],
                1,
                correct=all(figure["all_jobs_seen"] for figure in figures.values()),
                shape=HEADLINE,
                extra={"rss_bytes_per_job": figures["rss"]["bytes_per_job"]},
            )
        )
    return rows


def stream_label(kind: str, jobs: int) -> str:
    return f"{STREAM_LABELS[kind]}, {jobs} jobs"


def streaming_memory(sizes: list[int], limit: int, rounds: int, burners: int) -> list[Row]:
    """Peak growth of a walk that keeps nothing, at default settings, while `burners` other
    processes keep CPUs busy: tracemalloc's peak (the figure) and, in a run without tracemalloc,
    the peak RSS. Each size has a server of its own (the headline shape); each figure is made in
    a fresh process, contenders alternating over `rounds` rounds; the row holds the medians."""
    rows = []
    for jobs in sizes:
        traced: dict[str, list[float]] = {kind: [] for kind in STREAM_LABELS}
        rss: dict[str, list[float]] = {kind: [] for kind in STREAM_LABELS}
        seen = dict.fromkeys(STREAM_LABELS, True)
        # The most threads fetching ahead in any round, by method: whether prefetch started.
        threads = {kind: {"stream": 0, "stream-rss": 0} for kind in STREAM_LABELS}
        loads: list[float] = []
        with running_server(jobs, 0.0, [HEADLINE]) as server, cpu_burners(burners):
            kinds = list(STREAM_LABELS)
            for round_index in range(rounds):
                for kind in kinds if round_index % 2 == 0 else reversed(kinds):
                    for method, figures in (("stream", traced), ("stream-rss", rss)):
                        figure = _memory_child(kind, method, server.url(HEADLINE), limit, jobs)
                        figures[kind].append(float(figure["peak_growth"]))
                        seen[kind] = seen[kind] and bool(figure["all_jobs_seen"])
                        most = max(threads[kind][method], int(figure["prefetch_threads"]))
                        threads[kind][method] = most
                loads.append(os.getloadavg()[0])
        for kind in STREAM_LABELS:
            rows.append(
                Row(
                    stream_label(kind, jobs),
                    statistics.median(traced[kind]),
                    rounds,
                    correct=seen[kind],
                    shape=HEADLINE,
                    extra={
                        "jobs": float(jobs),
                        "peak_rss_growth_bytes": statistics.median(rss[kind]),
                        "burners": float(burners),
                        "load_1min": statistics.median(loads),
                        "prefetch_threads_traced": float(threads[kind]["stream"]),
                        "prefetch_threads_rss": float(threads[kind]["stream-rss"]),
                    },
                    # One traced and one RSS figure per round, for the spread of their ratios.
                    cpu=traced[kind],
                    wall=rss[kind],
                    rounds=list(range(rounds)),
                )
            )
    return rows


# --- 9. the command line's results download -------------------------------------------------

CLI_RAW = "raw: list, then 8 threads fetch every item (httpx + orjson, nothing kept)"
CLI_OURS = "llama-cloud-batch results download (a file per item)"
CLI_FSYNC = f"{CLI_OURS}, --fsync"


def cli_download(items: int, rounds: int) -> list[Row]:
    """`llama-cloud-batch results download` of one job's `items` items against the raw
    8-thread downloader (benchmarks/cli_download.py), alternating; wall time is the figure."""
    from . import cli_download as download

    labels = {download.RAW: CLI_RAW, download.CLI: CLI_OURS, "cli --fsync": CLI_FSYNC}
    wall, cpu = download.measure(items, rounds)
    return [
        Row(
            labels[name],
            statistics.median(cpu[name]),
            rounds,
            correct=True,  # measure() asserts every item was fetched, or saved
            shape="",
            extra={"items": float(items)},
            cpu=cpu[name],
            wall=wall[name],
            rounds=list(range(rounds)),
        )
        for name in download.CONTENDERS
    ]


# --- 10. regenerating --------------------------------------------------------------------------

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
