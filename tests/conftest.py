"""What every folder of tests may need: starting a child process as a background launch does."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

Spawn = Callable[..., "subprocess.Popen[Any]"]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """`spawn(args, **popen_options)` starts a child as a shell without job control (a script,
    cron, CI) starts a background command: with SIGINT ignored, which a process keeps through
    exec. A program that Ctrl-C must stop has to restore SIGINT itself, so a test of Ctrl-C
    passes however the test run itself was started. Every child still running when the test
    ends is killed, so none outlives a failed test."""
    children: list[subprocess.Popen[Any]] = []

    def start(args: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
        # Children inherit the disposition at fork; the window is the fork and exec alone.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            child = subprocess.Popen(args, **options)
        finally:
            signal.signal(signal.SIGINT, previous)
        children.append(child)
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()
        child.wait()
