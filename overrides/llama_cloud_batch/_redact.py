"""Taking the API key out of text a server sent back: in clear and in its escaped forms.

A server (or a proxy) that echoes the key may escape it: JSON (`\\/`, `\\u0041`), percent-encoding
(`%2F`, either case), Python repr (`\\x41`), HTML (`&#65;`). Each character of the key is matched in
any of those spellings, so a mix of them is caught too. Redaction runs before a preview is cut, so
a key straddling the cut cannot show in part.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

REDACTED = "[redacted]"
# Depth past which a JSON body is not walked (and not kept as a structure; see _base_client).
MAX_BODY_DEPTH = 64


# Where a match may start with a backslash: only at the first of a run. Otherwise every
# position of a long run of backslashes would start a match that scans to the run's end
# (quadratic: hours for a 1 MiB error body of backslashes).
_FIRST_OF_A_RUN = r"(?<!\\)"


def _char_pattern(char: str, before_escape: str) -> str:
    code = ord(char)
    forms = [
        re.escape(char),
        # Escaped once or more (JSON's \/, repr's \\, or either escaped again inside JSON).
        rf"{before_escape}(?:\\)+{re.escape(char)}",
        f"%{code:02x}",
        rf"{before_escape}(?:\\)+x{code:02x}",
        rf"{before_escape}(?:\\)+u{code:04x}",
        rf"{before_escape}(?:\\)+U{code:08x}",
        f"&#{code};",
        f"&#x{code:x};",
    ]
    return "(?:" + "|".join(forms) + ")"


class Redactor:
    """Replaces every spelling of one secret with [redacted]."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        pattern = "".join(_char_pattern(c, _FIRST_OF_A_RUN) for c in secret[:1])
        pattern += "".join(_char_pattern(c, "") for c in secret[1:])
        self._pattern = re.compile(pattern, re.IGNORECASE)

    def text(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text.replace(self._secret, REDACTED))

    def preview(self, text: str, limit: int) -> str:
        """At most `limit` characters of `text`, redacted before the cut, with "..." when cut."""
        clean = self.text(text)
        return clean if len(clean) <= limit else clean[:limit] + "..."

    def value(self, value: object) -> object:
        """A decoded JSON value with the secret taken out of every string, keys included."""
        return map_strings(value, self.text)


def map_strings(value: object, change: Callable[[str], str]) -> object:
    """A copy of a JSON value with `change` applied to each string; walked without recursion,
    so any depth is safe."""
    root: dict[str, Any] = {}
    stack: list[tuple[Any, Any, Any]] = [(value, root, "value")]
    while stack:
        source, parent, slot = stack.pop()
        if isinstance(source, dict):
            mapping: dict[Any, Any] = {}
            parent[slot] = mapping
            for key, item in source.items():
                new_key = change(key) if isinstance(key, str) else key
                mapping[new_key] = None
                stack.append((item, mapping, new_key))
        elif isinstance(source, list):
            items: list[Any] = [None] * len(source)
            parent[slot] = items
            stack.extend((item, items, index) for index, item in enumerate(source))
        else:
            parent[slot] = change(source) if isinstance(source, str) else source
    return root["value"]


def depth(value: object) -> int:
    """How deeply a JSON value nests (a scalar is 0), counted without recursion, and only up to
    just past MAX_BODY_DEPTH (so a value that contains itself is "too deep", not endless).
    Mappings, lists and tuples count, as they all become JSON objects and arrays."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, Mapping):
            children: Collection[object] = list(item.values())
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_BODY_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
