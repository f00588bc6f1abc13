"""results download: one whole file per item, resumable after Ctrl-C or a server that gives up,
to exactly the full set; failed items counted, not fetched."""

from __future__ import annotations

import json
import signal
import time

import pytest
from llama_cloud_batch.testing import Fault

from .conftest import INTERRUPTED_TIMEOUT, KEY, RUN_TIMEOUT, finished_job, one_line_error

RESULTS = "/api/v1/beta/batch-processing/items/*/processing-results*"


def _completed_ids(server, job_id):
    return [i["item_id"] for i in server.items(job_id) if i["status"] == "completed"]


def _saved(out):
    """The item files in `out`, each checked to be whole JSON naming its own item."""
    saved = {}
    for path in sorted(out.glob("*.json")):
        document = json.loads(path.read_text())
        assert path.name == f"{document['item']['item_id']}.json"
        assert document["results"]["item_id"] == document["item"]["item_id"]
        saved[document["item"]["item_id"]] = document
    return saved


def _fetched(server):
    return [r.path.split("/")[-2] for r in server.requests_for("getItemProcessingResults")]


def test_downloads_every_completed_item_once(cli, server, tmp_path):
    job_id = finished_job(server, items=9, failed_items=2, skipped_items=1)
    out = tmp_path / "results"
    run = cli("results", "download", job_id, "--out", str(out), "--json")
    assert run.code == 0
    assert run.stderr == ""  # progress is drawn on a terminal only
    summary = json.loads(run.stdout)
    assert summary == {
        "job_id": job_id,
        "out": str(out),
        "saved": 6,
        "already_saved": 0,
        "without_results": {"failed": 2, "skipped": 1},
    }
    saved = _saved(out)
    assert sorted(saved) == sorted(_completed_ids(server, job_id))
    for document in saved.values():
        assert len(document["results"]["processing_results"]) == 1
        assert document["results"]["processing_results"][0]["job_type"] == "parse"
    assert sorted(_fetched(server)) == sorted(saved)  # failed and skipped items never asked for
    assert not list(out.glob(".*"))  # no partial file left behind


def test_a_second_run_fetches_nothing_again(cli, server, tmp_path):
    job_id = finished_job(server, items=5)
    first = cli("results", "download", job_id, "--out", str(tmp_path))
    assert first.code == 0
    assert "5 files saved" in first.stdout
    server.clear_requests()
    again = cli("results", "download", job_id, "--out", str(tmp_path), "--json")
    assert json.loads(again.stdout)["already_saved"] == 5
    assert json.loads(again.stdout)["saved"] == 0
    assert _fetched(server) == []


def test_status_option_fetches_those_items(cli, server, tmp_path):
    job_id = finished_job(server, items=5, failed_items=2)
    failed = [i["item_id"] for i in server.items(job_id) if i["status"] == "failed"]
    run = cli("results", "download", job_id, "--out", str(tmp_path), "--status", "failed")
    assert run.code == 0
    saved = _saved(tmp_path)
    assert sorted(saved) == sorted(failed)
    assert all(d["results"]["processing_results"] == [] for d in saved.values())


def test_rides_out_rate_limits_and_server_errors(cli, server, tmp_path):
    job_id = finished_job(server, items=8)
    # Two faults in all: whichever requests they hit, no request meets more than the client's
    # two retries absorb.
    server.inject(Fault.rate_limit("0"), times=1, path=RESULTS)
    server.inject(Fault.error(503, retry_after="0"), times=1, path=RESULTS)
    run = cli("results", "download", job_id, "--out", str(tmp_path), "--concurrency", "3")
    assert run.code == 0
    assert len([r for r in server.requests if r.fault]) == 2
    assert sorted(_saved(tmp_path)) == sorted(_completed_ids(server, job_id))


