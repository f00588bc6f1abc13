"""BatchStatusTracker: the furthest status per batch by the spec's order (BatchStatus.STEPS),
whatever order deliveries come in and however often, from many threads at once.

The order is read from BatchStatus.STEPS, not restated here."""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st
from llama_cloud_batch.types import BatchStatus
from llama_cloud_batch.webhooks import BatchStatusTracker, Progress

STEPS: dict[int, list[BatchStatus]] = defaultdict(list)
for _status, _step in BatchStatus.STEPS.items():
    STEPS[_step].append(_status)
FIRST, LAST = min(STEPS), max(STEPS)
RANKED = sorted(BatchStatus.STEPS, key=lambda status: (BatchStatus.STEPS[status], status.value))


def test_the_spec_gives_every_status_a_step_and_the_final_ones_the_last() -> None:
    assert set(BatchStatus.STEPS) == set(BatchStatus)
    assert set(STEPS[LAST]) == set(BatchStatus.FINAL)
    assert sorted(STEPS) == list(range(len(STEPS)))
    assert BatchStatus("QUEUED").step is None


def test_statuses_in_order_are_each_news_once() -> None:
    tracker = BatchStatusTracker()
    for step in sorted(STEPS):
        assert tracker.observe("bat-1", STEPS[step][0]) is Progress.NEW
        assert tracker.observe("bat-1", STEPS[step][0]) is Progress.REPEATED
    assert tracker.status("bat-1") == STEPS[LAST][0]


def test_a_late_delivery_is_stale_and_changes_nothing() -> None:
    tracker = BatchStatusTracker()
    final = STEPS[LAST][0]
    assert tracker.observe("bat-1", final) is Progress.NEW
    for step in range(LAST):
        for status in STEPS[step]:
            assert tracker.observe("bat-1", status) is Progress.STALE
    assert tracker.status("bat-1") is final


def test_values_of_one_step_are_repeats_and_the_first_one_is_kept() -> None:
    tracker = BatchStatusTracker()
    for step, statuses in STEPS.items():
        batch = f"bat-{step}"
        assert tracker.observe(batch, statuses[-1]) is Progress.NEW
        for other in statuses:
            assert tracker.observe(batch, other) is Progress.REPEATED
        assert tracker.status(batch) is statuses[-1]


def test_batches_are_tracked_apart() -> None:
    tracker = BatchStatusTracker()
    assert tracker.observe("a", STEPS[LAST][0]) is Progress.NEW
    assert tracker.observe("b", STEPS[FIRST][0]) is Progress.NEW
    assert tracker.status("a") is STEPS[LAST][0]
    assert tracker.status("b") is STEPS[FIRST][0]
    assert tracker.status("c") is None
    assert len(tracker) == 2


def test_plain_strings_are_statuses_too() -> None:
    tracker = BatchStatusTracker()
    assert tracker.observe("bat-1", STEPS[FIRST][0].value) is Progress.NEW
    assert tracker.observe("bat-1", STEPS[FIRST][0]) is Progress.REPEATED
    assert tracker.status("bat-1") == STEPS[FIRST][0]


def test_an_unknown_status_is_handed_on_recorded_nowhere_and_warned_about_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="llama_cloud_batch")
    tracker = BatchStatusTracker()
    tracker.observe("bat-1", STEPS[FIRST][0])
    for _ in range(3):
        progress = tracker.observe("bat-1", "QUEUED")
        assert progress is Progress.UNKNOWN
        assert progress.is_news
    assert tracker.observe("bat-2", "QUEUED") is Progress.UNKNOWN
    assert tracker.status("bat-1") is STEPS[FIRST][0]
    assert tracker.status("bat-2") is None
    # The known order goes on as if it had not come.
    assert tracker.observe("bat-1", STEPS[FIRST][0]) is Progress.REPEATED
    assert tracker.observe("bat-1", STEPS[LAST][0]) is Progress.NEW
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "'QUEUED'" in warnings[0]


