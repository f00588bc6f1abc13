"""Meaning the templates take from a spec, on a small spec of this test's own: open integer enums,
`x-final-values` (a new final value reaches `.is_final` by regeneration alone) and
`x-sensitive` (any property, any model, kept out of repr()).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Scratch", "version": "0.0.1"},
    "paths": {
        "/gadgets/{gadget_id}": {
            "get": {
                "operationId": "getGadget",
                "parameters": [
                    {
                        "name": "gadget_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "A gadget.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Gadget"}}
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Gadget": {
                "type": "object",
                "required": ["id", "level", "phase"],
                "properties": {
                    "id": {"type": "string"},
                    "level": {"$ref": "#/components/schemas/Level"},
                    "phase": {"$ref": "#/components/schemas/Phase"},
                    "pin": {"type": ["string", "null"], "x-sensitive": True},
                },
            },
            "Level": {"type": "integer", "enum": [1, 2, 3]},
            "Phase": {
                "type": "string",
                "enum": ["new", "busy", "done"],
                "x-final-values": ["done"],
            },
        }
    },
}

PROBE = textwrap.dedent(
    """
    import json
    from _llama_cloud_batch_generated.models import Gadget, Level, Phase
    from llama_cloud_batch.types import ShapeError

    report = {}
    gadget = Gadget.from_dict({"id": "g-1", "level": 7, "phase": "busy", "pin": "4921"})
    level = gadget.level
    report["level"] = [level == 7, level.value, level.is_known, str(level)]
    report["known_level"] = [Level(2) is Level.VALUE_2, Level(2).is_known]
    report["round_trip"] = gadget.to_dict()
    report["repr_hides_pin"] = "4921" not in repr(gadget) and "pin=" in repr(gadget)
    report["final"] = sorted(member.value for member in Phase.FINAL)
    report["is_final"] = {value: Phase(value).is_final for value in ("new", "busy", "done", "gone")}
    errors = []
    for bad in ("7", 2.5, True, None):
        try:
            Gadget.from_dict({"id": "g-2", "level": bad, "phase": "new"})
        except ShapeError as error:
            errors.append(str(error))
    report["errors"] = errors
    print(json.dumps(report))
    """
)


RESOURCES = {"resources": {"gadgets": {"methods": {"get": "GET /gadgets/{gadget_id}"}}}}


def generate(spec: dict[str, Any], tmp_path: Path, label: str) -> dict[str, Any]:
    """Builds a package from `spec` with the repository's pipeline and runs PROBE against it."""
    spec_path = tmp_path / f"{label}.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    # Every operation needs its place in the client: this spec's one operation gets a map line.
    map_path = tmp_path / f"{label}-resources.yaml"
    map_path.write_text(yaml.safe_dump(RESOURCES, sort_keys=False))
    output = tmp_path / label
    built = subprocess.run(
        [
            sys.executable,
            str(ROOT / "generator" / "generate.py"),
            "--spec",
            str(spec_path),
            "--output",
            str(output),
            "--resources",
            str(map_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    probed = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=output,
        env={**env, "PYTHONPATH": str(output)},
    )
    assert probed.returncode == 0, probed.stderr
    report: dict[str, Any] = json.loads(probed.stdout)
    return report


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("semantics")


@pytest.fixture(scope="module")
def base(scratch: Path) -> dict[str, Any]:
    return generate(SPEC, scratch, "base")


def test_integer_enums_are_open_and_strict_about_type(base: dict[str, Any]) -> None:
    report = base
    assert report["level"] == [True, 7, False, "7"]
    assert report["known_level"] == [True, True]
    assert report["round_trip"] == {"id": "g-1", "level": 7, "phase": "busy", "pin": "4921"}
    assert report["errors"] == [
        "level: expected an integer, got a string (Gadget 'g-2')",
        "level: expected an integer, got a number (Gadget 'g-2')",
        "level: expected an integer, got a boolean (Gadget 'g-2')",
        "level: expected an integer, got null (Gadget 'g-2')",
    ]


def test_final_values_and_sensitive_properties_come_from_the_spec(base: dict[str, Any]) -> None:
    report = base
    assert report["final"] == ["done"]
    assert report["is_final"] == {"new": False, "busy": False, "done": True, "gone": False}
    assert report["repr_hides_pin"]


def test_a_new_final_value_reaches_is_final_by_regeneration(scratch: Path) -> None:
    changed = copy.deepcopy(SPEC)
    phase = changed["components"]["schemas"]["Phase"]
    phase["enum"].append("gone")
    phase["x-final-values"].append("gone")
    report = generate(changed, scratch, "changed")
    assert report["final"] == ["done", "gone"]
    assert report["is_final"]["gone"] is True
