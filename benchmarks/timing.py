"""Timing contenders fairly: warm each up, then alternate them round by round.

Each round runs every contender in turn (the order reverses every other round, so none always
goes first) and records, per contender, the client process's CPU time (`time.process_time`,
every thread of this process, the server being another process) and the wall time. Targets are
decided on CPU time, which other work on a busy machine moves far less than wall time. Ratios
are taken round by round (a contender's round over the baseline's same round), so the spread of
those ratios says how far a verdict could move between runs. A contender's result is checked
after each run, outside the timed span.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass
class Samples:
    """One contender's figures, one entry per round (the mean of that round's runs)."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    runs: int = 0
    correct: bool = True
    # The rounds it ran in (a contender may run only every few rounds, see Contest.every).
    rounds: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Spread:
    """Median, quartiles and extremes of a list of figures."""

    median: float
    q1: float
    q3: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if len(values) == 1:
            return cls(values[0], values[0], values[0], values[0], values[0])
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(statistics.median(values), q1, q3, min(values), max(values))


def round_ratios(values: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Each round's figure over the baseline's figure of the same round."""
    return [value / base for value, base in zip(values, baseline, strict=True) if base > 0]


def paired_ratios(
    values: Sequence[float],
    rounds: Sequence[int],
    baseline: Sequence[float],
    base_rounds: Sequence[int],
) -> list[float]:
    """round_ratios over the rounds both ran in (no rounds recorded: every round)."""
    mine = dict(zip(rounds or range(len(values)), values, strict=True))
    theirs = dict(zip(base_rounds or range(len(baseline)), baseline, strict=True))
    common = [index for index in mine if index in theirs]
    return round_ratios([mine[i] for i in common], [theirs[i] for i in common])


@dataclass
class Contest(Generic[R]):
    """Contenders that each return a result `check` can judge."""

    contenders: Mapping[str, Callable[[], R]]
    check: Callable[[R], bool]
    # Contenders that run only every n-th round: a slow one compared for information (the
    # official SDK) would otherwise take most of the time the compared ones need for rounds.
    every: Mapping[str, int] = field(default_factory=dict)

    def run(self, rounds: int, repeat: int = 1) -> dict[str, Samples]:
        """`rounds` alternating rounds of `repeat` timed runs per contender, after one warm-up."""
        samples = {name: Samples() for name in self.contenders}
        for name, contender in self.contenders.items():
            samples[name].correct = self.check(contender())
        names = list(self.contenders)
        for round_index in range(rounds):
            for name in names if round_index % 2 == 0 else reversed(names):
                if round_index % self.every.get(name, 1):
                    continue
                contender = self.contenders[name]
                # Each contender starts without the previous one's garbage to collect.
                gc.collect()
                cpu = wall = 0.0
                for _ in range(repeat):
                    wall_started, cpu_started = time.perf_counter(), time.process_time()
                    result = contender()
                    cpu += time.process_time() - cpu_started
                    wall += time.perf_counter() - wall_started
                    if not self.check(result):
                        samples[name].correct = False
                samples[name].cpu.append(cpu / repeat)
                samples[name].wall.append(wall / repeat)
                samples[name].runs += repeat
                samples[name].rounds.append(round_index)
        return samples
