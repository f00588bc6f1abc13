"""The API reference of the built site holds every public name, read from the package now."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import llama_cloud_batch
import llama_cloud_batch.resources
import llama_cloud_batch.testing
import llama_cloud_batch.types
import pytest
from site_build import anchors, anchors_of, text_of

# The site does not depend on the interpreter: built and checked on the first Python only.

EXPORTING_MODULES = [llama_cloud_batch, llama_cloud_batch.types, llama_cloud_batch.testing]


def exported(module: ModuleType) -> list[str]:
    return [f"{module.__name__}.{name}" for name in module.__all__]


def resource_methods() -> list[str]:
    """`module.Class.method` for every public method of every public resource class."""
    paths = []
    package = llama_cloud_batch.resources
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for class_name, cls in vars(module).items():
            if class_name.startswith("_") or not inspect.isclass(cls):
                continue
            if cls.__module__ != module.__name__:
                continue  # imported here, documented where it is defined
            paths.extend(
                f"{module.__name__}.{class_name}.{name}"
                for name, member in vars(cls).items()
                if not name.startswith("_")
                and (inspect.isfunction(member) or isinstance(member, property))
            )
    return paths


@pytest.fixture(scope="module")
def reference_anchors(site: Path) -> set[str]:
    return anchors(site / "reference")


@pytest.mark.parametrize("module", EXPORTING_MODULES, ids=lambda module: module.__name__)
def test_every_exported_name_is_in_the_reference(
    module: ModuleType, reference_anchors: set[str]
) -> None:
    names = exported(module)
    assert names, f"{module.__name__}.__all__ is empty"
    missing = [name for name in names if name not in reference_anchors]
    assert missing == [], f"public names missing from the built API reference: {missing}"


def test_every_resource_method_is_in_the_reference(reference_anchors: set[str]) -> None:
    methods = resource_methods()
    assert any(path.endswith(".wait_for_completion") for path in methods)
    missing = [path for path in methods if path not in reference_anchors]
    assert missing == [], f"resource methods missing from the built API reference: {missing}"


def test_the_reference_shows_docstrings(site: Path) -> None:
    """The page that anchors LlamaCloud shows the first line of its docstring."""
    docstring = inspect.getdoc(llama_cloud_batch.LlamaCloud)
    assert docstring, "LlamaCloud has no docstring"
    first_line = " ".join(docstring.splitlines()[0].split())
    pages = list((site / "reference").rglob("*.html"))
    holding = [page for page in pages if "llama_cloud_batch.LlamaCloud" in anchors_of(page)]
    assert holding, "no reference page anchors llama_cloud_batch.LlamaCloud"
    assert any(first_line in text_of(page) for page in holding), first_line
