"""Models are attrs classes whose methods the templates write out: each behaves as the same
declaration run through attrs.define (its module's ``_attrs_class()``), and attrs's own
functions work on it, while the package and a first call never import attrs.

Every model the package ships is checked, so a property or a model added to the spec is covered
without touching this file.
"""

from __future__ import annotations

import copy
import inspect
import pickle
import subprocess
import sys
import textwrap
import threading
import weakref
from types import ModuleType
from typing import Any

import attrs
import pytest
from _llama_cloud_batch_generated import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _model_classes() -> list[type]:
    found = []
    for name in models.__all__:
        value = getattr(models, name)
        if isinstance(value, type) and "__attrs_attrs__" in vars(value):
            found.append(value)
    return found


MODELS = _model_classes()
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Any values will do: the dunder methods neither check nor convert them.
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=5,
)


def _module(model: type) -> ModuleType:
    return sys.modules[model.__module__]


def _twin(model: type) -> Any:
    return _module(model)._attrs_class()


def _parameters(factory: Any) -> list[tuple[str, Any, Any]]:
    return [
        (parameter.name, parameter.kind, parameter.default)
        for parameter in inspect.signature(factory).parameters.values()
    ]


def _pair(model: type, twin: Any, values: list[Any], extra: dict[str, Any]) -> tuple[Any, Any]:
    ours, theirs = model(*values), twin(*values)
    if hasattr(ours, "additional_properties"):
        ours.additional_properties = dict(extra)
        theirs.additional_properties = dict(extra)
    return ours, theirs


def test_every_model_is_checked() -> None:
    assert len(MODELS) >= 10
    assert models.BatchJob in MODELS


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_attrs_sees_the_same_class(model: type) -> None:
    twin = _twin(model)
    assert attrs.has(model)
    described = [
        (a.name, a.alias, a.default, a.init, a.repr, a.eq, a.kw_only, a.type)
        for a in attrs.fields(model)
    ]
    expected = [
        (a.name, a.alias, a.default, a.init, a.repr, a.eq, a.kw_only, a.type)
        for a in attrs.fields(twin)
    ]
    assert described == expected
    assert _parameters(model) == _parameters(twin)
    assert model.__match_args__ == twin.__match_args__
    # additional_properties is a property over the _additional slot (see the next test).
    slots = {"additional_properties" if n == "_additional" else n for n in model.__slots__}
    assert slots == set(twin.__slots__)
    # The record is attrs's own and is made once.
    assert attrs.fields(model) is attrs.fields(model)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@SETTINGS
@given(data=st.data())
def test_instances_behave_as_attrs_builds_them(model: type, data: st.DataObject) -> None:
    twin = _twin(model)
    names = [name for name, *_ in _parameters(model)]
    values = data.draw(st.lists(VALUES, min_size=len(names), max_size=len(names)))
    extra = data.draw(st.dictionaries(st.text(max_size=4), VALUES, max_size=2))
    ours, theirs = _pair(model, twin, values, extra)

    assert repr(ours) == repr(theirs)

    # Equality against a copy with one argument changed (or none).
    changed = list(values)
    if names:
        index = data.draw(st.integers(0, len(names) - 1))
        changed[index] = data.draw(VALUES)
    other_ours, other_theirs = _pair(model, twin, changed, extra)
    assert (ours == other_ours) == (theirs == other_theirs)
    assert (ours != other_ours) == (theirs != other_theirs)
    assert ours.__eq__(theirs) is NotImplemented
    assert ours.__eq__(object()) is NotImplemented

    assert attrs.asdict(ours, recurse=False) == attrs.asdict(theirs, recurse=False)
    assert attrs.astuple(ours, recurse=False) == attrs.astuple(theirs, recurse=False)
    for built in (copy.copy(ours), copy.deepcopy(ours)):
        assert type(built) is model
        assert attrs.asdict(built, recurse=False) == attrs.asdict(ours, recurse=False)
    if names:
        evolved = attrs.evolve(ours, **{attrs.fields(model)[0].alias: "changed"})
        assert type(evolved) is model
        assert getattr(evolved, names[0]) == "changed"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_what_attrs_adds_to_a_class(model: type) -> None:
    twin = _twin(model)
    names = [name for name, *_ in _parameters(model)]
    ours, theirs = _pair(model, twin, ["x"] * len(names), {"k": 1})

    for instance in (ours, theirs):
        with pytest.raises(TypeError):
            hash(instance)
        with pytest.raises(AttributeError):
            instance.not_a_field = 1
        assert weakref.ref(instance)() is instance
    # The twin is a local class, which pickle cannot name: its state is compared instead.
    assert ours.__getstate__() == theirs.__getstate__()
    assert pickle.loads(pickle.dumps(ours)) == ours
    if hasattr(ours, "additional_properties"):
        # A model inside itself is written "...", as attrs writes it.
        ours.additional_properties["self"] = ours
        theirs.additional_properties["self"] = theirs
        assert repr(ours) == repr(theirs)
        if attrs.fields_dict(model)["additional_properties"].repr is True:
            assert "..." in repr(ours)
        else:  # hidden: the keys shown, never the values
            assert "'self': '***'" in repr(ours)