def test_a_server_that_gives_up_stops_it_and_a_rerun_completes_the_set(cli, server, tmp_path):
    job_id = finished_job(server, items=7)
    listed = _completed_ids(server, job_id)
    broken = f"/api/v1/beta/batch-processing/items/{listed[3]}/processing-results*"
    server.inject(Fault.error(500, retry_after="0"), times=3, path=broken)  # every retry too
    run = cli("results", "download", job_id, "--out", str(tmp_path), "--concurrency", "1")
    assert run.code == 1
    line = one_line_error(run)
    assert "500" in line
    assert "3 files saved" in line
    assert "run again to resume" in line
    assert sorted(_saved(tmp_path)) == sorted(listed[:3])  # in order, up to the broken one
    server.clear_requests()
    rerun = cli("results", "download", job_id, "--out", str(tmp_path), "--json")
    assert rerun.code == 0
    assert json.loads(rerun.stdout)["already_saved"] == 3
    assert sorted(_saved(tmp_path)) == sorted(listed)
    assert sorted(_fetched(server)) == sorted(listed[3:])


def test_ctrl_c_exits_at_once_while_fetches_still_hang(server, start, tmp_path):
    job_id = finished_job(server, items=6)
    # Every result hangs far longer than the test waits: the fetches are in flight at Ctrl-C.
    server.inject(Fault.hang(15), times=6, path=RESULTS)
    process = start("results", "download", job_id, "--out", str(tmp_path), "--concurrency", "3")
    deadline = time.monotonic() + RUN_TIMEOUT
    while len(_fetched(server)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=INTERRUPTED_TIMEOUT)
    assert process.returncode == 130
    assert time.monotonic() - interrupted < 5, "the exit waited for the hanging fetches"
    assert "Run the same command again" in stderr
    assert "Traceback" not in stderr


def test_ctrl_c_keeps_whole_files_and_a_rerun_fetches_exactly_the_rest(
    cli, server, start, tmp_path
):
    job_id = finished_job(server, items=16)
    listed = _completed_ids(server, job_id)
    # Each result takes a while, so that the interruption lands mid-download.
    server.inject(Fault.hang(0.4), times=len(listed), path=RESULTS)
    process = start("results", "download", job_id, "--out", str(tmp_path), "--concurrency", "2")
    deadline = time.monotonic() + RUN_TIMEOUT
    while len(list(tmp_path.glob("*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=INTERRUPTED_TIMEOUT)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert KEY not in stdout + stderr
    assert "Run the same command again" in stderr
    kept = _saved(tmp_path)
    assert 3 <= len(kept) < len(listed)
    assert set(kept) <= set(listed)
    server.clear_faults()
    server.clear_requests()
    rerun = cli("results", "download", job_id, "--out", str(tmp_path), "--json")
    assert rerun.code == 0
    summary = json.loads(rerun.stdout)
    assert summary["already_saved"] == len(kept)
    assert summary["saved"] == len(listed) - len(kept)
    assert sorted(_saved(tmp_path)) == sorted(listed)
    assert sorted(_fetched(server)) == sorted(set(listed) - set(kept))


def test_an_unknown_job_is_one_line(cli, server, tmp_path):
    run = cli("results", "download", "bjb-missing", "--out", str(tmp_path / "x"))
    assert run.code == 1
    assert "404" in one_line_error(run)


def test_an_unusable_directory_is_one_line(cli, server, tmp_path):
    job_id = finished_job(server, items=2)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    run = cli("results", "download", job_id, "--out", str(blocker))
    assert run.code == 1
    assert "cannot use" in one_line_error(run)


@pytest.mark.parametrize("fsync", [False, True])
def test_files_are_synced_once_at_the_end_unless_fsync_is_asked(
    cli, server, tmp_path, monkeypatch, fsync
):
    # An fsync per file was half the cost of saving an item: by default one sync at the end.
    import os

    calls = {"fsync": 0, "sync": 0}
    real_fsync = os.fsync
    monkeypatch.setattr(
        os, "fsync", lambda fd: (calls.__setitem__("fsync", calls["fsync"] + 1), real_fsync(fd))[1]
    )
    monkeypatch.setattr(os, "sync", lambda: calls.__setitem__("sync", calls["sync"] + 1))
    job_id = finished_job(server, items=6)
    run = cli(
        "results", "download", job_id, "--out", str(tmp_path), *(["--fsync"] if fsync else [])
    )
    assert run.code == 0
    assert len(_saved(tmp_path)) == 6
    assert calls == ({"fsync": 6, "sync": 0} if fsync else {"fsync": 0, "sync": 1})
