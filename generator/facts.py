"""What the spec means for the generated code, decided once, in plain Python.

The templates in generator/templates say how the code looks; this module says what a schema or
an operation means for it, from openapi-python-client's reading of the spec:

- the kind of each value (string, timestamp, enum, model, list, map, union...), whether null is
  allowed, and the Python type it gets;
- each property's Python name: the API's own spelling where Python allows it (`type`, `id`),
  with a trailing underscore for keywords and for the few names a model needs for itself
  (`python_name`);
- which values are secrets (kept out of repr), which property identifies an object (named in
  errors), which sibling property chooses a union's variant, which objects are plain maps (a
  `dict`, not a class), which models a request can carry (they get a TypedDict), and what is
  deprecated;
- what an enum's `x-final-values` and `x-progress-order` say (its final values, and the steps
  its values stand for), and which model each event of the spec's `webhooks` section delivers.

Templates reach it through the `facts` global that generate.py sets; anything it cannot give a
meaning raises FactsError, which generation reports as one line.
"""

from __future__ import annotations

import enum
import keyword
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from openapi_python_client.parser.properties import AnyProperty, EnumProperty, ModelProperty
from openapi_python_client.parser.properties.boolean import BooleanProperty
from openapi_python_client.parser.properties.const import ConstProperty
from openapi_python_client.parser.properties.date import DateProperty
from openapi_python_client.parser.properties.datetime import DateTimeProperty
from openapi_python_client.parser.properties.float import FloatProperty
from openapi_python_client.parser.properties.int import IntProperty
from openapi_python_client.parser.properties.list_property import ListProperty
from openapi_python_client.parser.properties.none import NoneProperty
from openapi_python_client.parser.properties.string import StringProperty
from openapi_python_client.parser.properties.union import UnionProperty
from openapi_python_client.parser.properties.uuid import UuidProperty
from openapi_python_client.schema.untrusted_string import UntrustedString


class FactsError(Exception):
    """A schema the generated code cannot give a meaning to; the message names it."""


class Kind(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "date-time"
    DATE = "date"
    ENUM = "enum"
    MODEL = "model"
    MAP = "map"
    LIST = "list"
    UNION = "union"
    CONST = "const"
    ANY = "any"


# How an error names the JSON a value should have been.
_EXPECTED = {
    Kind.STRING: "a string",
    Kind.INTEGER: "an integer",
    Kind.NUMBER: "a number",
    Kind.BOOLEAN: "a boolean",
    Kind.DATETIME: "an ISO 8601 date-time string",
    Kind.DATE: "an ISO 8601 date string",
    Kind.MODEL: "an object",
    Kind.MAP: "an object",
    Kind.LIST: "an array",
    Kind.ANY: "a value",
}
_PYTHON_TYPES = {
    Kind.STRING: "str",
    Kind.INTEGER: "int",
    Kind.NUMBER: "float",
    Kind.BOOLEAN: "bool",
    Kind.DATETIME: "datetime.datetime",
    Kind.DATE: "datetime.date",
    Kind.ANY: "Any",
}
# Kinds a query string can carry, one value a key (a list repeats its key).
QUERY_KINDS = frozenset(
    {Kind.STRING, Kind.INTEGER, Kind.NUMBER, Kind.BOOLEAN, Kind.DATETIME, Kind.DATE, Kind.ENUM}
)

# Names a property cannot keep as its attribute: a model's own members, and what its module's
# annotations name (typing.get_type_hints reads a class's attributes before the module's names).
MODEL_MEMBERS = frozenset({"additional_properties", "from_dict", "to_dict", "to_json"})
MODULE_NAMES = frozenset({"datetime", "Any", "Literal", "Mapping", "Self", "Required"})
# Names an argument cannot keep: the receiver.
ARGUMENT_NAMES = frozenset({"self", "cls"})
# Property names that hold secrets, by their ending (besides `x-sensitive: true`).
SECRET_ENDINGS = ("_key", "secret", "password")


def python_name(wire: str, taken: Iterable[str] = ()) -> str:
    """The Python name of a property or parameter: as the API spells it when that is a usable
    identifier; `_` for each character that is not; a trailing `_` for keywords and `taken`."""
    name = re.sub(r"\W", "_", wire)
    if not name or name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name) or name in taken:
        name += "_"
    return name


