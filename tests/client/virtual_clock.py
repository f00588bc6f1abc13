"""A virtual clock for the waiting helpers' tests (the `clock` fixture, tests/client/conftest.py):
time.sleep, asyncio.sleep and time.monotonic for the code under test, where a sleep is recorded
and moves a virtual offset (and runs `on_sleep`, which may tick a server) instead of waiting."""

from __future__ import annotations

import asyncio
import time


class Clock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.offset = 0.0
        self.on_sleep = lambda: None
        self._monotonic = time.monotonic
        self._async_sleep = asyncio.sleep

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds
        self.on_sleep()

    async def async_sleep(self, seconds: float) -> None:
        if seconds == 0:  # the event loop's own checkpoints, not a wait of the code under test
            await self._async_sleep(0)
            return
        self.sleep(seconds)

    def monotonic(self) -> float:
        return self._monotonic() + self.offset
