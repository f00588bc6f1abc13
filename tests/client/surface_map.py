"""The client's surface as generator/resources.yaml and the spec describe it, for tests that
check every method of every resource without restating today's list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "spec" / "openapi.yaml").read_text())
    return data


def resource_methods() -> list[tuple[tuple[str, ...], str, dict[str, Any]]]:
    """(resource path such as ("beta", "batch"), method name, the spec's operation) for each
    line of the map."""
    document = spec()
    found: list[tuple[tuple[str, ...], str, dict[str, Any]]] = []

    def walk(path: tuple[str, ...], body: dict[str, Any]) -> None:
        for method, line in (body.get("methods") or {}).items():
            endpoint = line if isinstance(line, str) else line["endpoint"]
            verb, url = endpoint.split(" ", 1)
            found.append((path, method, document["paths"][url][verb.lower()]))
        for child, child_body in (body.get("subresources") or {}).items():
            walk((*path, child), child_body or {})

    resource_map = yaml.safe_load((ROOT / "generator" / "resources.yaml").read_text())
    for name, body in resource_map["resources"].items():
        walk((name,), body or {})
    return found
