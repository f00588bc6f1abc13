"""The benchmark's Markdown: machine and versions, one table per measurement, the targets."""

from __future__ import annotations

import datetime
import os
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import contenders as c
from . import sections as s
from .sections import Row


@dataclass
class Results:
    """Everything one run measured, with the settings it ran with."""

    settings: dict[str, object]
    imports: list[Row]
    one_call: list[Row]
    listing: list[Row]
    slow_listing: list[Row]
    memory: list[Row]
    regenerate: list[Row]

    def sections(self) -> dict[str, list[Row]]:
        return {
            "imports": self.imports,
            "one_call": self.one_call,
            "listing": self.listing,
            "slow_listing": self.slow_listing,
            "memory": self.memory,
            "regenerate": self.regenerate,
        }

    def every_contender_correct(self) -> bool:
        return all(row.correct is not False for rows in self.sections().values() for row in rows)


@dataclass(frozen=True)
class Target:
    figure: str
    goal: str
    measured: float | None
    passed: bool | None
    official: float | None = None
    official_claim: str = ""


def _find(rows: Sequence[Row], name: str) -> Row | None:
    return next((row for row in rows if row.name == name), None)


def _ratio(rows: Sequence[Row], name: str, baseline: str) -> float | None:
    row, base = _find(rows, name), _find(rows, baseline)
    if row is None or base is None or base.value == 0:
        return None
    return row.value / base.value


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.3f} s"


