"""How results become files: names that stay inside the directory, and whole-or-nothing writes."""

from __future__ import annotations

import pytest
from llama_cloud_batch.cli._download import item_filename, write_atomically


@pytest.mark.parametrize("item_id", ["file-4a84eb03-8d1f", "itm_1.v2"])
def test_plain_ids_are_their_own_file_names(item_id):
    assert item_filename(item_id) == f"{item_id}.json"


@pytest.mark.parametrize("item_id", ["../../etc/passwd", "a/b", ".hidden", "x" * 300, "é", "a b"])
def test_other_ids_get_a_digest_that_stays_in_the_directory(tmp_path, item_id):
    name = item_filename(item_id)
    assert name.startswith("item~")
    assert name.endswith(".json")
    assert "/" not in name
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    assert item_filename(item_id + "!") != name  # distinct IDs, distinct files


def test_a_write_replaces_whole_and_leaves_no_partial_file(tmp_path):
    target = tmp_path / "a.json"
    write_atomically(target, b'{"v": 1}')
    write_atomically(target, b'{"v": 2}')
    assert target.read_bytes() == b'{"v": 2}'
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
