"""Points a place in a copied hand-written module back at its original in overrides/.

generate.py copies overrides/llama_cloud_batch around the generated `_generated` subpackage,
with a header line on top. Type checkers and tracebacks see the copy (the package as it ships);
the file to edit is the original. A copy that does not end with its original's text (a stale
tree) is left as it is, since its line numbers would point at the wrong lines.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "generated" / "llama_cloud_batch"
ORIGINAL = ROOT / "overrides" / "llama_cloud_batch"
# mypy's and ruff's `path:line:` at the start of a message.
MESSAGE = re.compile(r"^(?P<path>[^:\s]+\.py):(?P<line>\d+):")


def to_overrides(path: str, line: int) -> tuple[str, int]:
    """(path, line) in the original when `path` is a copied hand-written module, else as given."""
    copy = Path(path) if Path(path).is_absolute() else ROOT / path
    try:
        relative = copy.resolve().relative_to(COPY)
    except ValueError:
        return path, line
    original = ORIGINAL / relative
    if relative.parts[0] == "_generated" or not original.is_file() or not copy.is_file():
        return path, line
    original_text, copy_text = original.read_text(), copy.read_text()
    if not copy_text.endswith(original_text):
        return path, line
    offset = copy_text.count("\n") - original_text.count("\n")
    shown = original if Path(path).is_absolute() else original.relative_to(ROOT)
    return str(shown), line - offset


def map_message(message: str) -> str:
    """A `path:line: ...` message about a copy, pointed at the original."""
    match = MESSAGE.match(message)
    if match is None:
        return message
    path, line = to_overrides(match["path"], int(match["line"]))
    return f"{path}:{line}:" + message[match.end() :]
