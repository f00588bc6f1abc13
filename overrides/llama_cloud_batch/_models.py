"""What every generated model and enum stands on: written once here, used by the declarative
modules of `_llama_cloud_batch_generated.models`.

A model is an attrs class (`attrs.define`, slotted) subclassing `Model`; its generated
`from_dict` reads decoded JSON strictly (a wrong type, a missing required property or an
unparsable timestamp raises a `ShapeError` naming where), and keeps properties the spec does not
describe in `additional_properties`. An enum subclasses `OpenStrEnum` or `OpenIntEnum`: a value
the spec does not list parses into a value of the class instead of raising.
"""

from __future__ import annotations

import datetime
import enum
import json
import threading
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

# Bound once: generated readers call it for every timestamp.
fromisoformat = datetime.datetime.fromisoformat


class ShapeError(TypeError, ValueError):
    """A response value that does not fit the spec: where it is, what is wrong, and the id of the
    nearest enclosing object that has one, as in ``items[37]: required property 'project_id' is
    missing (BatchJob 'bjb-1')``.

    The message names types and places, never the value itself (a server may echo a secret into
    any field), and generated readers leave no chained exception that holds it.
    """

    def __init__(self, location: str | int | None, problem: str, owner: str | None = None) -> None:
        super().__init__(location, problem, owner)
        # Outermost first; readers of enclosing objects and arrays prepend as the error rises.
        self.path: list[str | int] = [] if location is None else [location]
        self.problem = problem
        self.owner = owner

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_shape_error, (self.path, self.problem, self.owner))

    @property
    def location(self) -> str:
        """The path inside the body, like ``items[37].project_id``; empty for the body itself."""
        text = ""
        for part in self.path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text

    def __str__(self) -> str:
        where = self.location
        text = f"{where}: {self.problem}" if where else self.problem
        return f"{text} ({self.owner})" if self.owner else text


def _rebuild_shape_error(path: list[str | int], problem: str, owner: str | None) -> ShapeError:
    error = ShapeError(None, problem, owner)
    error.path = path
    return error


_JSON_TYPES: dict[type, str] = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
}


def _json_type(value: object) -> str:
    return "null" if value is None else _JSON_TYPES.get(type(value), type(value).__name__)


def wrong_type_error(location: str | int | None, expected: str, value: object) -> ShapeError:
    return ShapeError(location, f"expected {expected}, got {_json_type(value)}")


def missing_property_error(error: KeyError) -> ShapeError:
    """A required property a model's reader did not find (the KeyError of ``d[name]``)."""
    return ShapeError(None, f"required property {str(error.args[0])[:100]!r} is missing")


def claimed(
    error: ShapeError, data: Mapping[str, Any], model: str, id_key: str | None
) -> ShapeError:
    """The error, raised from inside a model's reader: owned by this object if it has an id and no
    inner object claimed it, and cut from its chained exception (which may hold the raw value)."""
    error.__context__ = None
    if error.owner is None and id_key is not None:
        ident = data.get(id_key)
        if isinstance(ident, str) and ident:
            error.owner = f"{model} {ident[:64]!r}"
    return error


def expect_object(data: object, model: str) -> dict[str, Any]:
    """The JSON object a model is read from; anything else is a ShapeError naming the model."""
    if isinstance(data, dict):
        return data
    if isinstance(data, Mapping):
        return dict(data)
    raise ShapeError(None, f"expected a JSON object ({model}), got {_json_type(data)}")


def parse_datetime(value: object, location: str | int | None) -> datetime.datetime:
    """A timestamp fromisoformat refused: the located error (readers try fromisoformat inline
    first, as timestamps are read thousands of times per listing)."""
    if not isinstance(value, str):
        raise wrong_type_error(location, "an ISO 8601 date-time string", value)
    try:
        parsed = fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        # Raised outside the except block: fromisoformat's error quotes the value.
        raise ShapeError(location, "not an ISO 8601 date-time")
    return parsed if parsed.tzinfo is not None else as_utc(value, parsed)


