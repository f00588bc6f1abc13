"""Every model is a real attrs class (attrs.define, slotted), so attrs's tools work on it, and
what a model read from the server carries (unknown properties, which properties came as null)
survives what users do with attrs classes: evolve, copy.replace, pickle, copies, subclasses.

Instances are drawn from the spec the package ships (tests/properties/test_models.py's
strategies), with unknown properties added.
"""

from __future__ import annotations

import copy
import inspect
import pickle
import sys
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from .test_models import OBJECTS, PROPERTY_SETTINGS, extra_properties, instances, model

MODELS = [model(name) for name in OBJECTS]


@attrs.define
class Tagged(model("BatchJobItem")):  # type: ignore[misc]
    tag: str = "x"


def read_with_extras(name: str) -> st.SearchStrategy[tuple[dict[str, Any], Any]]:
    """(the JSON, the model read from it), the JSON with properties the spec does not describe."""
    return st.tuples(instances(name), extra_properties(name)).map(
        lambda pair: (raw := {**pair[1], **pair[0]}, model(name).from_dict(raw))
    )


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_attrs_knows_every_model(cls: type) -> None:
    assert attrs.has(cls)
    if hasattr(attrs, "inspect"):  # attrs 25.4 added it; the package allows older attrs
        assert attrs.inspect(cls).is_slotted
    assert "__slots__" in cls.__dict__
    assert attrs.fields_dict(cls)["additional_properties"].kw_only


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_no_private_name_in_a_model_constructor(cls: type) -> None:
    parameters = inspect.signature(cls).parameters
    assert not [name for name in parameters if name.startswith("_")]


@pytest.mark.parametrize("name", OBJECTS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_unknown_properties_and_nulls_survive_attrs_copies_and_pickling(
    name: str, data: Any
) -> None:
    """One draw per example serves every check: drawing spec-shaped data is most of the cost."""
    _, parsed = data.draw(read_with_extras(name))
    before = (repr(parsed), parsed.to_dict(), pickle.dumps(parsed))
    written = before[1]
    for again in (pickle.loads(pickle.dumps(parsed)), copy.copy(parsed), copy.deepcopy(parsed)):
        assert again == parsed
        assert again.to_dict() == written
    # A changed copy is built in code, through __init__: its fields and unknown properties are
    # the original's (which properties came as null is a record of what was received).
    for changed in (
        attrs.evolve(parsed),
        *([copy.replace(parsed)] if sys.version_info >= (3, 13) else []),
    ):
        assert changed == parsed
        assert changed.additional_properties == parsed.additional_properties
    # attrs's own functions read the model and change nothing in it.
    attrs.asdict(parsed)
    attrs.astuple(parsed)
    assert (repr(parsed), parsed.to_dict(), pickle.dumps(parsed)) == before


@attrs.frozen
class FrozenItem(model("BatchJobItem")):  # type: ignore[misc]
    """What a user may make of a model: an immutable one."""


@PROPERTY_SETTINGS
@given(data=st.data())
def test_a_frozen_subclass_reads_what_its_model_reads(data: Any) -> None:
    raw, parsed = data.draw(read_with_extras("BatchJobItem"))
    frozen = FrozenItem.from_dict(raw)
    assert frozen.to_dict() == parsed.to_dict() == raw
    assert frozen.additional_properties == parsed.additional_properties
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        frozen.additional_properties = {}


def test_an_attrs_subclass_is_an_attrs_class_with_the_fields() -> None:
    item = Tagged("itm-1", "a.pdf", "pending", tag="y")
    assert [f.name for f in attrs.fields(Tagged)][:3] == ["item_id", "item_name", "status"]
    assert pickle.loads(pickle.dumps(item)) == item