def text(value: Any) -> str:
    """The plain text of a spec string (openapi-python-client wraps them so that they are not
    written into code unescaped: templates escape what they write)."""
    if isinstance(value, UntrustedString):
        return value.get_untrusted_value()
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Value:
    """A JSON value as the generated code reads and writes it."""

    kind: Kind
    nullable: bool = False
    class_name: str = ""  # ENUM, MODEL
    module: str = ""  # ENUM, MODEL: the module under models/
    item: Value | None = None  # LIST items, MAP values
    variants: tuple[Value, ...] = ()  # UNION (without null)
    const: str | int | float | bool | None = None  # CONST
    integer_enum: bool = False
    values: tuple[str | int, ...] = ()  # ENUM: the values the spec lists

    @property
    def annotation(self) -> str:
        """The Python type of the value as a model holds it."""
        return self.annotation_in("")

    @property
    def request_annotation(self) -> str:
        """The Python type a request accepts for the value: models also as plain dicts (their
        TypedDict), enums also as their values, timestamps also as ISO 8601 strings."""
        return self.request_annotation_in("")

    def annotation_in(self, prefix: str) -> str:
        """`annotation`, naming models and enums through `prefix` (a module, as "types.")."""
        if self.kind in _PYTHON_TYPES:
            base = _PYTHON_TYPES[self.kind]
        elif self.kind in (Kind.ENUM, Kind.MODEL):
            base = prefix + self.class_name
        elif self.kind is Kind.LIST:
            assert self.item is not None
            base = f"list[{self.item.annotation_in(prefix)}]"
        elif self.kind is Kind.MAP:
            assert self.item is not None
            base = f"dict[str, {self.item.annotation_in(prefix)}]"
        elif self.kind is Kind.CONST:
            base = f"Literal[{self.const!r}]"
        else:
            base = " | ".join(variant.annotation_in(prefix) for variant in self.variants)
        if self.nullable and self.kind is not Kind.ANY:
            return f"{base} | None"
        return base

    def request_annotation_in(self, prefix: str) -> str:
        """`request_annotation`, naming models and enums through `prefix`."""
        name = prefix + self.class_name
        if self.kind is Kind.MODEL:
            base = f"{name} | {name}.Dict"
        elif self.kind is Kind.ENUM:
            listed = ", ".join(repr(value) for value in sorted(self.values, key=str))
            base = f"{name} | Literal[{listed}]" if listed else name
        elif self.kind is Kind.DATETIME:
            base = "datetime.datetime | str"
        elif self.kind is Kind.LIST:
            assert self.item is not None
            base = f"list[{self.item.request_annotation_in(prefix)}]"
        elif self.kind is Kind.MAP:
            assert self.item is not None
            base = f"Mapping[str, {self.item.request_annotation_in(prefix)}]"
        elif self.kind is Kind.UNION:
            base = " | ".join(variant.request_annotation_in(prefix) for variant in self.variants)
        else:
            return self.annotation_in(prefix)
        return f"{base} | None" if self.nullable else base

    @property
    def expected(self) -> str:
        """What an error says the JSON should have been."""
        if self.kind is Kind.ENUM:
            expected = "an integer" if self.integer_enum else "a string"
        elif self.kind is Kind.CONST:
            expected = repr(self.const)
        elif self.kind is Kind.UNION:
            # Objects by their class: "an object or an object" would say nothing.
            expected = " or ".join(
                dict.fromkeys(
                    variant.class_name if variant.kind is Kind.MODEL else variant.expected
                    for variant in self.variants
                )
            )
        else:
            expected = _EXPECTED[self.kind]
        return f"{expected} or null" if self.nullable and self.kind is not Kind.ANY else expected

    @property
    def models(self) -> Iterator[str]:
        """The model classes inside this value (itself included)."""
        if self.kind is Kind.MODEL:
            yield self.class_name
        for inner in (self.item, *self.variants):
            if inner is not None:
                yield from inner.models

    @property
    def unions_inside(self) -> Iterator[Value]:
        """The unions inside this value, itself included."""
        if self.kind is Kind.UNION:
            yield self
        for inner in (self.item, *self.variants):
            if inner is not None:
                yield from inner.unions_inside

    @property
    def classes(self) -> Iterator[Value]:
        """The enum and model values inside this value (itself included)."""
        if self.kind in (Kind.ENUM, Kind.MODEL):
            yield self
        for inner in (self.item, *self.variants):
            if inner is not None:
                yield from inner.classes


