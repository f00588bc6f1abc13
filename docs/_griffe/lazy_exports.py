"""A griffe extension for the package's lazy exports (read by mkdocstrings, see mkdocs.yml).

`llama_cloud_batch`, its `types` and the generated models import their models only under
`TYPE_CHECKING` and hand them out through a module-level `__getattr__`, so importing the
package stays cheap. Griffe reads such imports as absent at run time, leaves them out of
wildcard imports and cannot resolve the names that point at them: the reference would lose
every model. In these modules a type-guarded import is exactly what `__getattr__` hands out
at run time; this extension says so to griffe, for modules with a module-level `__getattr__`.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe


class LazyExports(griffe.Extension):
    """Marks the type-guarded imports of a module with a `__getattr__` as run-time names."""

    def on_module_members(
        self, *, node: ast.AST | griffe.ObjectNode, mod: griffe.Module, agent: Any, **kwargs: Any
    ) -> None:
        if "__getattr__" not in mod.members or not mod.members["__getattr__"].is_function:
            return
        for member in mod.members.values():
            if member.is_alias and not member.runtime:
                member.runtime = True
