"""`results download` in a folder others may have prepared: partial files no one can plant or
predict, one file per item whatever the IDs (case, digests, device names), and a file at an
item's name counted as saved only when it is whole."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from llama_cloud_batch.testing import BatchServer
from servers import KEY
from terminal import cli_env, run_cli, run_here

# Short of RUN_TIMEOUT: a download that blocks on a FIFO fails here rather than hanging.
BLOCKED = 20
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10))}
WINDOWS_DEVICES |= {f"lpt{n}" for n in range(10)}


@pytest.fixture
def server() -> Any:
    with BatchServer(api_key=KEY) as started:
        yield started
    started.assert_no_violations()


def _job(server: BatchServer, item_ids: list[str]) -> str:
    job_id = server.store.add_job(item_ids=item_ids)
    server.store.set_status(job_id, "completed")
    return job_id


def _download(
    server: BatchServer, job_id: str, out: Path, *, process: bool = False
) -> dict[str, Any]:
    """`results download --json`, in this process, or in a process of its own (`process`) when
    the download could block: that one is killed after BLOCKED seconds."""
    args = ["results", "download", job_id, "--out", str(out), "--json"]
    if process:
        run = run_cli(args, cli_env(server.url), terminal=False, timeout=BLOCKED)
    else:
        run = run_here(args, cli_env(server.url))
    assert run.code == 0, run.output
    summary: dict[str, Any] = json.loads(run.output)
    return summary


def _on_disk(out: Path) -> dict[str, dict[str, Any]]:
    """Item ID -> the document saved for it, for each regular file in `out`."""
    saved = {}
    for path in out.iterdir():
        if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
            document = json.loads(path.read_text())
            saved[document["item"]["item_id"]] = document
    return saved


def _old_partial_name(item_id: str) -> str:
    """Where the partial file of a plain ID used to be written: a name anyone could plant."""
    return f".{item_id}.json.part"


# ----- partial files ---------------------------------------------------------------------------


def test_a_link_planted_at_the_old_partial_name_is_not_followed(
    server: BatchServer, tmp_path: Path
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.txt"
    out.mkdir()
    elsewhere.write_text("not yours to overwrite\n")
    job_id = _job(server, ["file-1", "file-2"])
    for item_id in ("file-1", "file-2"):
        (out / _old_partial_name(item_id)).symlink_to(elsewhere)
    summary = _download(server, job_id, out)
    assert elsewhere.read_text() == "not yours to overwrite\n"
    assert summary["saved"] == 2
    assert sorted(_on_disk(out)) == ["file-1", "file-2"]
    assert not (out / "file-1.json").is_symlink()


def test_a_fifo_planted_at_the_old_partial_name_does_not_block(
    server: BatchServer, tmp_path: Path
) -> None:
    job_id = _job(server, ["file-1"])
    os.mkfifo(tmp_path / _old_partial_name("file-1"))
    summary = _download(server, job_id, tmp_path)
    assert summary["saved"] == 1
    assert sorted(_on_disk(tmp_path)) == ["file-1"]


def test_no_partial_file_is_left_behind(server: BatchServer, tmp_path: Path) -> None:
    job_id = _job(server, [f"file-{n}" for n in range(5)])
    _download(server, job_id, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"file-{n}.json" for n in range(5)]


# ----- one file per item -----------------------------------------------------------------------


def test_an_id_that_looks_like_another_ids_digest_name_gets_its_own_file(
    server: BatchServer, tmp_path: Path
) -> None:
    unsafe = "x/../y"
    # The name the unsafe ID's results were given: a plain ID can be exactly that.
    lookalike = f"item-{hashlib.sha256(unsafe.encode()).hexdigest()[:32]}"
    job_id = _job(server, [unsafe, lookalike])
    summary = _download(server, job_id, tmp_path)
    assert sorted(_on_disk(tmp_path)) == sorted([unsafe, lookalike])
    assert summary["saved"] == 2


def test_ids_differing_only_in_case_get_names_differing_in_more(
    server: BatchServer, tmp_path: Path
) -> None:
    ids = ["report", "Report", "REPORT"]
    job_id = _job(server, ids)
    summary = _download(server, job_id, tmp_path)
    names = [path.name for path in tmp_path.iterdir()]
    # A case-insensitive disk (Windows, macOS) would hold one file for all three otherwise.
    assert len({name.casefold() for name in names}) == 3, names
    assert sorted(_on_disk(tmp_path)) == sorted(ids)
    assert summary["saved"] == 3


def test_windows_device_names_are_not_used_as_file_names(
    server: BatchServer, tmp_path: Path
) -> None:
    ids = ["con", "CON", "nul", "aux", "com1", "lpt9", "prn.txt", "nul.tar.gz"]
    job_id = _job(server, ids)
    summary = _download(server, job_id, tmp_path)
    names = [path.name for path in tmp_path.iterdir()]
    assert not [name for name in names if name.split(".")[0].casefold() in WINDOWS_DEVICES]
    assert sorted(_on_disk(tmp_path)) == sorted(ids)
    assert summary["saved"] == len(ids)


# ----- resuming: what counts as saved ----------------------------------------------------------


def _whole_document(server: BatchServer, tmp_path: Path, item_id: str) -> bytes:
    """The file a first run saves for `item_id` (in a folder of its own)."""
    first = tmp_path / "first"
    _download(server, _job(server, [item_id]), first)
    return (first / f"{item_id}.json").read_bytes()


@pytest.mark.parametrize("kind", ["empty", "truncated", "another item's", "not JSON"])
def test_a_file_that_is_not_this_items_whole_document_is_fetched_again(
    server: BatchServer, tmp_path: Path, kind: str
) -> None:
    whole = _whole_document(server, tmp_path, "file-1")
    planted = {
        "empty": b"",
        "truncated": whole[: len(whole) // 2],
        "another item's": whole.replace(b'"file-1"', b'"file-2"'),
        "not JSON": b"\x00" * 64,
    }[kind]
    out = tmp_path / "out"
    out.mkdir()
    (out / "file-1.json").write_bytes(planted)
    summary = _download(server, _job(server, ["file-1"]), out)
    assert summary["saved"] == 1
    assert summary["already_saved"] == 0
    assert _on_disk(out)["file-1"]["item"]["item_id"] == "file-1"


def test_a_whole_file_is_not_fetched_again(server: BatchServer, tmp_path: Path) -> None:
    whole = _whole_document(server, tmp_path, "file-1")
    out = tmp_path / "out"
    out.mkdir()
    (out / "file-1.json").write_bytes(whole)
    summary = _download(server, _job(server, ["file-1"]), out)
    assert (summary["saved"], summary["already_saved"]) == (0, 1)


@pytest.mark.parametrize("kind", ["link to a whole file", "fifo"])
def test_what_is_not_a_plain_file_at_the_final_name_is_replaced(
    server: BatchServer, tmp_path: Path, kind: str
) -> None:
    whole = _whole_document(server, tmp_path, "file-1")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.json"
    out.mkdir()
    elsewhere.write_bytes(whole)
    if kind == "fifo":
        os.mkfifo(out / "file-1.json")
    else:
        (out / "file-1.json").symlink_to(elsewhere)
    summary = _download(server, _job(server, ["file-1"]), out, process=True)
    assert summary["saved"] == 1
    final = out / "file-1.json"
    assert final.is_file()
    assert not final.is_symlink()
    assert elsewhere.read_bytes() == whole


# ----- a run killed mid-download ---------------------------------------------------------------


@pytest.mark.parametrize("fsync", [False, True], ids=["synced-at-the-end", "fsync"])
def test_a_run_killed_at_any_moment_leaves_only_whole_files(
    server: BatchServer, tmp_path: Path, spawn: Any, fsync: bool
) -> None:
    # SIGKILL (no handler runs, nothing is cleaned up) at three moments of a download, each
    # run resuming the last: every file under an item's name is that item's whole document.
    import signal
    import subprocess
    import sys
    import time

    from llama_cloud_batch.cli._download import is_saved

    item_ids = [f"file-{n:04d}" for n in range(400)]
    job_id = _job(server, item_ids)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "llama_cloud_batch", "results", "download", job_id]
    command += ["--out", str(out), "--concurrency", "4", *(["--fsync"] if fsync else [])]
    for files in (5, 60, 150):
        child = spawn(
            command,
            env=cli_env(server.url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + BLOCKED
        while time.monotonic() < deadline and child.poll() is None:
            if out.is_dir() and sum(1 for _ in out.glob("*.json")) >= files:
                break
            time.sleep(0.005)
        assert child.poll() is None, "the download ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait()
        for path in out.glob("*.json"):
            assert is_saved(path, path.name.removesuffix(".json")), path.name
    # A last run completes the set, fetching only what is missing.
    summary = _download(server, job_id, out)
    assert summary["already_saved"] + summary["saved"] == len(item_ids)
    assert sorted(_on_disk(out)) == item_ids