def as_utc(text: str, parsed: datetime.datetime) -> datetime.datetime:
    """A timestamp sent without an offset (`parsed`, read from `text`), taken as UTC.

    Parsing again with "+00:00" costs a quarter of ``parsed.replace(tzinfo=UTC)``, a keyword call
    making a second object. A date alone keeps replace(): fromisoformat reads
    "2025-01-06+00:00" as a naive midnight.
    """
    if len(text) > 10:
        try:
            aware = fromisoformat(text + "+00:00")
        except ValueError:
            aware = parsed
        if aware.tzinfo is not None:
            return aware
    return parsed.replace(tzinfo=datetime.UTC)


def parse_date(value: object, location: str | int | None) -> datetime.date:
    if not isinstance(value, str):
        raise wrong_type_error(location, "an ISO 8601 date string", value)
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ShapeError(location, "not an ISO 8601 date")
    return parsed


# Which optional properties a model read as null, by class and bit mask (bit i: the class's i-th
# optional property): shared, as a listing's objects mostly carry the same nulls; bounded, as a
# server could make every object different.
_NULL_RECORDS: dict[tuple[type, int], frozenset[str]] = {}
_MAX_NULL_RECORDS = 1024


def null_names(model: type, mask: int) -> frozenset[str]:
    """The wire names of the optional properties of `model` whose bits `mask` sets."""
    record = _NULL_RECORDS.get((model, mask))
    if record is None:
        optional = [wire for _, wire, is_optional in wire_fields(model) if is_optional]
        record = frozenset(wire for bit, wire in enumerate(optional) if mask >> bit & 1)
        if len(_NULL_RECORDS) < _MAX_NULL_RECORDS:
            _NULL_RECORDS[model, mask] = record
    return record


