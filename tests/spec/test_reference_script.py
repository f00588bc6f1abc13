"""generator/reference.py's parts that need no SDK: reading the map and the pins, choosing each
release's methods, and finding the params TypedDict an SDK method builds its request from.

Reading a real SDK release is `nox -s reference`'s job (it installs each pinned release).
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest
import reference

MAP = {
    "resources": {
        "beta": {
            "subresources": {
                "batch": {
                    "custom": "batch",
                    "methods": {
                        "list": {
                            "endpoint": "GET /api/v1/things",
                            "paginate": {"style": "offset", "key": "id"},
                        },
                        "cancel": "POST /api/v1/things/{thing_id}/cancel",
                    },
                    "subresources": {
                        "items": {"methods": {"get": "get /api/v1/things/items/{item_id}"}}
                    },
                }
            }
        },
        "things": {
            "methods": {
                "list": {
                    "endpoint": "GET /api/v2/things",
                    "paginate": {"style": "cursor", "key": "id"},
                }
            }
        },
    }
}


def test_map_methods_walks_every_level_in_order() -> None:
    methods = reference.map_methods(MAP)

    assert [(m.path, m.endpoint, m.resource) for m in methods] == [
        ("beta.batch.list", "GET /api/v1/things", "beta"),
        ("beta.batch.cancel", "POST /api/v1/things/{thing_id}/cancel", "beta"),
        ("beta.batch.items.get", "GET /api/v1/things/items/{item_id}", "beta"),
        ("things.list", "GET /api/v2/things", "things"),
    ]


def test_the_real_map_and_pins_agree() -> None:
    methods = reference.load_map()
    pins = reference.load_pins()
    chosen = [reference.methods_for(version, methods, pins) for version in set(pins.values())]
    assert sorted(m.path for group in chosen for m in group) == sorted(m.path for m in methods)


def test_methods_for_takes_only_the_resources_pinned_to_the_release() -> None:
    methods = reference.map_methods(MAP)
    pins = {"beta": "2.13.0", "things": "2.19.0"}

    assert [m.path for m in reference.methods_for("2.19.0", methods, pins)] == ["things.list"]
    assert len(reference.methods_for("2.13.0", methods, pins)) == 3
    with pytest.raises(ValueError, match=r"no resource of the map is pinned to llama-cloud 2\.0"):
        reference.methods_for("2.0", methods, pins)


def test_methods_for_refuses_a_resource_without_a_pin() -> None:
    with pytest.raises(
        ValueError, match=r"top-level resource\(s\) things of the map have no SDK pin"
    ):
        reference.methods_for("2.13.0", reference.map_methods(MAP), {"beta": "2.13.0"})


def test_load_pins_reads_the_pins_table(tmp_path: Path) -> None:
    path = tmp_path / "reference.toml"
    path.write_text('# comment\n[pins]\nbeta = "2.13.0"\nthings = "2.19.0"\n')

    assert reference.load_pins(path) == {"beta": "2.13.0", "things": "2.19.0"}
    assert reference.structure_path("2.13.0", tmp_path) == tmp_path / "llama-cloud-2.13.0.json"


# -- the params TypedDict, found where the SDK method names it ------------------------------

thing_list_params = types.SimpleNamespace(ThingListParams=dict)
thing_create_params = types.SimpleNamespace(ThingCreateParams=list)


def maybe_transform(values: Any, _params: Any) -> Any:
    return values


class FakeResource:
    def list(self, *, limit: int | None = None) -> Any:
        return maybe_transform({"limit": limit}, thing_list_params.ThingListParams)

    def create(self, *, name: str) -> Any:
        body = maybe_transform({"name": name}, thing_create_params.ThingCreateParams)
        query = maybe_transform({}, thing_create_params.ThingCreateParams)
        return body, query

    def get(self, thing_id: str) -> Any:
        return thing_id

    def mixed(self) -> Any:
        return (thing_list_params.ThingListParams, thing_create_params.ThingCreateParams)


def test_params_type_is_the_one_the_method_names() -> None:
    resource = FakeResource()
    assert reference.params_type(resource.list) is dict
    # Named twice (body and query from one TypedDict) is still one.
    assert reference.params_type(resource.create) is list
    assert reference.params_type(resource.get) is None
    with pytest.raises(RuntimeError, match="more than one params type"):
        reference.params_type(resource.mixed)


def test_sdk_method_names_the_exceptions_table_when_the_sdk_lacks_a_path() -> None:
    client = types.SimpleNamespace(beta=types.SimpleNamespace(batch=FakeResource()))
    present = reference.MapMethod("beta.batch.list", "GET", "/x")
    absent = reference.MapMethod("beta.batch.retry", "POST", "/x")

    assert reference.sdk_method(client, present) == client.beta.batch.list
    with pytest.raises(RuntimeError, match=r"the SDK has no `beta\.batch\.retry`.*SDK_METHODS"):
        reference.sdk_method(client, absent)
