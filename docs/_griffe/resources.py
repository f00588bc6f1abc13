"""A griffe extension for the generated resource classes (read by mkdocstrings, see mkdocs.yml).

A resource with a `custom:` mixin in generator/resources.yaml has no docstring of its own: at
run time `help()` shows the mixin's (inspect.getdoc looks through the bases), with its examples.
Griffe, reading statically, would show none; this extension gives such a class the docstring
`inspect.getdoc` finds, so the reference shows what `help()` does.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import griffe

RESOURCES = "_llama_cloud_batch_generated.resources"


class ResourceDocstrings(griffe.Extension):
    """The docstring a generated resource class inherits from its mixin, as inspect finds it."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.path != RESOURCES.split(".", 1)[0]:
            return
        resources = pkg.get_member("resources")
        for module in resources.modules.values():
            for cls in module.classes.values():
                if cls.docstring is not None or cls.is_alias:
                    continue
                runtime = getattr(importlib.import_module(module.path), cls.name, None)
                text = inspect.getdoc(runtime) if runtime is not None else None
                if text:
                    cls.docstring = griffe.Docstring(text, parent=cls)
