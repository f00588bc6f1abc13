"""The spec agrees with the API's reference structure, tests/data/reference/ (derived from the
official SDK's type declarations by generator/reference.py, `nox -s reference`, one file per SDK
release pinned in generator/reference.toml): for every method of the resource map
(generator/resources.yaml), its route, names, requiredness, types, formats, enums...

The comparer itself is in structure_compare.py. The first tests are the only ones that read the
real spec, map and reference, and list every disagreement in one failure. The rest prove that
the comparer catches disagreements by planting them in a frozen spec, map and reference of their
own (tests/data/frozen-*), so a change to the real spec or the real reference fails one test,
not every planted one.
"""

from __future__ import annotations

import copy
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import reference
import yaml
from structure_compare import PARTS, compare_all, compare_entry

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = reference.OUTPUT_DIR
PINS_PATH = reference.PINS_PATH
MAP_PATH = reference.MAP_PATH
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
ACCEPTED_PATH = ROOT / "tests" / "data" / "reference-accepted.txt"
# A spec, a map and a reference that agree, frozen for the comparer's own tests.
FROZEN = ROOT / "tests" / "data"

Spec = dict[str, Any]


def load_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    assert isinstance(data, dict)
    return data


def load_yaml(path: Path) -> Spec:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def load_endpoints(path: Path) -> dict[str, str]:
    """The resource map as the comparer reads it: method path -> `VERB /path`."""
    return {method.path: method.endpoint for method in reference.load_map(path)}


def load_reference() -> dict[str, Any]:
    """Every pinned release's structure file, merged (their method paths do not overlap)."""
    merged: dict[str, Any] = {}
    for version in sorted(set(reference.load_pins(PINS_PATH).values())):
        merged.update(load_json(reference.structure_path(version, REFERENCE_DIR)))
    return merged


@pytest.fixture(scope="module")
def structure() -> dict[str, Any]:
    return load_json(FROZEN / "frozen-structure.json")


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_yaml(FROZEN / "frozen-openapi.yaml")


@pytest.fixture(scope="module")
def endpoints() -> dict[str, str]:
    return load_endpoints(FROZEN / "frozen-resources.yaml")