@pytest.mark.parametrize(
    "model", [m for m in MODELS if hasattr(m, "_additional")], ids=lambda model: model.__name__
)
def test_additional_properties_is_made_when_first_used(model: type) -> None:
    names = [name for name, *_ in _parameters(model)]
    instance = model(*[None] * len(names))
    assert instance._additional is None
    assert "x" not in instance
    assert instance.additional_keys == []
    with pytest.raises(KeyError):
        instance["x"]
    assert instance._additional is None, "reading made the dict"

    extra = instance.additional_properties
    assert extra == {}
    assert instance.additional_properties is extra
    instance["x"] = "1"
    assert extra == {"x": "1"}
    assert "x" in instance
    assert instance.additional_keys == ["x"]
    replaced = {"y": "2"}
    instance.additional_properties = replaced
    assert instance.additional_properties is replaced
    assert instance["y"] == "2"
    del instance["y"]
    assert replaced == {}


def test_to_dict_writes_additional_properties_made_later() -> None:
    page = models.BatchJobPage.from_dict({"items": []})
    assert page.to_dict() == {"items": []}
    page["cursor"] = "c"
    assert page.to_dict() == {"items": [], "cursor": "c"}
    assert models.BatchJobPage.from_dict(page.to_dict()) == page


def test_threads_share_one_additional_properties_dict() -> None:
    """Many threads writing into a job's unmade additional_properties at once: no write is lost."""
    model = models.BatchJobProgress
    names = [name for name, *_ in _parameters(model)]
    for _ in range(20):
        instance = model(*[None] * len(names))
        start = threading.Barrier(8)

        def write(key: str, instance: Any = instance, start: threading.Barrier = start) -> None:
            start.wait()
            instance.additional_properties[key] = key

        threads = [threading.Thread(target=write, args=(str(i),)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(instance.additional_properties) == [str(i) for i in range(8)]


def test_a_subclass_reads_its_base_record() -> None:
    class Mine(models.BatchJobProgress):
        pass

    assert attrs.fields(Mine) == attrs.fields(models.BatchJobProgress)


@pytest.mark.skipif(sys.version_info < (3, 13), reason="copy.replace is new in Python 3.13")
def test_copy_replace() -> None:
    page = models.BatchJobPage.from_dict({"items": [], "total_size": 1})
    replaced = copy.replace(page, total_size=3)  # type: ignore[attr-defined, unused-ignore]
    assert type(replaced) is models.BatchJobPage
    assert (replaced.items, replaced.total_size) == ([], 3)


def test_first_call_imports_no_attrs_and_threads_share_one_record() -> None:
    """In a fresh interpreter: a listing page is read without importing attrs; then eight threads
    asking attrs for the fields at once all get the one record."""
    script = textwrap.dedent(
        """
        import sys, threading
        import llama_cloud_batch
        from _llama_cloud_batch_generated.api.batch import list_batch_jobs
        from _llama_cloud_batch_generated.models import BatchJobPage
        page = BatchJobPage.from_dict({"items": [], "total_size": 0})
        repr(page), page == page
        assert "attrs" not in sys.modules and "attr" not in sys.modules, "attrs imported"
        import attrs
        start, seen = threading.Barrier(8), []
        def ask():
            start.wait()
            seen.append(attrs.fields(BatchJobPage))
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        assert len(seen) == 8 and all(record is seen[0] for record in seen), seen
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
