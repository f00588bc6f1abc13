"""A griffe extension for the generated models and enums (read by mkdocstrings, see mkdocs.yml).

The reference shows a model as its fields, then its methods, and an enum as its values:

- each model's docstring already has an `Attributes:` table, written by the generator from the
  spec (each field with its type and description, `additional_properties` last); this extension
  adds a `Methods:` table of what every model has (`from_dict`, `to_dict`, `to_json`, with their
  first sentences), so the reference renders no member of its own for a model;
- each enum's docstring gets its values, final ones (the spec's `x-final-values`) marked, in
  place of one heading per value.

Values and docstrings are read from the package at run time (it is installed where the site is
built), so they are what users get.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
from typing import Any

import griffe

MODELS = "_llama_cloud_batch_generated.models."
MODEL_BASE = "llama_cloud_batch._models.Model"
MODEL_METHODS = ("from_dict", "to_dict", "to_json")


def _runtime(cls: griffe.Class) -> Any:
    try:
        return getattr(importlib.import_module(cls.module.path), cls.name)
    except (ImportError, AttributeError):
        return None


def _first_sentence(function: Any) -> str:
    text = " ".join((inspect.getdoc(function) or "").split("\n\n", 1)[0].split())
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _append(cls: griffe.Class, text: str) -> None:
    if cls.docstring is None:
        cls.docstring = griffe.Docstring(text, parent=cls)
    else:
        cls.docstring.value = f"{cls.docstring.value.rstrip()}\n\n{text}"


def methods_section(model: type) -> str:
    """The `Methods:` section added to a model's docstring."""
    lines = ["Methods:"]
    lines += [f"    {name}: {_first_sentence(getattr(model, name))}" for name in MODEL_METHODS]
    return "\n".join(lines)


def values_paragraph(values: type[enum.Enum]) -> str:
    """The paragraph added to an enum's docstring."""
    final: frozenset[enum.Enum] = getattr(values, "FINAL", frozenset())
    shown = [
        f"`{json.dumps(member.value)}`" + (" (final)" if member in final else "")
        for member in values
    ]
    return "**Values:** " + ", ".join(shown) + "."


class Models(griffe.Extension):
    """The Methods table of each model and the Values of each enum, in their docstrings."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.path == MODELS.split(".", 1)[0]:
            self._walk(pkg)

    def _walk(self, obj: griffe.Module | griffe.Class) -> None:
        for member in list(obj.members.values()):
            if member.is_alias:
                continue
            if isinstance(member, griffe.Module):
                self._walk(member)
            elif isinstance(member, griffe.Class):
                self._class(member)

    def _class(self, cls: griffe.Class) -> None:
        runtime = _runtime(cls)
        if not isinstance(runtime, type) or not runtime.__module__.startswith(MODELS):
            return
        if issubclass(runtime, enum.Enum):
            _append(cls, values_paragraph(runtime))
        elif any(
            f"{base.__module__}.{base.__qualname__}" == MODEL_BASE for base in runtime.__mro__
        ):
            _append(cls, methods_section(runtime))
