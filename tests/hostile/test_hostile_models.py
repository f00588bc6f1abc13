"""A model subclass that declares __slots__ keeps every field, its own slot and what the server
sent beyond the spec through pickle and copies, as a subclass of a real attrs class does."""

from __future__ import annotations

import copy
import datetime
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from llama_cloud_batch.types import BatchJob


class _Slotted(BatchJob):
    __slots__ = ("note",)


COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda value: pickle.loads(pickle.dumps(value)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


@pytest.mark.parametrize("how", COPIES)
def test_a_slotted_subclass_keeps_its_fields(how: str) -> None:
    job = _Slotted(
        id="bjb-1",
        job_type="parse",
        project_id="proj-1",
        status="running",
        total_items=3,
        created_at=datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC),
    )
    job.note = "the subclass's own"
    job["shard"] = 7
    copied = COPIES[how](job)
    assert type(copied) is _Slotted
    assert copied == job
    assert copied.id == "bjb-1"
    assert copied.note == "the subclass's own"
    assert copied.additional_properties == {"shard": 7}
