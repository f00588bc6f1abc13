"""The API reference of the built site: every public name, read from the package now; the
resources' pages follow the map; models show fields, then methods, one group per page."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import re
import sys
from functools import cached_property
from pathlib import Path
from types import ModuleType

import attrs
import llama_cloud_batch
import llama_cloud_batch.testing
import llama_cloud_batch.types
import llama_cloud_batch.webhooks
import pytest
import yaml
from site_build import ROOT, anchors, anchors_of, text_of

# The site does not depend on the interpreter: built and checked on the first Python only.

EXPORTING_MODULES = [
    llama_cloud_batch,
    llama_cloud_batch.types,
    llama_cloud_batch.testing,
    llama_cloud_batch.webhooks,
]
GENERATED_RESOURCES = "_llama_cloud_batch_generated.resources."
DUNDERS = ("__slots__", "__attrs_attrs__", "__match_args__", "__weakref__", "__init__")


def load_generator() -> ModuleType:
    """docs/_griffe/gen_reference.py, which mkdocs-gen-files runs on every build."""
    path = ROOT / "docs" / "_griffe" / "gen_reference.py"
    spec = importlib.util.spec_from_file_location("gen_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gen_reference = load_generator()
RESOURCES = gen_reference.read_map(gen_reference.MAP.read_text(encoding="utf-8"))
SPEC = gen_reference.shipped_spec()


def exported(module: ModuleType) -> list[str]:
    return [f"{module.__name__}.{name}" for name in module.__all__]


def shown_members(cls: type) -> list[str]:
    """The public methods and properties of a resource class as users reach them: its own (the
    spec's operations, sub-resources, the raw views) and its `custom:` mixin's."""
    names: list[str] = []
    for owner in cls.__mro__:
        if not owner.__module__.startswith((GENERATED_RESOURCES, "llama_cloud_batch.resources.")):
            continue
        if owner.__module__.endswith("._base"):
            continue  # sending, paging: not the resource's surface
        names += [
            name
            for name, member in vars(owner).items()
            if not name.startswith("_")
            and name not in names
            and (inspect.isfunction(member) or isinstance(member, property | cached_property))
        ]
    return names


def resource_methods() -> list[str]:
    """`module.Class.member` for every member of every resource class of the map, sync and
    async, the `custom:` mixins' methods included, where the reference documents them."""
    paths = []
    for top in RESOURCES:
        for resource in top.walk():
            module = importlib.import_module(resource.module)
            sync, async_ = gen_reference.resource_classes(resource)
            for class_name in (sync, async_):
                cls = getattr(module, class_name)
                paths.append(f"{module.__name__}.{class_name}")
                paths += [f"{module.__name__}.{class_name}.{name}" for name in shown_members(cls)]
                # The map's methods are all there.
                for method, _, _ in resource.methods:
                    assert method in shown_members(cls), (class_name, method)
    return paths


def helper_results() -> list[str]:
    """The `custom:` modules' other public classes (what the wait helpers return), with their
    public methods, properties and fields, their own and those they inherit from this package."""
    paths = []
    for top in RESOURCES:
        for resource in top.walk():
            if resource.custom is None:
                continue
            module = importlib.import_module(f"llama_cloud_batch.resources.{resource.custom}")
            for name in getattr(module, "__all__", []):
                cls = getattr(module, name)
                if name.endswith("Mixin") or not inspect.isclass(cls):
                    continue
                paths.append(f"{module.__name__}.{name}")
                members = {field.name for field in dataclasses.fields(cls)}
                for owner in cls.__mro__:
                    if owner.__module__.startswith("llama_cloud_batch"):
                        members |= {
                            member
                            for member, value in vars(owner).items()
                            if not member.startswith("_")
                            and (inspect.isfunction(value) or isinstance(value, property))
                        }
                paths += [f"{module.__name__}.{name}.{member}" for member in sorted(members)]
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
    assert any(path.endswith("Batches.wait_for_completion") for path in methods)
    assert any(path.endswith("AsyncBatches.list") for path in methods)
    missing = [path for path in methods if path not in reference_anchors]
    assert missing == [], f"resource methods missing from the built API reference: {missing}"


def test_what_the_helpers_return_is_in_the_reference(reference_anchors: set[str]) -> None:
    paths = helper_results()
    assert any(path.endswith("BatchWaitResult.succeeded") for path in paths)
    missing = [path for path in paths if path not in reference_anchors]
    assert missing == [], f"missing from the built API reference: {missing}"


def test_each_top_level_resource_has_its_page(site: Path) -> None:
    for top in RESOURCES:
        page = site / "reference" / "resources" / top.name / "index.html"
        assert page.is_file(), f"no reference page for client.{top.name}"
        sync, _ = gen_reference.resource_classes(top)
        assert f"{top.module}.{sync}" in anchors_of(page)
        assert f"client.{top.name}" in text_of(page)


def test_current_resources_come_first_and_deprecated_ones_are_marked(site: Path) -> None:
    """The nav lists client.batches before the deprecated client.beta, marked as such."""
    html = (site / "reference" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="resources/([a-z_]+)/"', html)
    order = list(dict.fromkeys(links))
    assert order.index("batches") < order.index("beta"), order
    beta = text_of(site / "reference" / "resources" / "beta" / "index.html")
    assert "client.beta (deprecated)" in beta
    assert "Deprecated" in beta
    assert (
        "deprecated"
        not in text_of(site / "reference" / "resources" / "batches" / "index.html")[:200]
    )


def model_sections(page: Path) -> dict[str, str]:
    """The visible text of each model documented on a page, by name."""
    html = page.read_text(encoding="utf-8")
    schemas = SPEC["components"]["schemas"]
    starts = [
        (match.start(), match[1])
        for match in re.finditer(r'id="llama_cloud_batch\.types\.(\w+)"', html)
        if match[1] in schemas  # not the official SDK's names, anchored beside their model
    ]
    sections = {}
    for index, (start, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(html)
        chunk = page.with_name(f"_{name}.html")
        chunk.write_text(html[start:end], encoding="utf-8")
        try:
            sections[name] = text_of(chunk)
        finally:
            chunk.unlink()
    return sections


@pytest.fixture(scope="module")
def models_pages(site: Path) -> dict[str, dict[str, str]]:
    """Each models page's sections, by page."""
    folder = site / "reference" / "models"
    return {page.parent.name: model_sections(page) for page in sorted(folder.glob("*/index.html"))}


def test_every_model_is_on_exactly_one_models_page(
    models_pages: dict[str, dict[str, str]],
) -> None:
    schemas = list(SPEC["components"]["schemas"])
    pages_of = {
        name: [page for page, sections in models_pages.items() if name in sections]
        for name in schemas
    }
    wrong = {name: pages for name, pages in pages_of.items() if len(pages) != 1}
    assert wrong == {}, f"models on no page, or on several: {wrong}"
    biggest = max(len(sections) for sections in models_pages.values())
    assert biggest <= len(schemas) / 2, "one page holds most models: the groups are gone"


def test_models_show_fields_then_methods_and_no_dunders(
    models_pages: dict[str, dict[str, str]],
) -> None:
    for page, sections in models_pages.items():
        first = getattr(llama_cloud_batch.types, next(iter(sections)))
        assert not issubclass(first, BaseException), f"models/{page} starts with an exception"
        for name, text in sections.items():
            model = getattr(llama_cloud_batch.types, name)
            shown = [dunder for dunder in DUNDERS if dunder in text]
            assert shown == [], f"{name} shows {shown}"
            if not attrs.has(model):
                assert "Values:" in text, f"enum {name} does not list its values"
                continue
            fields = [field.name for field in attrs.fields(model)]
            assert fields[-1] == "additional_properties"
            table = text.index("Attributes:")
            methods = text.index("Methods:")
            place = table
            for field in fields:  # each after the one before, all before the methods
                found = re.compile(rf"\b{field}\b").search(text, place)
                assert found is not None, f"{name}: {field} missing or out of order"
                place = found.end()
            assert place < methods, f"{name}: methods before fields"
            for method in ("from_dict", "to_dict", "to_json"):
                assert method in text[methods:], f"{name} does not list {method}"


def test_a_new_top_level_resource_gets_pages_without_editing_one() -> None:
    """The pages come from the map: a resource moved to the top level (job_items, whose
    generated module exists) gets its page, its nav entry and its models page."""
    data = yaml.safe_load(gen_reference.MAP.read_text(encoding="utf-8"))
    batch = data["resources"]["beta"]["subresources"]["batch"]
    data["resources"]["job_items"] = batch.pop("subresources")["job_items"]
    written = gen_reference.pages(yaml.safe_dump(data, sort_keys=False), SPEC)
    page = written["resources/job_items.md"]
    assert "::: _llama_cloud_batch_generated.resources.job_items.JobItems" in page
    assert "client.job_items" in page
    assert "resources/job_items.md" in written["SUMMARY.md"]
    assert "client.job_items.get_processing_results()" in written["resources.md"]
    assert "JobItems" not in written["resources/beta.md"]
    assert "BatchJobItem" in written["models/job_items.md"]
    assert "BatchJobItem" not in written["models/beta.md"]


def test_the_reference_shows_docstrings(site: Path) -> None:
    """The page that anchors LlamaCloud shows the first line of its docstring."""
    docstring = inspect.getdoc(llama_cloud_batch.LlamaCloud)
    assert docstring, "LlamaCloud has no docstring"
    first_line = " ".join(docstring.splitlines()[0].split())
    pages = list((site / "reference").rglob("*.html"))
    holding = [page for page in pages if "llama_cloud_batch.LlamaCloud" in anchors_of(page)]
    assert holding, "no reference page anchors llama_cloud_batch.LlamaCloud"
    assert any(first_line in text_of(page) for page in holding), first_line
