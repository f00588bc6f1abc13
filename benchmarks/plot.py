"""docs/benchmarks.png: the targets' figures as bars, for people who would rather look than read.

Drawn by `nox -s bench` (matplotlib is installed into that session only, never a dependency of
the package). Left: client CPU time over the raw httpx + json.loads loop, per data shape for
ours and the official SDK, then the other timings; whiskers are the interquartile range of the
per-round ratios, the dashed line the issue's goal for the realistic mix. Right: the memory
figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import contenders as c
from . import sections as s
from .data import HEADLINE, SHAPE_TITLES, SHAPES
from .report import Results, _find, _find_prefix, listing_ratio, ratio_spread
from .timing import Spread

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_OURS, _OFFICIAL, _RAW = "#2b7bba", "#c0504d", "#8c8c8c"
Bar = tuple[str, Spread, str]


def _bar(label: str, spread: Spread | None, colour: str) -> Bar | None:
    return None if spread is None else (label, spread, colour)


def _cpu_bars(results: Results) -> list[Bar | None]:
    bars: list[Bar | None] = []
    for shape in SHAPES:
        title = SHAPE_TITLES[shape]
        bars.append(_bar(f"{title}: ours", listing_ratio(results.listing, shape), _OURS))
        official = listing_ratio(results.listing, shape, s.OFFICIAL_SYNC)
        bars.append(_bar(f"{title}: official SDK", official, _OFFICIAL))
    calls, slow = results.one_call, results.slow_listing
    raw_async = _find(results.async_listing, s.RAW_ASYNC_LOOP)
    bars += [
        _bar("one call: ours", ratio_spread(_find(calls, c.OURS), _find(calls, c.RAW)), _OURS),
        _bar(
            "async walk: ours",
            ratio_spread(_find(results.async_listing, s.OURS_ASYNC), raw_async),
            _OURS,
        ),
        _bar(
            "+latency sync walk: ours (wall)",
            ratio_spread(_find_prefix(slow, s.OURS_SYNC), _find(slow, s.RAW_SEQUENTIAL), wall=True),
            _OURS,
        ),
    ]
    return bars


def _memory_bars(results: Results) -> list[tuple[str, float, str]]:
    bars: list[tuple[str, float, str]] = []
    raw = _find(results.memory, s.MEMORY_LABELS["raw"])
    colours = {"ours": _OURS, "official": _OFFICIAL, "raw": _RAW}
    for kind, label in s.MEMORY_LABELS.items():
        row = _find(results.memory, label)
        if row is not None and raw is not None:
            bars.append((f"kept: {label}", row.value / raw.value, colours[kind]))
    for row in results.streaming:
        jobs = int(row.extra["jobs"])
        base = _find(results.streaming, s.stream_label("raw", jobs))
        if row.name.startswith(c.OURS) and base is not None and base.value > 0:
            traced, rss = ratio_spread(row, base), ratio_spread(row, base, wall=True)
            if traced is not None:
                bars.append((f"streaming {jobs}, under load: traced", traced.median, _OURS))
            if rss is not None:
                bars.append((f"streaming {jobs}, under load: RSS", rss.median, _OURS))
    return bars


def _draw_cpu(axes: Axes, bars: list[Bar | None]) -> None:
    present = [bar for bar in bars if bar is not None]
    labels = [label for label, _, _ in present]
    medians = [spread.median for _, spread, _ in present]
    errors = [
        [spread.median - spread.q1 for _, spread, _ in present],
        [spread.q3 - spread.median for _, spread, _ in present],
    ]
    positions = list(range(len(present)))[::-1]
    axes.barh(positions, medians, xerr=errors, color=[bar[2] for bar in present])
    axes.set_yticks(positions, labels, fontsize=7)
    axes.set_xscale("log")
    ticks = [0.25, 0.5, 1, 2, 5, 10, 20]
    axes.set_xticks(ticks, [f"{tick:g}x" for tick in ticks])
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.axvline(1.2, color="black", linewidth=0.8, linestyle="--")
    for position, (_, spread, _) in zip(positions, present, strict=True):
        axes.text(spread.q3 * 1.08, position, f"{spread.median:.2f}x", va="center", fontsize=7)
    axes.set_xlabel("client CPU / raw httpx + json.loads (log; dashed: 1.2x; +latency row: wall)")
    axes.set_title("Speed by data shape: lower is better, 1.0 = raw httpx", fontsize=10)


def _draw_memory(axes: Axes, bars: list[tuple[str, float, str]]) -> None:
    positions = list(range(len(bars)))[::-1]
    axes.barh(positions, [bar[1] for bar in bars], color=[bar[2] for bar in bars])
    axes.set_yticks(positions, [bar[0] for bar in bars], fontsize=8)
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.axvline(1.5, color="black", linewidth=0.8, linestyle="--")
    for position, (_, value, _) in zip(positions, bars, strict=True):
        axes.text(value * 1.02, position, f"{value:.2f}x", va="center", fontsize=7)
    axes.set_xlabel("bytes / plain dicts (kept) or / raw loop's peak (streaming; dashed: 1.5x)")
    axes.set_title("Memory: lower is better", fontsize=10)


def draw(results: Results, path: Path) -> None:
    """Writes the two panels to `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (speed, memory) = plt.subplots(1, 2, figsize=(14, 6.5))
    _draw_cpu(speed, _cpu_bars(results))
    _draw_memory(memory, _memory_bars(results))
    figure.suptitle(
        f"llama_cloud_batch vs the official SDK and raw httpx: {results.settings['jobs']} jobs, "
        f"limit {results.settings['limit']}, other figures on the {SHAPE_TITLES[HEADLINE]} "
        "(medians, whiskers: IQR of rounds)",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
