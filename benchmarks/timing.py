"""Timing contenders fairly: warm each up, then alternate them round by round.

Each round runs every contender in turn (the order reverses every other round, so none always
goes first); the figure is the median over all samples. A contender's result is checked after
each run, outside the timed span.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass
class Samples:
    """The timings of one contender, and whether every one of its results was right."""

    seconds: list[float] = field(default_factory=list)
    correct: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class Contest(Generic[R]):
    """Contenders that each return a result `check` can judge."""

    contenders: Mapping[str, Callable[[], R]]
    check: Callable[[R], bool]

    def run(self, rounds: int, repeat: int = 1) -> dict[str, Samples]:
        """`rounds` alternating rounds of `repeat` timed runs per contender, after one warm-up."""
        samples = {name: Samples() for name in self.contenders}
        for name, contender in self.contenders.items():
            samples[name].correct = self.check(contender())
        names = list(self.contenders)
        for round_index in range(rounds):
            for name in names if round_index % 2 == 0 else reversed(names):
                contender = self.contenders[name]
                # Each contender starts without the previous one's garbage to collect.
                gc.collect()
                for _ in range(repeat):
                    started = time.perf_counter()
                    result = contender()
                    samples[name].seconds.append(time.perf_counter() - started)
                    if not self.check(result):
                        samples[name].correct = False
        return samples
