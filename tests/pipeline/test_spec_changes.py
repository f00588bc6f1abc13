"""The pipeline end to end, on a throwaway copy of the repository: a spec change reaches the
generated code, spec_diff classifies it, schemas that close or type their other properties read
as they say, generation is reproducible and leaves nothing stale, and `generate.py --check`
catches a hand edit.

generate.py finds spec/, generator/ and overrides/ from its own location, so each run uses the
copy's generator/generate.py and never touches the repository's generated/. The changes are
made to a small spec of these tests' own (data/mini-openapi.yaml: widgets), so a maintainer's
edit to the real spec cannot collide with them; only reproducibility is shown on the real spec.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from spec_diff import compare, required_bump

ROOT = Path(__file__).resolve().parents[2]
MINI_SPEC = Path(__file__).resolve().parent / "data" / "mini-openapi.yaml"
MINI_MAP = MINI_SPEC.with_name("mini-resources.yaml")
PACKAGE = "_llama_cloud_batch_generated"
COPIED = ("spec", "generator", "overrides", "pyproject.toml")

Spec = dict[str, Any]


def generate(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs the copy's generate.py; returns the finished process (its output is text)."""
    return subprocess.run(
        [sys.executable, str(root / "generator" / "generate.py"), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=root,
    )


def build(root: Path, spec: Path, output: Path, resources: Path = MINI_MAP) -> Path:
    """Generates `spec` with the copy's pipeline; `resources` places its operations."""
    completed = generate(
        root, "--spec", str(spec), "--output", str(output), "--resources", str(resources)
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return output / PACKAGE


def tree(package: Path) -> dict[str, bytes]:
    """relative path -> bytes of every file of a generated package."""
    return {
        path.relative_to(package).as_posix(): path.read_bytes()
        for path in sorted(package.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def write_spec(spec: Spec, path: Path) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the pipeline reads: spec/, generator/, overrides/ and the tool pins."""
    root = tmp_path_factory.mktemp("repo")
    for name in COPIED:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, root / name)
        else:
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="module")
def spec() -> Spec:
    data = yaml.safe_load(MINI_SPEC.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def base_output(tmp_path_factory: pytest.TempPathFactory, repo: Path) -> Path:
    """The small spec generated once."""
    output = tmp_path_factory.mktemp("base")
    build(repo, MINI_SPEC, output)
    return output


PROBE = textwrap.dedent(
    """
    import json

    import attrs
    from api.models import Widget, WidgetStatus

    widget = Widget.from_dict({"id": "w", "status": "queued", "priority": "high"})
    print(json.dumps({
        "members": list(WidgetStatus.__members__),
        "queued_is_known": WidgetStatus("queued").is_known,
        "fields": [field.name for field in attrs.fields(Widget)],
        "priority": getattr(widget, "priority", None),
        "extra_keys": sorted(widget.additional_properties),
        "status_is_known": widget.status.is_known,
        "round_trip": widget.to_dict().get("priority"),
    }))
    """
)


def probe(output: Path, scratch: Path, script: str = PROBE) -> dict[str, Any]:
    """Imports the generated package, as a package `api` of its own (the overrides around it
    expect the real spec's operations), in a fresh interpreter, and reports on it (`script`
    prints the report as JSON)."""
    shutil.copytree(output / PACKAGE, scratch / "api")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=scratch,
        env={**env, "PYTHONPATH": str(scratch)},
    )
    assert completed.returncode == 0, completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


def add_queued_and_priority(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    schemas["WidgetStatus"]["enum"].append("queued")
    schemas["Widget"]["properties"]["priority"] = {
        "type": "string",
        "description": "How urgently the widget is made.",
    }


def test_added_enum_value_and_optional_property_reach_the_code_as_a_minor_change(
    repo: Path, spec: Spec, base_output: Path, tmp_path: Path
) -> None:
    new = copy.deepcopy(spec)
    add_queued_and_priority(new)
    output = tmp_path / "out"
    build(repo, write_spec(new, tmp_path / "openapi.yaml"), output)

    before = probe(base_output, tmp_path / "before")
    after = probe(output, tmp_path / "after")

    # Before: the open enum still parses "queued" but as an unknown value, and `priority`
    # is only an extra key. After: both are part of the generated API.
    assert "QUEUED" not in before["members"]
    assert before["queued_is_known"] is False
    assert "priority" not in before["fields"]
    assert before["extra_keys"] == ["priority"]
    assert "QUEUED" in after["members"]
    assert after["queued_is_known"] is True
    assert after["status_is_known"] is True
    assert "priority" in after["fields"]
    assert after["priority"] == "high"
    assert after["extra_keys"] == []
    assert after["round_trip"] == "high"

    changes = compare(spec, new)
    assert {(change.kind, change.where, change.breaking) for change in changes} == {
        ("enum-value-added", "WidgetStatus", False),
        ("response-property-added", "Widget.priority", False),
    }
    assert required_bump(changes) == "minor"


EXTRAS_PROBE = textwrap.dedent(
    """
    import json

    from api.models import Sealed, Tally, Widget
    from llama_cloud_batch.types import ShapeError

    def error(model, data):
        try:
            model.from_dict(data)
        except ShapeError as exc:
            return str(exc)
        return None

    first, second = (Widget.from_dict({"id": n, "status": "active"}) for n in "ab")
    first.additional_properties["note"] = "mine"
    tally = Tally.from_dict({"name": "t", "apples": 3, "pears": 0})
    print(json.dumps({
        "sealed": Sealed.from_dict({"id": "s"}).to_dict(),
        "sealed_extra": error(Sealed, {"id": "s", "surprise": 1}),
        "tally_extra": tally.additional_properties,
        "tally_round_trip": tally.to_dict(),
        "tally_wrong": error(Tally, {"name": "t", "apples": "three"}),
        "tally_none": Tally.from_dict({"name": "t"}).additional_properties,
        "second_extra": second.additional_properties,
        "first_extra": first.to_dict().get("note"),
    }))
    """
)


def test_closed_and_typed_additional_properties_read_as_the_spec_says(
    repo: Path, spec: Spec, tmp_path: Path
) -> None:
    new = copy.deepcopy(spec)
    new["components"]["schemas"]["Sealed"] = {
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string"}},
        "additionalProperties": False,
    }
    new["components"]["schemas"]["Tally"] = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}},
        "additionalProperties": {"type": "integer"},
    }
    output = build(repo, write_spec(new, tmp_path / "openapi.yaml"), tmp_path / "out").parent

    report = probe(output, tmp_path / "scratch", EXTRAS_PROBE)

    assert report["sealed"] == {"id": "s"}
    assert report["sealed_extra"] == "unexpected property 'surprise' (Sealed 's')"
    assert report["tally_extra"] == {"apples": 3, "pears": 0}
    assert report["tally_round_trip"] == {"name": "t", "apples": 3, "pears": 0}
    assert report["tally_wrong"] == "apples: expected an integer, got a string"
    assert report["tally_none"] == {}
    # Each object read has a dict of its own: one's unknown properties are not another's.
    assert report["second_extra"] == {}
    assert report["first_extra"] == "mine"


def remove_label(spec: Spec) -> None:
    del spec["components"]["schemas"]["Widget"]["properties"]["label"]


def require_limit(spec: Spec) -> None:
    for parameter in spec["paths"]["/widgets"]["get"]["parameters"]:
        if parameter["name"] == "limit":
            parameter["required"] = True


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (remove_label, ("response-property-removed", "Widget.label")),
        (require_limit, ("parameter-required-changed", "GET /widgets (listWidgets) query limit")),
    ],
    ids=["property removed", "limit made required"],
)
def test_breaking_changes_need_a_major_release(
    spec: Spec, mutate: Callable[[Spec], None], expected: tuple[str, str]
) -> None:
    new = copy.deepcopy(spec)
    mutate(new)

    changes = compare(spec, new)

    assert [(change.kind, change.where, change.breaking) for change in changes] == [
        (*expected, True)
    ]
    assert required_bump(changes) == "major"


def test_generating_twice_gives_identical_trees(repo: Path, tmp_path: Path) -> None:
    # On the real spec (a copy of it), read as it is: every template it exercises.
    real_spec = repo / "spec" / "openapi.yaml"
    real_map = repo / "generator" / "resources.yaml"
    first = tree(build(repo, real_spec, tmp_path / "first", real_map))
    second = tree(build(repo, real_spec, tmp_path / "again", real_map))

    assert any(name.startswith("models/") for name in first)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_removed_operation_leaves_no_orphan_module(
    repo: Path, spec: Spec, base_output: Path, tmp_path: Path
) -> None:
    module = "api/widget/archive_widget.py"
    output = tmp_path / "generated"
    shutil.copytree(base_output, output)
    assert (output / PACKAGE / module).is_file()
    new = copy.deepcopy(spec)
    del new["paths"]["/widgets/{widget_id}/archive"]
    new_spec = write_spec(new, tmp_path / "openapi.yaml")
    # The operation leaves the resource map with it (the map may not name a missing operation).
    resource_map = yaml.safe_load(MINI_MAP.read_text())
    del resource_map["resources"]["widgets"]["methods"]["archive"]
    new_map = tmp_path / "resources.yaml"
    new_map.write_text(yaml.safe_dump(resource_map))

    regenerated = build(repo, new_spec, output, new_map)  # over the old tree
    fresh = build(repo, new_spec, tmp_path / "fresh", new_map)  # into an empty directory

    assert not (regenerated / module).exists()
    assert "def archive(" not in (regenerated / "resources/widgets.py").read_text()
    leftovers = [name for name in tree(regenerated) if "archive_widget" in name]
    assert leftovers == []
    assert tree(regenerated) == tree(fresh)


def test_check_names_a_hand_edited_file(repo: Path, base_output: Path, tmp_path: Path) -> None:
    edited = "models/widget.py"
    copy_of_generated = tmp_path / "generated"
    shutil.copytree(base_output, copy_of_generated)
    check = (
        "--check",
        "--spec",
        str(MINI_SPEC),
        "--resources",
        str(MINI_MAP),
        "--output",
        str(copy_of_generated),
    )

    clean = generate(repo, *check)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    target = copy_of_generated / PACKAGE / edited
    target.write_text(target.read_text() + "HAND_EDIT = True\n")
    stale = generate(repo, *check)

    assert stale.returncode == 1
    assert f"differs: generated/{PACKAGE}/{edited}" in stale.stdout
    assert (
        "-HAND_EDIT = True" in stale.stdout
    )  # the diff goes from the copy to the pipeline's output
    assert "generated/ is stale: 1 file(s)" in stale.stdout
