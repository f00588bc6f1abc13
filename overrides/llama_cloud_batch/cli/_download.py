"""`results download`: every item's processing results, one JSON file per item, resumable.

A file appears only once whole (written beside its final name, flushed, then renamed), so a
file that is there is complete: a second run skips the items it finds saved and fetches the
rest, whether the first run was interrupted or the job has gained items since.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import BatchJobItem, ItemProcessingResults
    from rich.console import Console

    from .._client import LlamaCloud

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
# Only completed items have processing results to fetch; the others are counted, not fetched.
_WITH_RESULTS = "completed"


def item_filename(item_id: str) -> str:
    """The file an item's results are saved in: its ID when that is a plain file name, else a
    digest of it (an ID is the server's string: it could hold "/" or "..")."""
    if _SAFE_NAME.fullmatch(item_id):
        return f"{item_id}.json"
    return f"item-{hashlib.sha256(item_id.encode()).hexdigest()[:32]}.json"


def write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.part")
    with partial.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    partial.replace(path)


def item_document(item: BatchJobItem, results: ItemProcessingResults) -> bytes:
    document = {"item": item.to_dict(), "results": results.to_dict()}
    return (json.dumps(document, indent=2) + "\n").encode()


@dataclass
class DownloadSummary:
    job_id: str
    out: Path
    saved: int = 0  # files written by this run
    already_saved: int = 0  # items skipped because their file was there
    without_results: Counter[str] = field(default_factory=Counter)  # by item status

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "out": str(self.out),
            "saved": self.saved,
            "already_saved": self.already_saved,
            "without_results": dict(sorted(self.without_results.items())),
        }

    def line(self) -> str:
        text = f"{self.saved} files saved to {self.out}"
        if self.already_saved:
            text += f" ({self.already_saved} already there)"
        if self.without_results:
            counted = ", ".join(
                f"{n} {status}" for status, n in sorted(self.without_results.items())
            )
            text += f"; items without results to fetch: {counted}"
        return text


def prepare_directory(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)


def download(
    client: LlamaCloud,
    job_id: str,
    out: Path,
    *,
    status: str | None,
    concurrency: int,
    console: Console,
    live: bool,
    summary: DownloadSummary,
) -> None:
    """Saves every item's results into `out`, counting into `summary` as it goes (so that an
    interruption still leaves an exact count of what is saved)."""
    # The job's size for the bar; asked first, it also turns an unknown job into one clear 404.
    total = client.beta.batch.get_status(job_id).job.total_items if status is None else None
    progress = Progress(
        TextColumn("[bold]results[/] " + job_id),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TextColumn("items"),
        TimeElapsedColumn(),
        console=console,
        disable=not live,
    )
    task = progress.add_task("download", total=total)

    def skip(item: BatchJobItem) -> bool:
        if status is None and str(item.status) != _WITH_RESULTS:
            summary.without_results[str(item.status)] += 1
        elif (out / item_filename(item.item_id)).exists():
            summary.already_saved += 1
        else:
            return False
        progress.advance(task)
        return True

    # Off a terminal nothing is drawn, so nothing is started: rich before 14.3 prints an empty
    # line when even a disabled Progress stops.
    with progress if live else contextlib.nullcontext():
        for item, results in client.beta.batch.iter_results(
            job_id, status=status, concurrency=concurrency, skip=skip
        ):
            write_atomically(out / item_filename(item.item_id), item_document(item, results))
            summary.saved += 1
            progress.advance(task)
