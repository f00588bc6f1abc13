"""What every folder of tests may need: no ambient configuration, and starting a child process
as a background launch does."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

Spawn = Callable[..., "subprocess.Popen[Any]"]

# What the client reads from the environment: its own settings, and proxies (which would carry a
# test's requests to 127.0.0.1 somewhere else).
AMBIENT = (
    "LLAMA_CLOUD_API_KEY",
    "LLAMA_PARSE_API_KEY",
    "LLAMA_CLOUD_BASE_URL",
    "LLAMA_CLOUD_CUSTOM_HEADERS",
    "LLAMA_CLOUD_LOG",
    "LLAMA_CLOUD_WEBHOOK_SECRET",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture
def no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test runs with none of AMBIENT set unless it sets one itself."""
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)


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