@dataclass(frozen=True)
class Field:
    """One property of a model, or one keyword argument of an operation."""

    wire_name: str
    python_name: str
    required: bool
    value: Value
    description: str = ""
    sensitive: bool = False
    deprecated: bool = False

    @property
    def annotation(self) -> str:
        """The attribute's type: an optional property reads None when the server left it out."""
        annotation = self.value.annotation
        if not self.required and not annotation.endswith(" | None"):
            return f"{annotation} | None"
        return annotation

    @property
    def may_be_null(self) -> bool:
        """Whether null is a valid value on the wire (an untyped value allows anything)."""
        return self.value.nullable or self.value.kind is Kind.ANY

    @property
    def unions(self) -> list[Value]:
        """The union inside this field's value, if any (one reader function per field)."""
        return unions_in(self.value, self.wire_name)


def unions_in(value: Value, where: str) -> list[Value]:
    """The one union a value may hold (at any depth); FactsError for more than one, or for a
    union with a union inside a variant."""
    found: list[Value] = []
    pending = [value]
    while pending:
        current = pending.pop()
        if current.kind is Kind.UNION:
            found.append(current)
            if any(next(variant.unions_inside, None) for variant in current.variants):
                raise FactsError(f"{where}: a union inside a union's variant is not supported")
        elif current.item is not None:
            pending.append(current.item)
    if len({union.annotation for union in found}) > 1:
        raise FactsError(f"{where}: two different unions in one property are not supported")
    return found[:1]


@dataclass(frozen=True)
class Discriminator:
    """A union property whose variant a sibling property's value chooses."""

    by: str  # the sibling's wire name
    variants: tuple[tuple[str, str], ...]  # (the sibling's value, the variant's class name)


@dataclass(frozen=True)
class Model:
    """What a generated model class holds and how it reads and writes itself."""

    class_name: str
    module: str
    description: str
    fields: tuple[Field, ...]  # the constructor's order: required first
    # The type of properties the spec does not describe; None when it forbids any.
    additional: Value | None
    additional_sensitive: bool
    id_key: str | None  # the wire name of the property named in errors about this object
    discriminators: Mapping[str, Discriminator]  # by the union property's wire name
    request_side: bool  # a request can carry it: it gets a TypedDict
    fields_in_spec_order: tuple[Field, ...]  # as openapi-python-client lists them

    @property
    def optional(self) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if not field.required)

    @property
    def additional_unions(self) -> list[Value]:
        if self.additional is None:
            return []
        return unions_in(self.additional, f"schema {self.class_name}, additionalProperties")

    @property
    def imports(self) -> list[Value]:
        """The enums and models its fields name, once each, itself left out."""
        found: dict[str, Value] = {}
        values = [field.value for field in self.fields]
        if self.additional is not None:
            values.append(self.additional)
        for value in values:
            for inner in value.classes:
                if inner.class_name != self.class_name:
                    found.setdefault(inner.class_name, inner)
        return sorted(found.values(), key=lambda value: value.class_name)


@dataclass(frozen=True)
class Enum:
    """A generated enum: its members, the values after which nothing changes, and the order of
    the steps its values stand for."""

    class_name: str
    description: str
    members: tuple[tuple[str, str | int], ...]  # (name, value), in the spec's order
    final: tuple[str, ...]  # the names of the members the spec's x-final-values lists
    # The member names of each step of x-progress-order, earliest first; empty without one.
    steps: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Webhook:
    """One event of the spec's `webhooks` section: its name and the model of a delivery's body."""

    event_type: str
    model: Value  # a MODEL value


