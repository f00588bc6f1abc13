"""The demo (`nox -s demo`) runs end to end and shows what it promises: the library's tour and
the command line's."""

from __future__ import annotations

import re

from llama_cloud_batch.testing import demo


def test_the_demo_runs_the_seed_example_lists_items_waits_and_shows_the_command_line(capsys):
    assert demo.main(["--batches", "7", "--jobs", "6", "--auto-tick", "0.05"]) == 0
    out = capsys.readouterr().out
    # Batches (v2) come first: a listing walked by cursor, a batch followed to its results.
    assert out.index("== Batches") < out.index("== The deprecated beta")
    assert "every page: 7 batches" in out
    assert re.search(r"^bat-[0-9a-f-]{36}: PENDING -> .* -> COMPLETED$", out, re.MULTILINE)
    assert len(re.findall(r"^  file-[0-9a-f-]{36}: parse_v2 job ", out, re.MULTILINE)) == 3
    # The documentation's example printed the newest job's ID.
    assert re.search(r"^--> bjb-[0-9a-f-]{36}$", out, re.MULTILINE)
    assert "6 jobs in all" in out
    assert "every page: 6 jobs" in out
    assert re.search(r"^== Items of bjb-", out, re.MULTILINE)
    assert re.search(r"^completed at 100%: 4 processed, 0 failed, 0 skipped$", out, re.MULTILINE)
    assert "invoice-1.pdf: parse result at s3://" in out
    for command in ("jobs list", "jobs wait", "items list", "results download"):
        assert re.search(rf"^== \$ llama-cloud-batch {command} ", out, re.MULTILINE), command
    assert out.count("(exit status 0)") == 4
    assert re.search(r"^4 files saved to ", out, re.MULTILINE)
    assert demo.DEMO_KEY not in out
