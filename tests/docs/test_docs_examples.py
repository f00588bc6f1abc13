"""The `Examples:` of the docstrings, run as doctests against the local test server.

Every docstring of the package (the hand-written modules and the generated resources) with a
`>>>` example is one test. Each runs in the environment a reader's would be:
LLAMA_CLOUD_API_KEY and LLAMA_CLOUD_BASE_URL name a fresh local server (`BatchServer`,
advancing by itself) holding three batches, three beta jobs, the directories `dir-reports` and
`dir-invoices` (three files each) and `dir-archive` (400); `client` is a `LlamaCloud()`, as
method examples assume. The reference shows these docstrings, so what it shows runs. The public
entry points must have examples.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import llama_cloud_batch  # first: the generated resources build on it
import pytest
from llama_cloud_batch import AsyncLlamaCloud, LlamaCloud
from llama_cloud_batch.testing import BatchServer

# The site does not depend on the interpreter: checked on the first Python only.

API_KEY = "docs-example-key"
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def modules() -> Iterator[ModuleType]:
    """Every module users reach, hand-written and generated resources (no `__main__`)."""
    generated = importlib.import_module("_llama_cloud_batch_generated.resources")
    for package in (llama_cloud_batch, generated):
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name.rsplit(".", 1)[-1] != "__main__":
                yield importlib.import_module(info.name)


def examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for module in modules():
        for test in finder.find(module):
            if test.examples:
                found[test.name] = test
    return sorted(found.values(), key=lambda test: test.name)


EXAMPLES = examples()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchServer]:
    with BatchServer(api_key=API_KEY, auto_tick=0.02) as server:
        for directory in ("dir-reports", "dir-invoices"):
            server.add_directory(directory, ["q1.pdf", "q2.pdf", "q3.pdf"])
        # Big enough that a batch over it is still running when an example cancels it.
        server.add_directory("dir-archive", [f"scan-{n}.pdf" for n in range(400)])
        server.seed_batches(3)
        server.seed(3)
        monkeypatch.setenv("LLAMA_CLOUD_API_KEY", API_KEY)
        monkeypatch.setenv("LLAMA_CLOUD_BASE_URL", server.url)
        yield server


@pytest.mark.parametrize("test", EXAMPLES, ids=lambda test: test.name)
def test_the_example_runs(test: doctest.DocTest, server: BatchServer) -> None:
    output: list[str] = []
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    with LlamaCloud() as client:
        test.globs = {**test.globs, "client": client}
        try:
            result = runner.run(test, out=output.append, clear_globs=False)
        finally:
            test.globs.clear()
    assert result.failed == 0, "".join(output)
    server.assert_no_violations()


def entry_points() -> list[object]:
    """What a reader looks up first: the clients, each resource's class (its docstring is its
    `custom:` mixin's), the helpers the mixins add, pages, the local server."""
    from _llama_cloud_batch_generated.resources.batch import Batch
    from _llama_cloud_batch_generated.resources.batches import AsyncBatches, Batches
    from _llama_cloud_batch_generated.resources.webhooks import Webhooks
    from llama_cloud_batch import AsyncPager, SyncCursorPage, SyncPage
    from llama_cloud_batch.webhooks import BatchStatusTracker

    points: list[object] = [LlamaCloud, AsyncLlamaCloud, Batches, AsyncBatches, Batch, Webhooks]
    points.append(BatchStatusTracker)
    for resource in (Batches, Batch):
        mixin = resource.__mro__[1]
        points += [
            member
            for name, member in vars(mixin).items()
            if not name.startswith("_") and inspect.isfunction(member)
        ]
    return [*points, SyncCursorPage, SyncPage, AsyncPager, BatchServer]


@pytest.mark.parametrize("point", entry_points(), ids=lambda point: point.__qualname__)
def test_the_entry_point_has_examples(point: object) -> None:
    doc = inspect.getdoc(point) or ""
    assert "Examples:" in doc, f"{point} has no Examples: section"
    assert ">>>" in doc.split("Examples:", 1)[1]


def test_the_examples_are_found() -> None:
    names = {test.name.rsplit(".", 1)[-1] for test in EXAMPLES}
    assert {"LlamaCloud", "BatchesMixin", "wait_for_completion", "BatchServer"} <= names