@dataclass(frozen=True)
class Operation:
    """One operation: its keyword arguments (query, header and JSON body properties, flattened),
    its path values, and what its success answer holds."""

    name: str  # snake_case (openapi-python-client's), the name errors and logs give it
    operation_id: str
    verb: str
    path: str
    summary: str
    description: str
    path_params: tuple[Field, ...]
    query: tuple[Field, ...]
    headers: tuple[Field, ...]
    body: tuple[Field, ...]
    has_body: bool  # whether the request carries a JSON body
    success: Value | None  # None: the success answer has no body
    success_status: str
    deprecated: bool
    replaced_by: str | None  # the operationId of its successor (x-replaced-by)

    @property
    def keywords(self) -> tuple[Field, ...]:
        return self.query + self.headers + self.body

    @property
    def idempotent(self) -> bool:
        return self.verb in IDEMPOTENT_METHODS

    @property
    def deprecated_keywords(self) -> tuple[Field, ...]:
        return tuple(field for field in self.keywords if field.deprecated)


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
HTTP_VERBS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SCHEMA_REF = "#/components/schemas/"
# How openapi-python-client marks a response read as JSON, and one without a body.
JSON_BODY = "response.json()"
NO_BODY = "None"


@dataclass
class Facts:
    """The meaning of every schema of one spec; templates call its methods by name."""

    spec: Mapping[str, Any]
    # Class names of the models a request can carry (see mark_request_models).
    request_models: set[str] = field(default_factory=set)
    # Component schema name -> the class name openapi-python-client gives it.
    class_names: dict[str, str] = field(default_factory=dict)
    _models: dict[str, ModelProperty] = field(default_factory=dict)
    _facts: dict[str, Model] = field(default_factory=dict)

    def register(self, models: Iterable[ModelProperty], class_name: Callable[[str], str]) -> None:
        """Makes every model known by class name (a field names models by class name only), and
        each component schema's class name (`class_name` gives it for a title or a name)."""
        for model in models:
            self._models[model.class_info.name] = model
        schemas = (self.spec.get("components") or {}).get("schemas") or {}
        for name, schema in schemas.items():
            title = schema.get("title") if isinstance(schema, dict) else None
            self.class_names[name] = class_name(str(title or name))

    def model_named(self, class_name: str) -> Model:
        return self.model(self._models[class_name])

    def is_map(self, class_name: str) -> bool:
        """Whether the object is a plain map: no properties of its own, only values under any
        name. It is a `dict` wherever it is used, not a class of its own."""
        model = self._models.get(class_name)
        return model is not None and is_map_model(model)

    def value(self, prop: Any, where: str) -> Value:
        return self._value(prop, where)

    def _value(self, prop: Any, where: str) -> Value:
        if isinstance(prop, UnionProperty):
            real = [inner for inner in prop.inner_properties if not isinstance(inner, NoneProperty)]
            nullable = len(real) < len(prop.inner_properties)
            values = [self._value(inner, where) for inner in real]
            if len(values) == 1:
                return replace(values[0], nullable=values[0].nullable or nullable)
            flat: list[Value] = []
            for value in values:
                nullable = nullable or value.nullable
                flat.extend(value.variants if value.kind is Kind.UNION else [value])
            return Value(
                Kind.UNION, nullable, variants=tuple(replace(v, nullable=False) for v in flat)
            )
        if isinstance(prop, (StringProperty, UuidProperty)):
            return Value(Kind.STRING)
        if isinstance(prop, BooleanProperty):
            return Value(Kind.BOOLEAN)
        if isinstance(prop, IntProperty):
            return Value(Kind.INTEGER)
        if isinstance(prop, FloatProperty):
            return Value(Kind.NUMBER)
        if isinstance(prop, DateTimeProperty):
            return Value(Kind.DATETIME)
        if isinstance(prop, DateProperty):
            return Value(Kind.DATE)
        if isinstance(prop, EnumProperty):
            return Value(
                Kind.ENUM,
                class_name=prop.class_info.name,
                module=prop.class_info.module_name,
                integer_enum=prop.value_type is int,
                values=tuple(prop.values.values()),
            )
        if isinstance(prop, ModelProperty):
            if is_map_model(prop):
                extra = prop.additional_properties
                item = Value(Kind.ANY) if _untyped(extra) else self._value(extra, where)
                return Value(Kind.MAP, item=item)
            return Value(
                Kind.MODEL, class_name=prop.class_info.name, module=prop.class_info.module_name
            )
        if isinstance(prop, ListProperty):
            return Value(Kind.LIST, item=self._value(prop.inner_property, where))
        if isinstance(prop, AnyProperty):
            return Value(Kind.ANY, nullable=True)
        if isinstance(prop, ConstProperty):
            return Value(Kind.CONST, const=prop.value.raw_value)
        if isinstance(prop, NoneProperty):
            return Value(Kind.CONST, const=None)
        raise FactsError(f"{where}: a {type(prop).__name__} is not supported by the templates")

    def model(self, model: ModelProperty) -> Model:
        name = model.class_info.name
        if name not in self._facts:
            self._facts[name] = self._model(model)
        return self._facts[name]

    def _model(self, model: ModelProperty) -> Model:
        name = model.class_info.name
        schema_properties = {
            text(key): value for key, value in (model.data.properties or {}).items()
        }
        properties = list(model.required_properties or []) + list(model.optional_properties or [])
        taken = MODEL_MEMBERS | MODULE_NAMES
        fields = []
        for prop in properties:
            wire = text(prop.name)
            declared = schema_properties.get(wire)
            fields.append(
                Field(
                    wire_name=wire,
                    python_name=python_name(wire, taken),
                    required=bool(prop.required),
                    value=self._value(prop, f"schema {name}, property {wire}"),
                    description=text(prop.description),
                    sensitive=is_secret(wire, declared),
                    deprecated=bool(getattr(declared, "deprecated", False)),
                )
            )
        _refuse_clashes(f"schema {name}", fields)
        if name in self.request_models:
            for f in fields:
                if not f.wire_name.isidentifier() or keyword.iskeyword(f.wire_name):
                    raise FactsError(
                        f"schema {name}: property {f.wire_name!r} cannot be a key of its TypedDict"
                    )
        in_spec_order = tuple(fields)
        fields.sort(key=lambda field: not field.required)
        # None: the schema says `additionalProperties: false`.
        extra = model.additional_properties
        additional = None
        if extra is not None:
            additional = (
                Value(Kind.ANY) if _untyped(extra) else self._value(extra, f"schema {name}")
            )
        return Model(
            class_name=name,
            module=model.class_info.module_name,
            description=text(model.data.description or model.data.title),
            fields=tuple(fields),
            additional=additional,
            additional_sensitive=_extension(model.data, "x-sensitive") is True,
            id_key=id_key(model.data, fields),
            discriminators=discriminators(model.data, fields, name),
            request_side=name in self.request_models,
            fields_in_spec_order=in_spec_order,
        )

    def enum(self, prop: EnumProperty) -> Enum:
        name = prop.class_info.name
        members = tuple((str(member), value) for member, value in prop.values.items())
        # openapi-python-client keeps no schema for an enum: its extensions are read from the
        # component of the same name.
        schema = ((self.spec.get("components") or {}).get("schemas") or {}).get(name) or {}
        final_values = schema.get("x-final-values") or []
        by_value = {value: member for member, value in members}
        unknown = [value for value in final_values if value not in by_value]
        if unknown:
            raise FactsError(f"schema {name}: x-final-values lists {unknown[0]!r}, not a value")
        return Enum(
            class_name=name,
            description=text(prop.description),
            members=members,
            final=tuple(by_value[value] for value in final_values),
            steps=progress_steps(name, schema.get("x-progress-order"), by_value, final_values),
        )

    def webhooks(self) -> list[Webhook]:
        """The events of the spec's `webhooks` section, by name: each entry is named as its event
        (`batch.success`) and is a POST whose JSON body is a `$ref` to a component schema with a
        required `event_type`; when that property is an enum, the name must be one of its
        values. FactsError names the first entry that is not so."""
        found = []
        for event_type, item in sorted((self.spec.get("webhooks") or {}).items()):
            where = f"webhook {event_type}"
            verbs = sorted(set(item or {}) & set(HTTP_VERBS)) if isinstance(item, dict) else []
            if verbs != ["post"]:
                raise FactsError(f"{where}: needs one operation, `post` (a delivery is a POST)")
            body = self._resolved(item["post"].get("requestBody") or {})
            schema = ((body.get("content") or {}).get("application/json") or {}).get("schema")
            reference = schema.get("$ref") if isinstance(schema, dict) else None
            if not isinstance(reference, str) or not reference.startswith(SCHEMA_REF):
                raise FactsError(
                    f"{where}: its application/json body must be a $ref to a component schema "
                    "(its model is named after it)"
                )
            model = self._component_model(reference.removeprefix(SCHEMA_REF), where)
            event = next((f for f in model.fields if f.wire_name == "event_type"), None)
            if event is None or not event.required:
                raise FactsError(
                    f"{where}: schema {model.class_name} needs a required property event_type"
                )
            if event.value.kind is Kind.ENUM and event_type not in event.value.values:
                raise FactsError(
                    f"{where}: not a value of {event.value.class_name}, the type of "
                    f"{model.class_name}.event_type (add it there too)"
                )
            if event.value.kind not in (Kind.ENUM, Kind.STRING):
                raise FactsError(f"{where}: {model.class_name}.event_type must be a string")
            found.append(
                Webhook(
                    event_type, Value(Kind.MODEL, class_name=model.class_name, module=model.module)
                )
            )
        return found

    def _resolved(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """A `$ref` to a component (a request body, say) followed, else the node itself."""
        reference = node.get("$ref")
        if not isinstance(reference, str) or not reference.startswith("#/components/"):
            return node
        section, _, name = reference.removeprefix("#/components/").partition("/")
        return ((self.spec.get("components") or {}).get(section) or {}).get(name) or {}

    def _component_model(self, component: str, where: str) -> Model:
        """The model of a component schema (named by its title, else its name, as
        openapi-python-client names it)."""
        schema = ((self.spec.get("components") or {}).get("schemas") or {}).get(component)
        class_name = self.class_names.get(component)
        if schema is None or class_name is None or class_name not in self._models:
            raise FactsError(f"{where}: {component} is not an object schema of the components")
        if self.is_map(class_name):
            raise FactsError(f"{where}: {component} has no properties (a plain map)")
        return self.model_named(class_name)

    def parameter(self, prop: Any, where: str, *, in_query: bool = False) -> Field:
        """A keyword argument of an operation (a query, header or body property)."""
        wire = text(prop.name)
        value = self._value(prop, f"{where}, parameter {wire}")
        if in_query:
            check_query(value, f"{where}: query parameter {wire}")
        return Field(
            wire_name=wire,
            python_name=python_name(wire, ARGUMENT_NAMES),
            required=bool(prop.required),
            value=value,
            description=text(prop.description),
            sensitive=is_secret(wire, None),
        )

    def operation(self, endpoint: Any) -> Operation:
        """The facts of an operation (openapi-python-client's Endpoint); FactsError for one the
        client cannot call: no 2xx answer, a success that is not JSON, a query parameter no query
        string can carry, two parameters with one Python name."""
        verb = str(endpoint.method).upper()
        path = text(endpoint.path)
        where = f"operation {endpoint.name} ({verb} {path})"
        declared = self._declared_parameters(path, verb.lower())
        operation = declared.pop("")

        def parameters(props: Iterable[Any], *, in_query: bool = False) -> tuple[Field, ...]:
            found = []
            for prop in props:
                field = self.parameter(prop, where, in_query=in_query)
                schema = declared.get(field.wire_name, {})
                found.append(
                    replace(
                        field,
                        description=str(schema.get("description") or field.description),
                        deprecated=bool(schema.get("deprecated")),
                    )
                )
            return tuple(found)

        body: tuple[Field, ...] = ()
        if endpoint.bodies:
            model = endpoint.bodies[0].prop
            if not isinstance(model, ModelProperty) or is_map_model(model):
                raise FactsError(f"{where}: the request body is not a JSON object of properties")
            body = tuple(
                replace(
                    self.parameter(prop, where),
                    deprecated=field.deprecated,
                    sensitive=field.sensitive,
                )
                for prop, field in zip(
                    list(model.required_properties or []) + list(model.optional_properties or []),
                    self.model(model).fields_in_spec_order,
                    strict=True,
                )
            )
        successes = [
            pattern
            for pattern in endpoint.responses.patterns
            if pattern.status_code.range is not None
            and pattern.status_code.range[0] >= 200
            and pattern.status_code.range[1] <= 299
        ]
        if not successes:
            raise FactsError(f"{where} declares no 2xx response")
        success = successes[0]
        source = success.source["attribute"]
        status = str(success.status_code.pattern)
        if source not in (JSON_BODY, NO_BODY):
            raise FactsError(
                f"{where}: its {status} response is not JSON (the client reads JSON or no body)"
            )
        replaced_by = operation.get("x-replaced-by")
        result = Operation(
            name=str(endpoint.name),
            operation_id=str(operation.get("operationId") or endpoint.name),
            verb=verb,
            path=path,
            summary=text(endpoint.summary),
            description=text(endpoint.description),
            path_params=parameters(endpoint.path_parameters),
            query=parameters(endpoint.query_parameters, in_query=True),
            headers=parameters(endpoint.header_parameters),
            body=body,
            has_body=bool(endpoint.bodies),
            success=self._value(success.prop, where) if source == JSON_BODY else None,
            success_status=status,
            deprecated=bool(operation.get("deprecated")),
            replaced_by=str(replaced_by) if replaced_by else None,
        )
        names = [f.python_name for f in result.path_params + result.keywords]
        clashes = sorted({name for name in names if names.count(name) > 1})
        if clashes:
            raise FactsError(f"{where}: two parameters are both called {clashes[0]} in Python")
        return result

    def _declared_parameters(self, path: str, verb: str) -> dict[str, dict[str, Any]]:
        """The operation's parameters as the spec declares them, by name (openapi-python-client
        keeps neither their descriptions nor `deprecated`), and the operation itself under ""."""
        item = (self.spec.get("paths") or {}).get(path) or {}
        operation = item.get(verb) or {}
        found: dict[str, dict[str, Any]] = {"": operation}
        for given in [*(item.get("parameters") or []), *(operation.get("parameters") or [])]:
            parameter = given
            if "$ref" in given:  # '#/components/parameters/Name'
                parameter = self.spec["components"]["parameters"][given["$ref"].rsplit("/", 1)[1]]
            found[str(parameter["name"])] = parameter
        return found

    def mark_request_models(self, values: Iterable[Value]) -> None:
        """Records the models inside request values, and the models inside those."""
        pending = [name for value in values for name in value.models]
        while pending:
            name = pending.pop()
            if name in self.request_models or name not in self._models:
                continue
            self.request_models.add(name)
            model = self._models[name]
            for prop in list(model.required_properties or []) + list(
                model.optional_properties or []
            ):
                pending.extend(self._value(prop, f"schema {name}").models)


def progress_steps(
    name: str, order: Any, by_value: Mapping[str | int, str], final_values: list[Any]
) -> tuple[tuple[str, ...], ...]:
    """The member names of each step of an enum's `x-progress-order` (a list of steps, earliest
    first, each a list of values that stand for the same step). Every value of the enum is in
    exactly one step, and the last step is the x-final-values when the enum has them: a status
    added to the enum must be given its place."""
    if order is None:
        return ()
    where = f"schema {name}: x-progress-order"
    if not isinstance(order, list) or not all(
        isinstance(step, list) and step and all(isinstance(v, str | int) for v in step)
        for step in order
    ):
        raise FactsError(f"{where} must be a list of steps, each a non-empty list of values")
    listed = [value for step in order for value in step]
    for value in listed:
        if value not in by_value:
            raise FactsError(f"{where} lists {value!r}, not a value")
        if listed.count(value) > 1:
            raise FactsError(f"{where} lists {value!r} twice")
    missing = [value for value in by_value if value not in listed]
    if missing:
        raise FactsError(f"{where} gives {missing[0]!r} no step")
    if final_values and sorted(map(str, order[-1])) != sorted(map(str, final_values)):
        raise FactsError(f"{where}: its last step must be the x-final-values")
    return tuple(tuple(by_value[value] for value in step) for step in order)


def check_query(value: Value, where: str) -> None:
    """Refuses, at generation, a query parameter the client could not send: a query string holds
    scalars, timestamps and enum values, or a list of one of those (the key repeated)."""
    inner = value.item if value.kind is Kind.LIST else value
    if inner is None or inner.kind not in QUERY_KINDS:
        raise FactsError(
            f"{where}: a query string cannot carry {value.expected} (only scalars, date-times, "
            "enum values, or a list of one of those)"
        )


def is_map_model(model: ModelProperty) -> bool:
    return not (model.required_properties or model.optional_properties) and (
        model.additional_properties is not None
    )


def _untyped(prop: Any) -> bool:
    return prop is True or isinstance(prop, AnyProperty)


def _extension(schema: Any, name: str) -> Any:
    return (getattr(schema, "model_extra", None) or {}).get(name)


def is_secret(wire: str, schema: Any) -> bool:
    """A value kept out of repr(): marked `x-sensitive: true` or `format: password`, or named like
    an API key, a secret or a password."""
    if schema is not None and (
        _extension(schema, "x-sensitive") is True
        or getattr(schema, "schema_format", None) == "password"
    ):
        return True
    return wire.endswith(SECRET_ENDINGS)


def id_key(schema: Any, fields: list[Field]) -> str | None:
    """The property that identifies an object, named in errors about what is inside it: the
    schema's `x-id-property`, else a required string `id`, else the one required string property
    named `*_id` (none when there are several)."""
    named = _extension(schema, "x-id-property")
    if isinstance(named, str):
        return named
    strings = [f.wire_name for f in fields if f.required and f.value.kind is Kind.STRING]
    if "id" in strings:
        return "id"
    ids = [name for name in strings if name.endswith("_id")]
    return ids[0] if len(ids) == 1 else None


def discriminators(schema: Any, fields: list[Field], model: str) -> dict[str, Discriminator]:
    """Union properties whose variant follows a sibling, as plain JSON Schema says it: `allOf`
    clauses `if: {properties: {<by>: {const: <value>}}} then: {properties: {<union>: {$ref}}}`."""
    found: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for clause in getattr(schema, "allOf", None) or []:
        extra = getattr(clause, "model_extra", None) or {}
        if "if" not in extra:
            continue
        try:
            ((by, when),) = extra["if"]["properties"].items()
            ((union, then),) = extra["then"]["properties"].items()
            variant = then["$ref"].rsplit("/", 1)[1]
            value = when["const"]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise FactsError(
                f"schema {model}: an allOf if/then clause is not `if <property> is <const> then "
                "<property> is <$ref>`"
            ) from None
        entry = found.setdefault(union, (by, []))
        if entry[0] != by:
            raise FactsError(f"schema {model}: {union}'s variant follows two properties")
        entry[1].append((str(value), variant))
    wires = {f.wire_name for f in fields}
    for union, (by, _) in found.items():
        if union not in wires or by not in wires:
            raise FactsError(f"schema {model}: an if/then clause names a property it does not have")
    return {
        union: Discriminator(by, tuple(sorted(variants))) for union, (by, variants) in found.items()
    }


def _refuse_clashes(where: str, fields: list[Field]) -> None:
    names = [field.python_name for field in fields]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise FactsError(f"{where}: two properties are both called {clashes[0]} in Python")
