"""The spec agrees with the API's reference structure, tests/data/batch-processing-structure.json
(derived from the official SDK's type declarations by generator/reference.py, `nox -s reference`):
routes, names, requiredness, types, formats, enums...

The comparer itself is in structure_compare.py. The first test is the only one that reads the
real spec and the real reference, and lists every disagreement in one failure. The rest prove
that the comparer catches disagreements by planting them in a frozen spec and reference pair of
their own (tests/data/frozen-*), so a change to the real spec or the real reference
fails one test, not every planted one.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from structure_compare import OPERATIONS, PARTS, compare_all, compare_entry

ROOT = Path(__file__).resolve().parents[2]
STRUCTURE_PATH = ROOT / "tests" / "data" / "batch-processing-structure.json"
SPEC_PATH = ROOT / "spec" / "openapi.yaml"
ACCEPTED_PATH = ROOT / "tests" / "data" / "reference-accepted.txt"
# A spec and a reference that agree, frozen for the comparer's own tests.
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


@pytest.fixture(scope="module")
def structure() -> dict[str, Any]:
    return load_json(FROZEN / "frozen-structure.json")


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_yaml(FROZEN / "frozen-openapi.yaml")


def accepted_disagreements() -> set[str]:
    """Disagreements a maintainer accepted on purpose (the spec ahead of the pinned SDK, say),
    one per line of tests/data/reference-accepted.txt, each followed by `  # why`."""
    if not ACCEPTED_PATH.exists():
        return set()
    lines = (line.split("  #", 1)[0].strip() for line in ACCEPTED_PATH.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("#")}


def test_spec_matches_reference_structure() -> None:
    problems = compare_all(load_json(STRUCTURE_PATH), load_yaml(SPEC_PATH))
    accepted = accepted_disagreements()
    unexpected = [problem for problem in problems if problem not in accepted]
    stale = sorted(accepted - set(problems))
    report = [
        f"{len(unexpected)} disagreement(s) between spec/openapi.yaml and the reference "
        "(tests/data/batch-processing-structure.json, refreshed by `nox -s reference`):",
        *unexpected,
    ]
    if stale:
        report += [
            f"{len(stale)} accepted line(s) of {ACCEPTED_PATH.name} no longer occur:",
            *stale,
        ]
    assert [*unexpected, *stale] == [], "\n".join(report)


def test_every_reference_entry_is_mapped() -> None:
    # An entry no rule maps would be a failure, not a silent pass: every operation of the real
    # reference has a route, and every entry names a known operation and part.
    names = set(load_json(STRUCTURE_PATH))
    keys = {name.partition(".")[0] for name in names}
    assert keys <= set(OPERATIONS), sorted(keys - set(OPERATIONS))
    assert {name.partition(".")[2] for name in names} <= set(PARTS)
    assert {f"{key}.route" for key in keys} <= names


def test_an_unmapped_entry_is_reported(spec: Spec) -> None:
    unknown = {"list_jobs.headers": {"type": "object"}, "delete_job.response": {"type": "object"}}
    for name, entry in unknown.items():
        assert compare_entry(name, entry, spec) == [
            f"{name}: no rule maps this structure entry onto the spec"
        ]


def test_the_frozen_pair_agrees(structure: dict[str, Any], spec: Spec) -> None:
    # The planted tests below start from agreement, so each problem they see is the planted one.
    assert compare_all(structure, spec) == []


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
RESULT_CONFIG = "get_item_processing_results.response.processing_results[].job_config"
MISSING = "enum values missing from the spec"

# (planted change, fragments the report must contain: the path and what differs)
PLANTED: list[tuple[Callable[[Spec], None], list[str]]] = [
    (
        drop_enum_value,
        [
            f"list_jobs.item.status: {MISSING}: ['dispatched']",
            f"list_jobs.query.status: {MISSING}: ['dispatched']",
            f"get_job_status.response.job.status: {MISSING}: ['dispatched']",
        ],
    ),
    (add_enum_value, ["list_job_items.item.status: enum values only in the spec: ['queued']"]),
    (make_optional, ["create_job.response.total_items: required True in the structure, False"]),
    (make_required, ["cancel_job.body_and_query.reason: required False in the structure, True"]),
    (change_type, ["cancel_job.response.processed_items: type integer in the structure, number"]),
    (change_parameter_type, ["list_jobs.query.limit: type integer in the structure, string"]),
    (require_parameter, ["list_job_items.query.offset: required False in the structure, True"]),
    (drop_nullable, ["list_job_items.item.job_id: nullable True in the structure, False"]),
    (drop_format, ["list_jobs.item.created_at: format 'date-time' in the structure, None"]),
    (change_const, [f"create_job.body_and_query.{PARSE_CONFIG}.job_name: const"]),
    (
        change_array_items,
        ["create_job.body_and_query.item_ids[]: type string in the structure, integer in the spec"],
    ),
    (
        close_additional_properties,
        ["list_job_items.item.additionalProperties: True in the structure, False in the spec"],
    ),
    (change_map_values, [f"{PARSE_CONFIG}.partitions{{*}}: type string in the structure, integer"]),
    (drop_nested_enum_value, [f"{PARSE_CONFIG}.parameters.priority: {MISSING}: ['critical']"]),
    (remove_property, ["list_job_items.item.skip_reason: missing from the spec"]),
    (add_property, ["create_job.response.priority: in the spec but not in the structure"]),
    (remove_header, ["cancel_job.body_and_query.temporal_namespace: missing from the spec"]),
    (remove_nested_property, [f"{CLASSIFY_CONFIG}.rules[].description: missing from the spec"]),
    (change_default, ["list_jobs.item.failed_items: default None in the structure, 0 in the spec"]),
    (swap_union_branch, [f"{RESULT_CONFIG}<ClassifyJob~ClassifyJobParam>.mode: nullable True"]),
]


@pytest.mark.parametrize(("mutate", "expected"), PLANTED, ids=[m.__name__ for m, _ in PLANTED])
def test_comparer_reports_planted_disagreement(
    structure: dict[str, Any], spec: Spec, mutate: Callable[[Spec], None], expected: list[str]
) -> None:
    broken = copy.deepcopy(spec)
    mutate(broken)

    problems = compare_all(structure, broken)

    report = "\n".join(problems)
    for fragment in expected:
        assert fragment in report, f"{fragment!r} not reported; got:\n{report}"


def test_comparer_reports_every_planted_disagreement_at_once(
    structure: dict[str, Any], spec: Spec
) -> None:
    broken = copy.deepcopy(spec)
    for mutate, _ in PLANTED:
        mutate(broken)

    report = "\n".join(compare_all(structure, broken))

    missing = [
        fragment for _, expected in PLANTED for fragment in expected if fragment not in report
    ]
    assert not missing, f"not reported when combined: {missing}\n{report}"


def test_comparer_reports_a_page_without_items(structure: dict[str, Any], spec: Spec) -> None:
    # Kept apart from PLANTED: without the page's items no job item is compared at all.
    broken = copy.deepcopy(spec)
    del schemas(broken)["BatchJobItemPage"]["properties"]["items"]

    problems = compare_all(structure, broken)

    expected = "list_job_items.item: the 200 response of listBatchJobItems has no `items` array"
    assert expected in problems


def test_comparer_reports_a_missing_operation(structure: dict[str, Any], spec: Spec) -> None:
    broken = copy.deepcopy(spec)
    del broken["paths"]["/api/v1/beta/batch-processing/{job_id}/cancel"]

    problems = compare_all(structure, broken)

    assert "cancel_job.response: the spec has no operation cancelBatchJob" in problems
    assert "cancel_job.body_and_query: the spec has no operation cancelBatchJob" in problems


def test_comparer_reports_a_moved_path(structure: dict[str, Any], spec: Spec) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/api/v1/beta/batch-processing/{job_id}/abort"] = broken["paths"].pop(
        "/api/v1/beta/batch-processing/{job_id}/cancel"
    )

    problems = compare_all(structure, broken)

    assert problems == [
        "cancel_job.route: POST /api/v1/beta/batch-processing/{job_id}/cancel in the structure, "
        "POST /api/v1/beta/batch-processing/{job_id}/abort in the spec"
    ]


def test_comparer_reports_a_changed_method(structure: dict[str, Any], spec: Spec) -> None:
    broken = copy.deepcopy(spec)
    item = broken["paths"]["/api/v1/beta/batch-processing/{job_id}/cancel"]
    item["put"] = item.pop("post")

    problems = compare_all(structure, broken)

    assert problems == [
        "cancel_job.route: POST /api/v1/beta/batch-processing/{job_id}/cancel in the structure, "
        "PUT /api/v1/beta/batch-processing/{job_id}/cancel in the spec"
    ]


def test_comparer_counts_a_name_listed_only_in_required(
    structure: dict[str, Any], spec: Spec
) -> None:
    # A hand-kept reference once listed a classifier rule's `description` only in `required`.
    reference = copy.deepcopy(structure)
    del reference["create_job.body_and_query"]["$defs"]["ClassifierRuleParam"]["properties"][
        "description"
    ]
    broken = copy.deepcopy(spec)
    remove_nested_property(broken)

    problems = compare_all(reference, broken)

    assert problems == [
        f"create_job.body_and_query.{CLASSIFY_CONFIG}.rules[].description: missing from the spec"
    ]


def test_accepted_disagreements_pass_and_stale_ones_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: Spec
) -> None:
    ahead = copy.deepcopy(spec)
    add_property(ahead)
    spec_path = tmp_path / "openapi.yaml"
    spec_path.write_text(yaml.safe_dump(ahead))
    accepted_path = tmp_path / "accepted.txt"
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "SPEC_PATH", spec_path)
    monkeypatch.setattr(module, "STRUCTURE_PATH", FROZEN / "frozen-structure.json")
    monkeypatch.setattr(module, "ACCEPTED_PATH", accepted_path)
    problems = compare_all(load_json(FROZEN / "frozen-structure.json"), ahead)
    assert problems  # the property is a disagreement until accepted

    accepted_path.write_text("# header\n" + "".join(f"{p}  # ahead of the SDK\n" for p in problems))
    test_spec_matches_reference_structure()

    accepted_path.write_text(accepted_path.read_text() + "list_jobs.item.gone: old  # was\n")
    with pytest.raises(
        AssertionError, match=r"1 accepted line\(s\) of accepted\.txt no longer occur"
    ):
        test_spec_matches_reference_structure()
