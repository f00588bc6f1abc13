"""`results download`: every item's processing results, one JSON file per item, resumable.

A file appears only once whole (written beside its final name, then renamed): a second run
skips the items whose file it finds whole (see is_saved) and fetches the rest, whether the
first run was interrupted or the job has gained items since.

The disk is synced once, at the end (os.sync), not file by file: an fsync per file was half
the cost of saving an item. A rename is atomic for the processes that read the directory, so a
killed run never leaves a half-written file under a final name; after a power cut, files of the
last moments may be missing (or, on a file system that does not order a rename after its data,
empty), and is_saved fetches those again. --fsync (fsync=True) syncs each file before its rename
instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .._body import loads
from ._render import shown

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import BatchJobItem, ItemProcessingResults
    from rich.console import Console

    from .._client import LlamaCloud

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}")
# Names Windows gives to devices, whatever follows the first dot ("nul.json" is the null device).
_WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(10))]
)
# Only completed items have processing results to fetch; the others are counted, not fetched.
_WITH_RESULTS = "completed"


def item_filename(item_id: str) -> str:
    """The file an item's results are saved in; no two IDs share one, even on a disk that
    ignores case (Windows, macOS).

    `ID.json` when the ID is a plain name in lower case (letters, digits, ".", "_", "-"). Any
    other ID gets a digest of itself after a "~", which no plain name holds:
    `Report~<digest>.json` for a plain name in mixed case, `item~<digest>.json` for a Windows
    device name (CON, nul.txt, COM1...) or an ID that is not a plain name (it is the server's
    string: it could hold "/" or "..").
    """
    device = item_id.partition(".")[0].lower() in _WINDOWS_DEVICES
    if _SAFE_NAME.fullmatch(item_id) and not device:
        if item_id == item_id.lower():
            return f"{item_id}.json"
        stem = item_id
    else:
        stem = "item"
    return f"{stem}~{hashlib.sha256(item_id.encode()).hexdigest()[:32]}.json"


def write_atomically(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Writes `data` to a new file beside `path`, then renames it over `path`; with `fsync`,
    the data reaches the disk before the rename.

    The partial file is made by mkstemp: created exclusively (O_EXCL, never through a link or
    into a FIFO someone planted) under a name no one can guess, and readable by this user only,
    as the saved file then is (results hold what the documents say).
    """
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    partial = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            if fsync:
                file.flush()
                os.fsync(file.fileno())
        partial.replace(path)
    except BaseException:
        # missing_ok: renamed already (Ctrl-C just after the rename).
        partial.unlink(missing_ok=True)
        raise


def is_saved(path: Path, item_id: str) -> bool:
    """Whether `path` holds what this command saves for the item: a plain file (not a link, a
    FIFO or a device) of whole JSON with the item's own ID. Anything else (empty or cut short
    by a full disk or a crash, another item's, planted) is fetched again and replaced."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        try:
            document = loads(file.read())
        except ValueError:  # not JSON, or cut short
            return False
    if not isinstance(document, dict):
        return False
    item = document.get("item")
    return isinstance(item, dict) and item.get("item_id") == item_id and "results" in document


def item_document(item: BatchJobItem, results: ItemProcessingResults) -> bytes:
    """The file's bytes: indented UTF-8 JSON and a final line break. orjson writes it in a
    tenth of json's time; what orjson refuses (an integer beyond 64 bits) goes through json."""
    document = {"item": item.to_dict(), "results": results.to_dict()}
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


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
    fsync: bool = False,
) -> None:
    """Saves every item's results into `out`, counting into `summary` as it goes (so that an
    interruption still leaves an exact count of what is saved)."""
    # The job's size for the bar; asked first, it also turns an unknown job into one clear 404.
    total = client.beta.batch.get_status(job_id).job.total_items if status is None else None
    progress = Progress(
        TextColumn("results", style="bold"),
        TextColumn("{task.description}", markup=False),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TextColumn("items"),
        TimeElapsedColumn(),
        console=console,
        disable=not live,
    )
    task = progress.add_task(shown(job_id).plain, total=total)
    # The names already in `out`, read once: only those can be saved items, so a fresh directory
    # costs no open() per item. (Each system call lets the fetching threads take the GIL, which
    # this thread then waits to get back.) A file another process writes meanwhile is written
    # again, whole.
    present = {entry.name for entry in os.scandir(out)}

    def skip(item: BatchJobItem) -> bool:
        name = item_filename(item.item_id)
        if status is None and str(item.status) != _WITH_RESULTS:
            summary.without_results[str(item.status)] += 1
        elif name in present and is_saved(out / name, item.item_id):
            summary.already_saved += 1
        else:
            return False
        progress.advance(task)
        return True

    # Off a terminal nothing is drawn, so nothing is started: rich before 14.3 prints an empty
    # line when even a disabled Progress stops.
    interrupted = False
    try:
        with progress if live else contextlib.nullcontext():
            for item, results in client.beta.batch.iter_results(
                job_id, status=status, concurrency=concurrency, skip=skip
            ):
                write_atomically(
                    out / item_filename(item.item_id), item_document(item, results), fsync=fsync
                )
                summary.saved += 1
                progress.advance(task)
    except KeyboardInterrupt:
        # Stops at once: what is written is whole, and the system writes it out in its time.
        interrupted = True
        raise
    finally:
        if summary.saved and not fsync and not interrupted:
            os.sync()  # once for every file of the run (see the module's docstring)