def unknown_properties(data: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The properties of `data` the spec does not describe."""
    return {key: value for key, value in data.items() if key not in known}


def refuse_unknown_properties(data: Mapping[str, Any], known: frozenset[str]) -> None:
    """For a model whose schema allows no other property: a ShapeError naming the first one
    `data` has."""
    unknown = sorted(data.keys() - known)
    if unknown:
        raise ShapeError(None, f"unexpected property {unknown[0][:100]!r}")


# Each model class's properties: (attribute, wire name, optional), from its attrs fields (a field
# whose wire name is not its attribute says so in its metadata). Made once per class.
_WIRE_FIELDS: dict[type, tuple[tuple[str, str, bool], ...]] = {}


def wire_fields(model: type) -> tuple[tuple[str, str, bool], ...]:
    found = _WIRE_FIELDS.get(model)
    if found is None:
        import attrs

        found = tuple(
            (field.name, field.metadata.get("wire", field.name), field.default is not attrs.NOTHING)
            for field in attrs.fields(model)
            if field.name != "additional_properties"
        )
        _WIRE_FIELDS[model] = found
    return found


def wire_names(model: type) -> frozenset[str]:
    """The wire names of a model class's properties."""
    return frozenset(wire for _, wire, _ in wire_fields(model))


_NO_NULLS: frozenset[str] = frozenset()


def to_json(value: Any) -> Any:
    """Models, enums, timestamps and containers of them as JSON-ready data; TypeError for what
    JSON cannot hold."""
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def hidden_repr(value: object) -> str:
    """repr() of a secret: whether it is set, never its value."""
    return "None" if value is None else "'***'"


def hidden_values_repr(values: object) -> str:
    """repr() of a map of secrets: its keys, never the values."""
    if isinstance(values, Mapping):
        return repr(dict.fromkeys(values, "***"))
    return hidden_repr(values)


class Model:
    """The base of every generated model (each an attrs class; see the module's docstring).

    `to_dict()` writes back exactly what `from_dict()` read: a property the server left out stays
    out, one it sent as null is null. The record of which optional properties came as null is
    kept by `from_dict` only, beside the attrs fields; a model made in code (or by
    `attrs.evolve`/`copy.replace`) leaves out every optional property that is None.
    """

    __slots__ = ("_nulls",)

    # Set by from_dict, when a property came as null (see _null_names).
    _nulls: frozenset[str]
    # Each subclass declares it as an attrs field (keyword-only).
    additional_properties: dict[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, unknown properties included: a property the server left
        out stays out, one it sent as null is null (see the class's docstring)."""
        data = dict(self.additional_properties)
        nulls = self._null_names()
        for attribute, wire, optional in wire_fields(type(self)):
            value = getattr(self, attribute)
            if value is not None or not optional:
                data[wire] = to_json(value)
            elif wire in nulls:
                data[wire] = None
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        """to_dict() as a JSON document, indented by 2 as the official SDK's (None: one line)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def _record_nulls(self, mask: int) -> None:
        """Records which optional properties came as null (from_dict; see null_names)."""
        nulls = null_names(type(self), mask)
        try:
            self._nulls = nulls
        except AttributeError:  # a frozen subclass's __setattr__: set past it, as attrs' __init__
            object.__setattr__(self, "_nulls", nulls)

    def _null_names(self) -> frozenset[str]:
        try:
            return self._nulls
        except AttributeError:
            return _NO_NULLS

    @property
    def additional_keys(self) -> list[str]:
        """Names of the properties the spec does not describe."""
        return list(self.additional_properties)

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


# Values the server added since this release, by enum: one object per value, up to a bound, so a
# listing full of one new value holds one object for it.
_UNKNOWN: dict[type, dict[object, Any]] = {}
_MAX_UNKNOWN = 256
_unknown_lock = threading.Lock()


class _OpenEnum(enum.Enum):
    """Open: a value the spec does not list parses into a value of the class (equal to the raw
    value, `.is_known` False) instead of raising, since the server adds values over time."""

    # The JSON type of the values (set on the two bases below: in an enum's body it would be a
    # member).
    _json_type: ClassVar[type]

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        raw_type = cls._json_type
        if type(value) is not raw_type:
            return None
        with _unknown_lock:
            known = _UNKNOWN.setdefault(cls, {})
            unknown = known.get(value)
            if unknown is None:
                new: Any = raw_type.__new__
                unknown = new(cls, value)
                unknown._name_ = str(value).upper() if isinstance(value, str) else f"_{value}"
                unknown._value_ = value
                if len(known) < _MAX_UNKNOWN:
                    known[value] = unknown
        result: Self = unknown
        return result

    @property
    def is_known(self) -> bool:
        """Whether the spec lists this value (False for values the server added since)."""
        # By value: an unknown value's made-up name can collide with a member's.
        return type(self)._value2member_map_.get(self._value_) is self


class OpenStrEnum(_OpenEnum, enum.StrEnum):
    """A string enum of the API (see _OpenEnum)."""


class OpenIntEnum(_OpenEnum, enum.IntEnum):
    """An integer enum of the API (see _OpenEnum)."""


OpenStrEnum._json_type = str
OpenIntEnum._json_type = int


E = TypeVar("E", bound=_OpenEnum)

# Each open enum class's value-to-member map, found by class rather than as an attribute: on
# Python 3.11, EnumType defines __getattr__, which makes every attribute lookup on an enum class
# slow, and a listing reads thousands of enum values.
_MEMBER_MAPS: dict[type, dict[Any, Any]] = {}


def enum_member(cls: type[E], value: object) -> E:
    """The member of `cls` for a response value already checked to have the enum's JSON type
    (generated readers check it inline): a listed one, or one made for a value the server added
    since (see _OpenEnum)."""
    members = _MEMBER_MAPS.get(cls)
    if members is None:
        members = _MEMBER_MAPS[cls] = cls._value2member_map_
    member: E | None = members.get(value)  # type: ignore[assignment]  # the map holds cls's members
    return member if member is not None else cls(value)