def test_warnings_about_unknown_statuses_stop_at_a_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="llama_cloud_batch")
    tracker = BatchStatusTracker()
    for index in range(500):
        assert tracker.observe("bat-1", f"NEW_{index}") is Progress.UNKNOWN
    assert 1 <= len(caplog.records) <= 100
    assert len(tracker) == 0


def test_only_new_and_unknown_are_news() -> None:
    assert {progress for progress in Progress if progress.is_news} == {
        Progress.NEW,
        Progress.UNKNOWN,
    }


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([*RANKED, "QUEUED"])),
        max_size=40,
    )
)
def test_any_sequence_of_deliveries_matches_the_furthest_step_rule(
    deliveries: list[tuple[str, BatchStatus | str]],
) -> None:
    tracker = BatchStatusTracker()
    furthest: dict[str, BatchStatus] = {}
    for batch, status in deliveries:
        progress = tracker.observe(batch, status)
        step = BatchStatus(status).step
        if step is None:
            assert progress is Progress.UNKNOWN
            continue
        reached = furthest[batch].step if batch in furthest else None
        if reached is None or step > reached:
            assert progress is Progress.NEW
            furthest[batch] = BatchStatus(status)
        elif step == reached:
            assert progress is Progress.REPEATED
        else:
            assert progress is Progress.STALE
    for batch in ("a", "b", "c"):
        assert tracker.status(batch) == furthest.get(batch)


def test_reordered_and_duplicated_deliveries_from_many_threads() -> None:
    """Every batch's deliveries (one per step, each sent three times) shuffled across eight
    threads: each step is news exactly once per batch, and every batch ends final."""
    tracker = BatchStatusTracker()
    batches = [f"bat-{i}" for i in range(60)]
    deliveries = [
        (batch, statuses[i % len(statuses)])
        for batch in batches
        for statuses in STEPS.values()
        for i in range(3)
    ]
    random.Random(7).shuffle(deliveries)
    news: list[tuple[str, BatchStatus]] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def deliver(share: list[tuple[str, BatchStatus]]) -> None:
        start.wait()
        for batch, status in share:
            if tracker.observe(batch, status) is Progress.NEW:
                with lock:
                    news.append((batch, status))

    threads = [threading.Thread(target=deliver, args=(deliveries[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_batch: dict[str, list[int]] = defaultdict(list)
    for batch, status in news:
        per_batch[batch].append(BatchStatus.STEPS[status])
    for batch in batches:
        steps = per_batch[batch]
        assert steps == sorted(set(steps)), batch  # strictly rising: never a step twice
        assert steps[-1] == LAST
        status = tracker.status(batch)
        assert status is not None
        assert status.is_final


def test_max_batches_forgets_the_least_recently_observed() -> None:
    tracker = BatchStatusTracker(max_batches=2)
    final, first = STEPS[LAST][0], STEPS[FIRST][0]
    tracker.observe("a", final)
    tracker.observe("b", final)
    tracker.observe("a", first)  # a stale delivery still counts as recent use
    tracker.observe("c", final)  # b goes
    assert len(tracker) == 2
    assert tracker.status("b") is None
    assert tracker.status("a") is final
    # A forgotten batch's late delivery reads as news (documented).
    assert tracker.observe("b", first) is Progress.NEW
    assert len(tracker) == 2


@pytest.mark.parametrize(
    ("bad", "error"),
    [(0, ValueError), (-1, ValueError), (True, TypeError), (2.5, TypeError), ("3", TypeError)],
)
def test_max_batches_must_be_a_positive_int(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_batches"):
        BatchStatusTracker(max_batches=bad)  # type: ignore[arg-type]


def test_wrong_argument_types_raise_type_errors() -> None:
    tracker = BatchStatusTracker()
    with pytest.raises(TypeError, match="batch_id"):
        tracker.observe(7, "RUNNING")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="status"):
        tracker.observe("bat-1", None)  # type: ignore[arg-type]
    assert len(tracker) == 0


def test_repr_says_how_many_batches_are_remembered() -> None:
    tracker = BatchStatusTracker(max_batches=10)
    tracker.observe("a", STEPS[FIRST][0])
    assert repr(tracker) == "BatchStatusTracker(batches=1, max_batches=10)"