def _x(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "llama-cloud-batch": _version("llama-cloud-batch"),
        "httpx": _version("httpx"),
        "attrs": _version("attrs"),
        "llama-cloud": _version("llama-cloud"),
        "pydantic": _version("pydantic"),
        # Other work on the machine moves the figures; this says how busy it was.
        "load average (1, 5, 15 min) at the end": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def targets(results: Results) -> list[Target]:
    """The targets of issue 6, each with the measured figure and PASS (True) or MISS (False)."""

    def at_most(ratio: float | None, limit: float) -> bool | None:
        return None if ratio is None else ratio <= limit

    imports, calls, listing = results.imports, results.one_call, results.listing
    import_ratio = _ratio(imports, s.IMPORT_OURS, s.IMPORT_HTTPX)
    call_ratio = _ratio(calls, c.OURS, c.RAW)
    listing_ratio = _ratio(listing, s.OURS_SYNC, s.RAW_LOOP)
    default = next((row for row in results.slow_listing if row.name.endswith("(default)")), None)
    sequential = _find(results.slow_listing, s.SEQUENTIAL)
    speedup = sequential.value / default.value if default and sequential else None
    memory_ratio = _ratio(results.memory, s.MEMORY_LABELS["ours"], s.MEMORY_LABELS["raw"])
    regenerate = _find(results.regenerate, s.REGENERATE)
    return [
        Target(
            "`import llama_cloud_batch` (time inside a fresh process)",
            "≤ 1.3x `import httpx`",
            import_ratio,
            at_most(import_ratio, 1.3),
            _ratio(imports, s.IMPORT_OFFICIAL, s.IMPORT_HTTPX),
            "5.3x",
        ),
        Target(
            "one `list(limit=100)` call",
            "≤ 1.5x raw httpx + `json()`",
            call_ratio,
            at_most(call_ratio, 1.5),
            _ratio(calls, c.OFFICIAL, c.RAW),
            "7x",
        ),
        Target(
            "whole listing, sync iteration",
            "≤ 1.5x the raw httpx loop",
            listing_ratio,
            at_most(listing_ratio, 1.5),
            _ratio(listing, s.OFFICIAL_SYNC, s.RAW_LOOP),
            "9x",
        ),
        Target(
            "whole listing at added latency, async (speed-up over sequential paging)",
            "≥ 4x faster",
            speedup,
            None if speedup is None else speedup >= 4.0,
        ),
        Target(
            "bytes held per job (tracemalloc)",
            "≤ plain `json()` dicts (1x)",
            memory_ratio,
            at_most(memory_ratio, 1.0),
            _ratio(results.memory, s.MEMORY_LABELS["official"], s.MEMORY_LABELS["raw"]),
            "1.8x",
        ),
        Target(
            "`nox -s generate` (warm)",
            "≤ 5 s",
            regenerate.value if regenerate else None,
            None if regenerate is None else regenerate.value <= 5.0,
        ),
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _seen(row: Row) -> str:
    return {None: "", True: "yes", False: "**NO**"}[row.correct]


def _timed_table(
    rows: Sequence[Row],
    baseline: str,
    unit: Callable[[float], str],
    what: str,
    speed_up: bool = False,
) -> list[str]:
    """One row per contender; the ratio column is value / baseline, or with speed_up the
    baseline's time over each contender's (how many times faster than the baseline)."""

    def ratio(row: Row) -> float | None:
        if not speed_up:
            return _ratio(rows, row.name, baseline)
        inverse = _ratio(rows, row.name, baseline)
        return None if not inverse else 1 / inverse

    body = [
        [row.name, unit(row.value), _x(ratio(row)), str(row.samples)]
        + ([_seen(row)] if row.correct is not None else [])
        for row in rows
    ]
    ratio_header = f"speed-up over {baseline}" if speed_up else f"x {baseline}"
    header = ["contender", f"median {what}", ratio_header, "samples"]
    if any(row.correct is not None for row in rows):
        header.append("all jobs, in order")
    return _table(header, body)


def _verdict(target: Target) -> str:
    return {None: "not measured", True: "**PASS**", False: "**MISS**"}[target.passed]


def _measured(target: Target) -> str:
    if target.measured is None:
        return "-"
    if target.figure.startswith("`nox"):
        return _s(target.measured)
    return _x(target.measured)


def render(results: Results, command: str) -> str:
    """The whole docs/benchmarks.md."""
    settings = results.settings
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Made by `{command}` on {now}. The figures are medians; ratios divide by the named",
        "baseline. Contenders alternate round by round (the order flips every other round), each",
        "after a warm-up run. The server is `benchmarks/server.py`, a separate asyncio process on",
        "127.0.0.1 serving pre-encoded pages of jobs with every property filled; see",
        "`benchmarks/__init__.py` for how to read and rerun this.",
        "",
        "## Machine",
        "",
        *_table(["", ""], [[key, value] for key, value in machine().items()]),
        "Settings: " + ", ".join(f"{key}={value}" for key, value in settings.items()) + ".",
        "",
        "## Targets (issue 6)",
        "",
    ]
    target_rows = [
        [
            t.figure,
            t.goal,
            _measured(t),
            _verdict(t),
            "" if t.official is None else f"{_x(t.official)} (issue: {t.official_claim})",
        ]
        for t in targets(results)
    ]
    lines += _table(["figure", "target", "ours", "verdict", "official SDK"], target_rows)
    lines += ["## 1. Cold import (fresh process each)", ""]
    lines += [
        "Time is measured inside the fresh interpreter around the import statement; process",
        "wall time includes interpreter start-up; peak RSS is VmHWM read right after the import.",
        "",
    ]
    base = _find(results.imports, s.IMPORT_HTTPX)
    lines += _table(
        ["import", "median import time", "x import httpx", "process wall", "peak RSS (VmHWM)"],
        [
            [
                row.name,
                _ms(row.value),
                _x(row.value / base.value) if base and row.name != s.PASS else "-",
                _ms(row.extra["process_wall_s"]),
                _mib(row.extra["peak_rss_bytes"]),
            ]
            for row in results.imports
        ],
    )
    lines += [f"## 2. One `list(limit={settings['limit']})` call, kept-alive connection", ""]
    lines += _timed_table(results.one_call, c.RAW, _ms, "per call")
    lines += [f"## 3. Whole listing: {settings['jobs']} jobs, limit={settings['limit']}", ""]
    lines += _timed_table(results.listing, s.RAW_LOOP, _ms, "per listing")
    lines += [f"## 4. Whole listing with {settings['latency_ms']} ms added per request", ""]
    lines += _timed_table(results.slow_listing, s.SEQUENTIAL, _ms, "per listing", speed_up=True)
    lines += [f"## 5. Memory held per job ({settings['jobs']} jobs kept in a list)", ""]
    lines += [
        "Growth of tracemalloc's traced total (Python allocations: exact, the figure compared)",
        "and of VmRSS (measured in a separate run without tracemalloc: allocator slack",
        "included), each in a fresh process after a warm-up page, divided by the job count.",
        "",
    ]
    raw_memory = _find(results.memory, s.MEMORY_LABELS["raw"])
    lines += _table(
        ["kept as", "bytes/job (tracemalloc)", "x dicts", "bytes/job (VmRSS)", "all in order"],
        [
            [
                row.name,
                f"{row.value:.0f}",
                _x(row.value / raw_memory.value) if raw_memory else "-",
                f"{row.extra['rss_bytes_per_job']:.0f}",
                _seen(row),
            ]
            for row in results.memory
        ],
    )
    lines += ["## 6. Regenerating", ""]
    if results.regenerate:
        row = results.regenerate[0]
        lines += [
            f"`nox -s generate -- --output <scratch dir>` on a warm environment: median "
            f"{_s(row.value)} over {row.samples} runs after a warm-up (min "
            f"{_s(row.extra['min_s'])}, max {_s(row.extra['max_s'])}).",
            "",
        ]
    else:
        lines += ["Not measured in this run.", ""]
    return "\n".join(lines)
