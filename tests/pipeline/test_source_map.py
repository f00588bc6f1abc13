"""generator/source_map.py: places in copied hand-written modules point at overrides/."""

from __future__ import annotations

from pathlib import Path

import source_map

RETRIES = "generated/llama_cloud_batch/_retries.py"


def original_line(needle: str) -> int:
    lines = (source_map.ORIGINAL / "_retries.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def copy_line(needle: str) -> int:
    lines = (source_map.COPY / "_retries.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def test_a_copied_module_maps_to_its_original_line() -> None:
    needle = "def retry_delay("
    mapped = source_map.to_overrides(RETRIES, copy_line(needle))
    assert mapped == ("overrides/llama_cloud_batch/_retries.py", original_line(needle))
    absolute = str(source_map.COPY / "_retries.py")
    assert source_map.to_overrides(absolute, copy_line(needle)) == (
        str(source_map.ORIGINAL / "_retries.py"),
        original_line(needle),
    )


def test_generated_modules_and_other_files_keep_their_place() -> None:
    generated = "generated/llama_cloud_batch/_generated/types.py"
    assert source_map.to_overrides(generated, 5) == (generated, 5)
    assert source_map.to_overrides("tests/conftest.py", 7) == ("tests/conftest.py", 7)


def test_a_stale_copy_is_not_mapped(tmp_path: Path, monkeypatch) -> None:
    copy, original = tmp_path / "generated", tmp_path / "overrides"
    copy.mkdir()
    original.mkdir()
    (copy / "m.py").write_text("# header\nx = 1\n")
    (original / "m.py").write_text("x = 2\n")
    monkeypatch.setattr(source_map, "COPY", copy)
    monkeypatch.setattr(source_map, "ORIGINAL", original)
    assert source_map.to_overrides(str(copy / "m.py"), 2) == (str(copy / "m.py"), 2)
    (original / "m.py").write_text("x = 1\n")
    assert source_map.to_overrides(str(copy / "m.py"), 2) == (str(original / "m.py"), 1)


def test_messages_are_rewritten() -> None:
    line = copy_line("def retry_delay(")
    message = f"{RETRIES}:{line}: error: Incompatible types  [assignment]"
    assert source_map.map_message(message) == (
        f"overrides/llama_cloud_batch/_retries.py:{original_line('def retry_delay(')}: "
        "error: Incompatible types  [assignment]"
    )
    assert source_map.map_message("Found 1 error in 1 file") == "Found 1 error in 1 file"