def accepted_disagreements() -> set[str]:
    """Disagreements a maintainer accepted on purpose (the spec ahead of the pinned SDK, say),
    one per line of tests/data/reference-accepted.txt, each followed by `  # why`."""
    if not ACCEPTED_PATH.exists():
        return set()
    lines = (line.split("  #", 1)[0].strip() for line in ACCEPTED_PATH.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def test_spec_matches_reference_structure() -> None:
    problems = compare_all(load_reference(), load_yaml(SPEC_PATH), load_endpoints(MAP_PATH))
    accepted = accepted_disagreements()
    unexpected = [problem for problem in problems if problem not in accepted]
    stale = sorted(accepted - set(problems))
    report = [
        f"{len(unexpected)} disagreement(s) between spec/openapi.yaml and the reference "
        "(tests/data/reference/, refreshed by `nox -s reference`):",
        *unexpected,
    ]
    if stale:
        report += [
            f"{len(stale)} accepted line(s) of {ACCEPTED_PATH.name} no longer occur:",
            *stale,
        ]
    assert [*unexpected, *stale] == [], "\n".join(report)


def test_reference_files_follow_the_pins() -> None:
    # Each top-level resource of the map is read from its own release, and each release's file
    # holds exactly the resources pinned to it: a moved pin leaves no stale file behind.
    pins = reference.load_pins(PINS_PATH)
    resources = {method.resource for method in reference.load_map(MAP_PATH)}
    assert sorted(resources - set(pins)) == [], f"no SDK pin in {PINS_PATH.name}"
    assert sorted(set(pins) - resources) == [], f"pinned in {PINS_PATH.name}, not in the map"
    expected = {reference.structure_path(version, REFERENCE_DIR) for version in pins.values()}
    assert set(REFERENCE_DIR.glob("*.json")) == expected
    for version in set(pins.values()):
        entries = load_json(reference.structure_path(version, REFERENCE_DIR))
        found = {name.split(".", 1)[0] for name in entries}
        assert found == {resource for resource, pin in pins.items() if pin == version}, version


def test_every_reference_entry_is_mapped() -> None:
    # An entry no rule maps would be a failure, not a silent pass: every method of the real map
    # has a route, and every entry names a method of the map and a known part.
    names = set(load_reference())
    methods = {name.rpartition(".")[0] for name in names}
    assert methods == set(load_endpoints(MAP_PATH))
    assert {name.rpartition(".")[2] for name in names} <= set(PARTS)
    assert {f"{method}.route" for method in methods} <= names


def test_an_unmapped_entry_is_reported(spec: Spec, endpoints: dict[str, str]) -> None:
    entry = {"type": "object"}
    assert compare_entry("beta.batch.list.headers", entry, spec, endpoints) == [
        "beta.batch.list.headers: no rule maps this structure entry onto the spec"
    ]
    assert compare_entry("beta.batch.delete.response", entry, spec, endpoints) == [
        "beta.batch.delete.response: beta.batch.delete is no method of the resource map"
    ]


def test_the_frozen_map_is_read_whole(endpoints: dict[str, str]) -> None:
    # Nested subresources, plain lines and `endpoint:` mappings alike.
    assert endpoints == {
        "beta.batch.list": "GET /api/v1/beta/batch-processing",
        "beta.batch.create": "POST /api/v1/beta/batch-processing",
        "beta.batch.get_status": "GET /api/v1/beta/batch-processing/{job_id}",
        "beta.batch.cancel": "POST /api/v1/beta/batch-processing/{job_id}/cancel",
        "beta.batch.job_items.list": "GET /api/v1/beta/batch-processing/{job_id}/items",
        "beta.batch.job_items.get_processing_results": (
            "GET /api/v1/beta/batch-processing/items/{item_id}/processing-results"
        ),
    }


def test_the_frozen_trio_agrees(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    # The planted tests below start from agreement, so each problem they see is the planted one.
    assert compare_all(structure, spec, endpoints) == []


# -- the comparer catches planted disagreements ------------------------------------------


def schemas(spec: Spec) -> dict[str, Any]:
    result: dict[str, Any] = spec["components"]["schemas"]
    return result


def operation(spec: Spec, operation_id: str) -> dict[str, Any]:
    for item in spec["paths"].values():
        for candidate in item.values():
            if isinstance(candidate, dict) and candidate.get("operationId") == operation_id:
                return candidate
    raise KeyError(operation_id)


def parameter(spec: Spec, operation_id: str, name: str) -> dict[str, Any]:
    for candidate in operation(spec, operation_id)["parameters"]:
        if candidate["name"] == name:
            result: dict[str, Any] = candidate
            return result
    raise KeyError(name)


def drop_enum_value(spec: Spec) -> None:
    schemas(spec)["BatchJobStatus"]["enum"].remove("dispatched")


def add_enum_value(spec: Spec) -> None:
    schemas(spec)["BatchItemStatus"]["enum"].append("queued")


def make_optional(spec: Spec) -> None:
    schemas(spec)["BatchJob"]["required"].remove("total_items")


def make_required(spec: Spec) -> None:
    schemas(spec)["BatchJobCancel"]["required"] = ["reason"]


def change_type(spec: Spec) -> None:
    schemas(spec)["BatchJobCancelResult"]["properties"]["processed_items"]["type"] = "number"


def change_parameter_type(spec: Spec) -> None:
    parameter(spec, "listBatchJobs", "limit")["schema"]["type"] = "string"


def require_parameter(spec: Spec) -> None:
    parameter(spec, "listBatchJobItems", "offset")["required"] = True


def drop_nullable(spec: Spec) -> None:
    schemas(spec)["BatchJobItem"]["properties"]["job_id"]["type"] = "string"


def drop_format(spec: Spec) -> None:
    del schemas(spec)["BatchJob"]["properties"]["created_at"]["format"]


def change_const(spec: Spec) -> None:
    schemas(spec)["ParseJobConfigParam"]["properties"]["job_name"]["const"] = "parse_job"


def change_array_items(spec: Spec) -> None:
    schemas(spec)["BatchJobCreate"]["properties"]["item_ids"]["items"]["type"] = "integer"


def close_additional_properties(spec: Spec) -> None:
    schemas(spec)["BatchJobItem"]["additionalProperties"] = False


def change_map_values(spec: Spec) -> None:
    schemas(spec)["ParseJobConfigParam"]["properties"]["partitions"]["additionalProperties"] = {
        "type": "integer"
    }


def drop_nested_enum_value(spec: Spec) -> None:
    schemas(spec)["ParsePriority"]["enum"].remove("critical")


def remove_property(spec: Spec) -> None:
    del schemas(spec)["BatchJobItem"]["properties"]["skip_reason"]


def add_property(spec: Spec) -> None:
    schemas(spec)["BatchJob"]["properties"]["priority"] = {"type": "string"}


def remove_header(spec: Spec) -> None:
    cancel = operation(spec, "cancelBatchJob")
    cancel["parameters"] = [p for p in cancel["parameters"] if p["name"] != "temporal-namespace"]


def remove_nested_property(spec: Spec) -> None:
    rule = schemas(spec)["ClassifierRuleParam"]
    del rule["properties"]["description"]
    rule["required"].remove("description")


def change_default(spec: Spec) -> None:
    schemas(spec)["BatchJob"]["properties"]["failed_items"]["default"] = 0


def swap_union_branch(spec: Spec) -> None:
    job_config = schemas(spec)["ProcessingResult"]["properties"]["job_config"]
    job_config["anyOf"][1] = {"$ref": "#/components/schemas/ClassifyJobParam"}


PARSE_CONFIG = "job_config<JobConfigBatchParseJobRecordCreate~ParseJobConfigParam>"
CLASSIFY_CONFIG = "job_config<ClassifyJobParam~ClassifyJobParam>"
RESULT_CONFIG = (
    "beta.batch.job_items.get_processing_results.response.processing_results[].job_config"
)
MISSING = "enum values missing from the spec"

# (planted change, fragments the report must contain: the path and what differs)
PLANTED: list[tuple[Callable[[Spec], None], list[str]]] = [
    (
        drop_enum_value,
        [
            f"beta.batch.list.item.status: {MISSING}: ['dispatched']",
            f"beta.batch.list.query.status: {MISSING}: ['dispatched']",
            f"beta.batch.get_status.response.job.status: {MISSING}: ['dispatched']",
        ],
    ),
    (
        add_enum_value,
        ["beta.batch.job_items.list.item.status: enum values only in the spec: ['queued']"],
    ),
    (
        make_optional,
        ["beta.batch.create.response.total_items: required True in the structure, False"],
    ),
    (
        make_required,
        ["beta.batch.cancel.body_and_query.reason: required False in the structure, True"],
    ),
    (
        change_type,
        ["beta.batch.cancel.response.processed_items: type integer in the structure, number"],
    ),
    (change_parameter_type, ["beta.batch.list.query.limit: type integer in the structure, string"]),
    (
        require_parameter,
        ["beta.batch.job_items.list.query.offset: required False in the structure, True"],
    ),
    (
        drop_nullable,
        ["beta.batch.job_items.list.item.job_id: nullable True in the structure, False"],
    ),
    (drop_format, ["beta.batch.list.item.created_at: format 'date-time' in the structure, None"]),
    (change_const, [f"beta.batch.create.body_and_query.{PARSE_CONFIG}.job_name: const"]),
    (
        change_array_items,
        ["beta.batch.create.body_and_query.item_ids[]: type string in the structure, integer"],
    ),
    (
        close_additional_properties,
        ["beta.batch.job_items.list.item.additionalProperties: True in the structure, False"],
    ),
    (change_map_values, [f"{PARSE_CONFIG}.partitions{{*}}: type string in the structure, integer"]),
    (drop_nested_enum_value, [f"{PARSE_CONFIG}.parameters.priority: {MISSING}: ['critical']"]),
    (remove_property, ["beta.batch.job_items.list.item.skip_reason: missing from the spec"]),
    (add_property, ["beta.batch.create.response.priority: in the spec but not in the structure"]),
    (remove_header, ["beta.batch.cancel.body_and_query.temporal_namespace: missing from the spec"]),
    (remove_nested_property, [f"{CLASSIFY_CONFIG}.rules[].description: missing from the spec"]),
    (
        change_default,
        ["beta.batch.list.item.failed_items: default None in the structure, 0 in the spec"],
    ),
    (swap_union_branch, [f"{RESULT_CONFIG}<ClassifyJob~ClassifyJobParam>.mode: nullable True"]),
]


@pytest.mark.parametrize(("mutate", "expected"), PLANTED, ids=[m.__name__ for m, _ in PLANTED])
def test_comparer_reports_planted_disagreement(
    structure: dict[str, Any],
    spec: Spec,
    endpoints: dict[str, str],
    mutate: Callable[[Spec], None],
    expected: list[str],
) -> None:
    broken = copy.deepcopy(spec)
    mutate(broken)

    problems = compare_all(structure, broken, endpoints)

    report = "\n".join(problems)
    for fragment in expected:
        assert fragment in report, f"{fragment!r} not reported; got:\n{report}"


def test_comparer_reports_every_planted_disagreement_at_once(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    broken = copy.deepcopy(spec)
    for mutate, _ in PLANTED:
        mutate(broken)

    report = "\n".join(compare_all(structure, broken, endpoints))

    missing = [
        fragment for _, expected in PLANTED for fragment in expected if fragment not in report
    ]
    assert not missing, f"not reported when combined: {missing}\n{report}"


def test_comparer_reports_a_page_without_items(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    # Kept apart from PLANTED: without the page's items no job item is compared at all.
    broken = copy.deepcopy(spec)
    del schemas(broken)["BatchJobItemPage"]["properties"]["items"]

    problems = compare_all(structure, broken, endpoints)

    expected = (
        "beta.batch.job_items.list.item: the 200 response of listBatchJobItems has no `items` array"
    )
    assert expected in problems


CANCEL = "/api/v1/beta/batch-processing/{job_id}/cancel"


def test_comparer_reports_a_missing_operation(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    broken = copy.deepcopy(spec)
    del broken["paths"][CANCEL]

    problems = compare_all(structure, broken, endpoints)

    where = f"the spec has no operation POST {CANCEL}, where the map puts beta.batch.cancel"
    assert f"beta.batch.cancel.response: {where}" in problems
    assert f"beta.batch.cancel.body_and_query: {where}" in problems


def test_comparer_reports_a_moved_path(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    # The spec and its map line move together, as `nox -s generate` requires; the SDK did not.
    broken = copy.deepcopy(spec)
    moved = CANCEL.replace("cancel", "abort")
    broken["paths"][moved] = broken["paths"].pop(CANCEL)
    moved_map = {**endpoints, "beta.batch.cancel": f"POST {moved}"}

    problems = compare_all(structure, broken, moved_map)

    assert problems == [
        f"beta.batch.cancel.route: POST {CANCEL} in the structure, POST {moved} in the spec"
    ]


def test_comparer_reports_a_changed_method(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    broken = copy.deepcopy(spec)
    item = broken["paths"][CANCEL]
    item["put"] = item.pop("post")
    changed_map = {**endpoints, "beta.batch.cancel": f"PUT {CANCEL}"}

    problems = compare_all(structure, broken, changed_map)

    assert problems == [
        f"beta.batch.cancel.route: POST {CANCEL} in the structure, PUT {CANCEL} in the spec"
    ]


def test_comparer_reports_a_map_method_the_reference_lacks(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    # A method added to the map (and spec) before `nox -s reference` read it from the SDK.
    partial = {
        name: entry
        for name, entry in structure.items()
        if not name.startswith("beta.batch.cancel.")
    }

    problems = compare_all(partial, spec, endpoints)

    assert problems == [
        "beta.batch.cancel: a method of the map the reference does not describe "
        "(`nox -s reference` derives it)"
    ]


def test_comparer_reports_a_spec_operation_the_map_does_not_place(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/api/v1/beta/batch-processing/{job_id}/retry"] = {
        "post": copy.deepcopy(broken["paths"][CANCEL]["post"]) | {"operationId": "retryBatchJob"}
    }

    problems = compare_all(structure, broken, endpoints)

    assert problems == [
        "retryBatchJob: a spec operation the map does not place "
        "(POST /api/v1/beta/batch-processing/{job_id}/retry)"
    ]


def test_comparer_counts_a_name_listed_only_in_required(
    structure: dict[str, Any], spec: Spec, endpoints: dict[str, str]
) -> None:
    # A hand-kept reference once listed a classifier rule's `description` only in `required`.
    reference_structure = copy.deepcopy(structure)
    rule = reference_structure["beta.batch.create.body_and_query"]["$defs"]["ClassifierRuleParam"]
    del rule["properties"]["description"]
    broken = copy.deepcopy(spec)
    remove_nested_property(broken)

    problems = compare_all(reference_structure, broken, endpoints)

    assert problems == [
        f"beta.batch.create.body_and_query.{CLASSIFY_CONFIG}.rules[].description: "
        "missing from the spec"
    ]


def test_accepted_disagreements_pass_and_stale_ones_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: Spec, endpoints: dict[str, str]
) -> None:
    ahead = copy.deepcopy(spec)
    add_property(ahead)
    spec_path = tmp_path / "openapi.yaml"
    spec_path.write_text(yaml.safe_dump(ahead))
    accepted_path = tmp_path / "accepted.txt"
    pins_path = tmp_path / "reference.toml"
    pins_path.write_text('[pins]\nbeta = "0.0.1"\n')
    shutil.copy(FROZEN / "frozen-structure.json", reference.structure_path("0.0.1", tmp_path))
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "SPEC_PATH", spec_path)
    monkeypatch.setattr(module, "MAP_PATH", FROZEN / "frozen-resources.yaml")
    monkeypatch.setattr(module, "PINS_PATH", pins_path)
    monkeypatch.setattr(module, "REFERENCE_DIR", tmp_path)
    monkeypatch.setattr(module, "ACCEPTED_PATH", accepted_path)
    problems = compare_all(load_json(FROZEN / "frozen-structure.json"), ahead, endpoints)
    assert problems  # the property is a disagreement until accepted

    accepted_path.write_text("# header\n" + "".join(f"{p}  # ahead of the SDK\n" for p in problems))
    test_spec_matches_reference_structure()

    accepted_path.write_text(accepted_path.read_text() + "beta.batch.list.item.gone: old  # was\n")
    with pytest.raises(
        AssertionError, match=r"1 accepted line\(s\) of accepted\.txt no longer occur"
    ):
        test_spec_matches_reference_structure()
